#include "telephony/RingDispatcher.h"

#include "Crypto.h"
#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/Tenant.h"
#include "store/Store.h"
#include "telephony/BridgeLink.h"
#include "telephony/RingCluster.h"

#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcRing, "switchboard.ring", QtInfoMsg)

QString cleared(const QString &callId, QLatin1StringView reason)
{
    return FrameWriter::make("ring-cleared"_L1,
                             QJsonObject{{u"callId"_s, callId}, {u"reason"_s, reason}});
}
} // namespace

RingDispatcher::RingDispatcher(Tenant &tenant, QObject *parent) : QObject(parent), m_tenant(tenant)
{
    connect(&m_tenant.rooms(), &RoomRegistry::roomCreated, this, &RingDispatcher::watchRoom);
}

RingDispatcher::~RingDispatcher() = default;

bool RingDispatcher::matches(const QString &ringTo, const QString &phoneExtension)
{
    return ringTo == u"*"_s || phoneExtension == u"*"_s || ringTo == phoneExtension;
}

QString RingDispatcher::phonePeerId(const PeerChannel *session) const
{
    const auto it = m_phones.constFind(const_cast<PeerChannel *>(session));
    return it == m_phones.cend() ? QString() : it->peerId;
}

PeerChannel *RingDispatcher::phoneSession(const QString &peerId) const
{
    for (auto it = m_phones.cbegin(); it != m_phones.cend(); ++it) {
        if (it->peerId == peerId)
            return it.key();
    }
    return nullptr;
}

QList<PeerChannel *> RingDispatcher::matchingPhones(const QString &ringTo) const
{
    QList<PeerChannel *> out;
    for (auto it = m_phones.cbegin(); it != m_phones.cend(); ++it) {
        if (matches(ringTo, it->extension))
            out.append(it.key());
    }
    return out;
}

bool RingDispatcher::isCallRoom(const QString &roomId) const
{
    const auto it = m_callRooms.constFind(roomId);
    if (it == m_callRooms.cend())
        return m_cluster && m_cluster->isCallRoom(roomId);
    return it.value() == 0 || QDateTime::currentMSecsSinceEpoch() - it.value() < rememberEndedMs;
}

void RingDispatcher::pruneEnded(qint64 nowMs)
{
    for (auto it = m_ended.begin(); it != m_ended.end();)
        it = nowMs - it.value() >= rememberEndedMs ? m_ended.erase(it) : std::next(it);
    for (auto it = m_callRooms.begin(); it != m_callRooms.end();) {
        it = it.value() != 0 && nowMs - it.value() >= rememberEndedMs ? m_callRooms.erase(it)
                                                                      : std::next(it);
    }
}

int RingDispatcher::ring(const Ring::Call &call)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    pruneEnded(now);
    if (const Ring *inFlight = m_rings.value(call.callId))
        return inFlight->delivered(); // a repeated office-ring rings nobody again
    if (m_ended.contains(call.callId))
        return 0;
    if (m_cluster) {
        if (const auto known = m_cluster->knownRing(call.callId))
            return *known; // another node is the ring's origin
    }
    // The dedupe outlives a restart: a callId that rang and ended in the last 24 h rings nobody.
    if (m_tenant.store().isRemembered(ringDedupeKind(), call.callId.toUtf8()))
        return 0;
    auto *r = new Ring(call, m_tenant.config().ringTimeoutSec, this);
    connect(r, &Ring::timedOut, this, [this, r] { onTimeout(r); });
    m_rings.insert(call.callId, r);
    m_callRooms.insert(call.room, 0);
    if (Room *existing = m_tenant.rooms().find(call.room))
        watchRoom(existing); // the bridge named a room that already exists
    int delivered = 0;
    for (auto it = m_phones.cbegin(); it != m_phones.cend(); ++it) {
        if (!matches(call.to, it->extension))
            continue;
        it.key()->sendText(r->frame());
        r->addRinging(it.key());
        ++delivered;
    }
    if (m_cluster)
        delivered += m_cluster->started(*r, delivered);
    r->setDelivered(delivered);
    qCInfo(lcRing) << "ring" << call.callId << "delivered to" << delivered << "phone(s)";
    emit ringStarted(call.callId, delivered);
    return delivered;
}

void RingDispatcher::clear(const QString &callId, const QString &reason)
{
    Ring *r = m_rings.value(callId);
    if (!r) {
        if (m_cluster)
            m_cluster->clear(callId, reason); // the origin may be another node
        return;
    }
    if (r->state() == Ring::State::Answered) {
        finish(r, u"answered"_s);
        return;
    }
    QLatin1StringView why = "cleared"_L1;
    if (reason == u"caller-hung-up"_s)
        why = "caller-hung-up"_L1;
    else if (reason == u"answered-elsewhere"_s)
        why = "answered-elsewhere"_L1;
    const QString frame = cleared(callId, why);
    for (PeerChannel *phone : r->ringing())
        phone->sendText(frame);
    // A ring cleared before anyone answered is `missed` when the caller hung up.
    finish(r, why == "caller-hung-up"_L1 ? u"missed"_s : u"cleared"_s, why);
}

QString RingDispatcher::ringDedupeKind() const
{
    return u"ring-ended|"_s + m_tenant.config().host;
}

void RingDispatcher::endAll()
{
    const QStringList callIds = m_rings.keys();
    for (const QString &callId : callIds)
        clear(callId, u"cleared"_s);
}

void RingDispatcher::onTimeout(Ring *r)
{
    if (r->state() == Ring::State::Answered) {
        finish(r, u"answered"_s);
        return;
    }
    const QString frame = cleared(r->call().callId, "timeout"_L1);
    for (PeerChannel *phone : r->ringing())
        phone->sendText(frame);
    emit ringTimedOut(r->call().callId);
    finish(r, u"missed"_s, "timeout"_L1);
}

void RingDispatcher::registerPhone(PeerChannel &session, const Frame &frame)
{
    const QString &ref = frame.typeName();
    const QString extension = frame.string("extension"_L1).value_or(QString());
    if (extension != u"*"_s && !NameRules::isExtension(extension)) {
        session.sendError("bad-frame"_L1, ref);
        return;
    }
    if (const auto key = frame.string("officeKey"_L1)) {
        // Online guessing: after 10 wrong keys a minute from one address, no key is compared.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        m_keyFailures.setMax(m_tenant.server().limits.officeKeyFailuresPerMin);
        if (!m_keyFailures.allows(session.clientAddress(), now)) {
            session.sendError("rate-limited"_L1, ref);
            return;
        }
        // Every key is compared, in constant time, so the answer time does not tell which matched.
        const QByteArray given = key->toUtf8();
        bool ok = false;
        for (const QByteArray &k : m_tenant.config().officeKeys)
            ok = Crypto::constantTimeEquals(given, k) || ok;
        if (!ok) {
            m_keyFailures.add(session.clientAddress(), now);
            session.sendError("forbidden"_L1, ref);
            return;
        }
    } else {
        const auto verified
            = m_tenant.verifyIdToken(frame.string("idToken"_L1).value_or(QString()));
        if (!verified) {
            session.sendError("invalid-token"_L1, ref);
            return;
        }
        if (!verified->phoneRights) {
            session.sendError("forbidden"_L1, ref);
            return;
        }
    }
    auto it = m_phones.find(&session);
    if (it == m_phones.end()) {
        it = m_phones.insert(&session, Phone{});
        it->peerId = session.peerId().isEmpty() ? Crypto::randomId() : session.peerId();
        connect(&session, &PeerChannel::finished, this, [this, s = &session] { phoneGone(s); });
        connect(&session, &QObject::destroyed, this, [this, s = &session] { phoneGone(s); });
    }
    it->extension = extension; // a second register replaces the socket's extension
    const QString peerId = it->peerId;
    session.sendText(FrameWriter::make(
        "registered"_L1, QJsonObject{{u"extension"_s, extension}, {u"peerId"_s, peerId}}));
    qCDebug(lcRing) << "phone registered" << peerId << extension;
    emit phoneRegistered(peerId, extension);
    // A phone that registers while a matching ring is in flight gets that ring at once.
    for (Ring *r : std::as_const(m_rings)) {
        if (r->state() == Ring::State::Ringing && matches(r->call().to, extension)
            && !r->isRingingOn(&session)) {
            session.sendText(r->frame());
            r->addRinging(&session);
        }
    }
}

void RingDispatcher::phoneGone(PeerChannel *session)
{
    const auto it = m_phones.find(session);
    if (it == m_phones.end())
        return;
    const QString peerId = it->peerId;
    m_phones.erase(it);
    const QList<Ring *> rings = m_rings.values();
    for (Ring *r : rings) {
        if (!r->isRingingOn(session))
            continue;
        r->drop(session, false);
        endIfDeclined(r);
    }
    emit phoneUnregistered(peerId);
}

void RingDispatcher::answer(PeerChannel &session, const Frame &frame)
{
    const QString &ref = frame.typeName();
    const QString callId = frame.string("callId"_L1).value_or(QString());
    Ring *r = m_rings.value(callId);
    if (!r && m_cluster && m_cluster->answer(session, callId))
        return; // another node is the ring's origin
    if (!r || !r->isRingingOn(&session)) {
        session.sendError("unknown-call"_L1, ref);
        return;
    }
    if (!m_tenant.bridge().isConnected()) {
        session.sendError("bridge-unavailable"_L1, ref);
        return; // the ring goes on
    }
    const QString peerId = phonePeerId(&session);
    session.sendText(cleared(callId, "answered"_L1));
    const QString elsewhere = cleared(callId, "answered-elsewhere"_L1);
    for (PeerChannel *phone : r->ringing()) {
        if (phone != &session)
            phone->sendText(elsewhere);
    }
    m_tenant.bridge().send(FrameWriter::make(
        "ring-answered"_L1,
        QJsonObject{{u"callId"_s, callId}, {u"room"_s, r->call().room}, {u"peerId"_s, peerId}}));
    r->markAnswered(peerId);
    if (m_cluster)
        m_cluster->answered(*r);
    qCInfo(lcRing) << "ring" << callId << "answered";
    emit ringAnswered(callId, peerId);
}

bool RingDispatcher::answerFromNode(const QString &callId, const QString &peerId)
{
    Ring *r = m_rings.value(callId);
    if (!r || r->state() != Ring::State::Ringing)
        return false;
    // The winner's node tells its phone and the bridge; here the local phones hear of it.
    const QString elsewhere = cleared(callId, "answered-elsewhere"_L1);
    for (PeerChannel *phone : r->ringing())
        phone->sendText(elsewhere);
    r->markAnswered(peerId);
    qCInfo(lcRing) << "ring" << callId << "answered on another node";
    emit ringAnswered(callId, peerId);
    return true;
}

void RingDispatcher::remoteChanged(const QString &callId)
{
    if (Ring *r = m_rings.value(callId); r && r->state() == Ring::State::Ringing)
        endIfDeclined(r);
}

void RingDispatcher::endIfDeclined(Ring *r)
{
    bool declined = r->everyoneDeclined();
    if (m_cluster) {
        const RingCluster::Remote remote = m_cluster->remote(r->call().callId);
        declined
            = r->ringing().isEmpty() && remote.ringing == 0 && r->declines() + remote.declined > 0;
    }
    if (!declined)
        return;
    m_tenant.bridge().send(
        FrameWriter::make("ring-declined"_L1, QJsonObject{{u"callId"_s, r->call().callId}}));
    finish(r, u"declined"_s);
}

void RingDispatcher::decline(PeerChannel &session, const Frame &frame)
{
    const QString &ref = frame.typeName();
    const QString callId = frame.string("callId"_L1).value_or(QString());
    Ring *r = m_rings.value(callId);
    if (!r && m_cluster && m_cluster->decline(session, callId))
        return; // another node is the ring's origin
    if (!r || !r->isRingingOn(&session)) {
        session.sendError("unknown-call"_L1, ref);
        return;
    }
    session.sendText(cleared(r->call().callId, "declined"_L1));
    r->drop(&session, true);
    endIfDeclined(r);
}

void RingDispatcher::watchRoom(Room *room)
{
    if (!m_callRooms.contains(room->id()) || m_watchedRooms.contains(room))
        return;
    m_watchedRooms.insert(room);
    connect(room, &QObject::destroyed, this, [this, room] { m_watchedRooms.remove(room); });
    connect(room, &Room::peerJoined, this, [this, room](const QString &peerId) {
        const Room::Member *m = room->member(peerId);
        if (!m || m->kind != "bridge"_L1)
            return;
        for (Ring *r : std::as_const(m_rings)) {
            if (r->call().room == room->id() && r->bridgePeerId.isEmpty())
                r->bridgePeerId = peerId;
        }
    });
    connect(room, &Room::peerLeft, this, [this, room](const QString &peerId) {
        const QList<Ring *> rings = m_rings.values();
        for (Ring *r : rings) {
            // An answered ring ends when the bridge leaves the room.
            if (r->call().room == room->id() && r->bridgePeerId == peerId
                && r->state() == Ring::State::Answered)
                finish(r, u"answered"_s);
        }
    });
}

void RingDispatcher::finish(Ring *r, const QString &result, QLatin1StringView clearReason)
{
    const Ring::Call &call = r->call();
    CdrRecord cdr;
    cdr.callId = call.callId;
    cdr.direction = u"in"_s;
    cdr.from = call.from;
    cdr.to = call.to;
    cdr.room = call.room;
    cdr.startedAt = r->startedAt();
    cdr.answeredAt = r->answeredAt();
    cdr.endedAt = QDateTime::currentDateTimeUtc();
    cdr.result = result;
    m_tenant.store().addCdr(m_tenant.config().host, cdr);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_rings.remove(call.callId);
    m_ended.insert(call.callId, now);
    m_tenant.store().rememberOnce(ringDedupeKind(), call.callId.toUtf8(), now + rememberEndedMs);
    m_callRooms.insert(call.room, now);
    if (m_cluster)
        m_cluster->ended(*r, clearReason);
    qCInfo(lcRing) << "ring" << call.callId << "ended" << result;
    emit ringEnded(call.callId, result);
    r->deleteLater();
}
