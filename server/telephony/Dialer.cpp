#include "telephony/Dialer.h"

#include "Crypto.h"
#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/RoomCluster.h"
#include "signal/RoomRegistry.h"
#include "signal/Tenant.h"
#include "store/Store.h"
#include "telephony/BridgeLink.h"
#include "telephony/Dial.h"

#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcDial, "switchboard.dial", QtInfoMsg)

constexpr QStringView s_ref = u"dial";
} // namespace

Dialer::Dialer(Tenant &tenant, QObject *parent)
    : QObject(parent), m_tenant(tenant),
      m_perAddress(tenant.server().limits.dialPerMinPerAddress, rateWindowMs)
{
    connect(&m_tenant.bridge(), &BridgeLink::dialStatus, this, &Dialer::onStatus);
    connect(&m_tenant.bridge(), &BridgeLink::connectedChanged, this, &Dialer::onBridgeConnected);
}

Dialer::Right Dialer::rightFor(const QString &number, bool verified, bool *virtualNumber) const
{
    *virtualNumber = false;
    Store &store = m_tenant.store();
    const QString &tenant = m_tenant.config().host;
    if (const auto vn = store.virtualNumber(tenant, number)) {
        *virtualNumber = true;
        if (vn->visibility == u"anonymous"_s || verified)
            return Right::Allowed;
        return Right::Forbidden;
    }
    if ((NameRules::isE164(number) || NameRules::isExtension(number))
        && store.isWhitelisted(tenant, number))
        return verified ? Right::Allowed : Right::Forbidden;
    return Right::Unknown;
}

std::optional<QString> Dialer::vnumRoomFor(const QString &number, bool verified) const
{
    bool virtualNumber = false;
    if (rightFor(number, verified, &virtualNumber) != Right::Allowed || !virtualNumber)
        return std::nullopt;
    // The number is part of a room id, so it must fit the room pattern.
    const QString id = RoomRegistry::mintId(u"vnum-"_s + number);
    if (!NameRules::isRoomId(id))
        return std::nullopt;
    return id;
}

bool Dialer::takeRate(PeerChannel &session)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto it = m_recent.find(&session);
    if (it == m_recent.end()) {
        it = m_recent.insert(&session, {});
        const auto forget = [this, s = &session] { m_recent.remove(s); };
        connect(&session, &PeerChannel::finished, this, forget);
        connect(&session, &QObject::destroyed, this, forget);
    }
    QList<qint64> &times = it.value();
    while (!times.isEmpty() && now - times.first() >= rateWindowMs)
        times.removeFirst();
    if (times.size() >= m_tenant.server().limits.dialPerMin)
        return false;
    times.append(now);
    return true;
}

void Dialer::log(const QString &callId, const QString &roomId, const QString &peerId,
                 const QString &number, const QString &outcome)
{
    Store &store = m_tenant.store();
    DialLogRecord row;
    row.at = QDateTime::currentDateTimeUtc();
    row.callId = callId;
    row.room = roomId;
    row.peerId = peerId;
    row.number = number.left(maxLoggedNumber);
    row.outcome = outcome;
    store.addDial(m_tenant.config().host, row);
}

void Dialer::dial(PeerChannel &session, const QString &number, const std::optional<QString> &trunk)
{
    Room *room = session.room();
    Room::Member *me = room ? room->member(session.peerId()) : nullptr;
    if (!me || me->session != &session) {
        // No dial-log row: a socket that never joined could otherwise fill the log.
        session.sendError("not-joined"_L1, s_ref);
        return;
    }
    const QString roomId = room->id();
    const QString peerId = me->peerId;
    if (trunk && !NameRules::isRoomId(*trunk)) {
        session.sendError("bad-frame"_L1, s_ref);
        return;
    }
    if (!takeRate(session)) {
        // No dial-log row for a dial the rate limit refused (DESIGN.md "Limits").
        session.sendError("rate-limited"_L1, s_ref);
        return;
    }
    // Rights first: the answer never tells a number that exists from one this peer may not dial.
    bool virtualNumber = false;
    const Right right = me->kind == "bridge"_L1
        ? Right::Forbidden
        : rightFor(number, !me->verifiedIdentity.isEmpty(), &virtualNumber);
    if (right != Right::Allowed) {
        log({}, roomId, peerId, number,
            right == Right::Forbidden ? u"forbidden"_s : u"unknown-number"_s);
        session.sendError("unknown-number"_L1, s_ref);
        return;
    }
    // Per client address, across its sockets: a new socket does not reset it.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_perAddress.setMax(m_tenant.server().limits.dialPerMinPerAddress);
    if (!m_perAddress.take(session.clientAddress(), now)) {
        session.sendError("rate-limited"_L1, s_ref);
        return;
    }
    if (!m_tenant.bridge().isConnected()) {
        log({}, roomId, peerId, number, u"bridge-unavailable"_s);
        session.sendError("bridge-unavailable"_L1, s_ref);
        return;
    }
    const QString callId = Crypto::randomId();
    auto *d = new Dial(callId, room, number, virtualNumber, this);
    if (virtualNumber) {
        const auto vn = m_tenant.store().virtualNumber(m_tenant.config().host, number);
        d->setNumberPublic(vn && vn->visibility == u"anonymous"_s);
    }
    m_dials.insert(callId, d);
    watchRoom(d);
    log(callId, roomId, peerId, number, u"dialing"_s);
    QJsonObject request{{u"callId"_s, callId}, {u"room"_s, roomId}, {u"number"_s, number}};
    if (trunk)
        request.insert(u"trunk"_s, *trunk);
    m_tenant.bridge().send(FrameWriter::make("dial-request"_L1, request));
    // The room learns the callId (needed for hangup) from the first dial-status.
    relay(d, u"dialing"_s, {});
    qCInfo(lcDial) << "dial" << callId << "in a room of" << m_tenant.config().host;
    emit dialStarted(callId, roomId, number);
}

void Dialer::watchRoom(Dial *d)
{
    Room *room = d->room();
    connect(room, &Room::peerLeft, d, [this, d, room] {
        if (d->hangupSent())
            return;
        for (const auto &m : room->members()) {
            if (m->kind != "bridge"_L1)
                return;
        }
        // The last non-bridge peer left: the bridge hangs up, leaves, and reports `ended`.
        d->setHangupSent();
        if (!m_tenant.bridge().send(FrameWriter::make(
                "hangup"_L1, QJsonObject{{u"callId"_s, d->callId()}, {u"room"_s, d->roomId()}})))
            finish(d, d->answeredAt().isValid() ? u"answered"_s : u"cleared"_s);
    });
}

void Dialer::hangup(PeerChannel &session, const Frame &frame)
{
    const QString &ref = frame.typeName();
    Room *room = session.room();
    if (!room || !room->member(session.peerId())) {
        session.sendError("not-joined"_L1, ref);
        return;
    }
    Dial *d = m_dials.value(frame.string("callId"_L1).value_or(QString()));
    if (!d || d->roomId() != room->id()) {
        session.sendError("unknown-call"_L1, ref);
        return;
    }
    d->setHangupSent();
    if (!m_tenant.bridge().send(FrameWriter::make(
            "hangup"_L1, QJsonObject{{u"callId"_s, d->callId()}, {u"room"_s, d->roomId()}}))) {
        relay(d, u"ended"_s, u"hung-up"_s);
        finish(d, d->answeredAt().isValid() ? u"answered"_s : u"cleared"_s);
    }
}

void Dialer::relay(Dial *d, const QString &state, const QString &reason)
{
    emit dialStatusRelayed(d->callId(), state, reason);
    Room *room = d->room();
    if (!room)
        return;
    QJsonObject body{{u"callId"_s, d->callId()}, {u"state"_s, state}};
    if (!reason.isEmpty())
        body.insert(u"reason"_s, reason);
    const QString withoutNumber = FrameWriter::make("dial-status"_L1, body);
    body.insert(u"number"_s, d->number());
    const QString withNumber = FrameWriter::make("dial-status"_L1, body);
    if (RoomCluster *cluster = room->cluster()) {
        // Cluster mode: the room's members on other nodes hear it too, by the same rule.
        for (const QJsonValue &v : cluster->remotePeers(room->id())) {
            const QJsonObject peer = v.toObject();
            const bool verified = peer.contains(u"verifiedIdentity"_s);
            room->relayRemote(peer.value(u"peerId"_s).toString(),
                              d->isNumberPublic() || verified ? withNumber : withoutNumber);
        }
    }
    if (d->isNumberPublic()) {
        room->broadcast(withNumber);
        return;
    }
    // The dialled number goes to verified peers only; anonymous ones get the status without it.
    QStringList overflowed;
    for (const auto &m : room->members()) {
        const bool verified = !m->verifiedIdentity.isEmpty();
        if (!room->deliver(*m, verified ? withNumber : withoutNumber))
            overflowed.append(m->peerId);
    }
    for (const QString &id : std::as_const(overflowed))
        room->remove(id, "timeout"_L1);
}

void Dialer::onStatus(const QString &callId, const QString &state, const QString &reason)
{
    Dial *d = m_dials.value(callId);
    if (!d) {
        qCDebug(lcDial) << "dial-status for an unknown call";
        return;
    }
    if (state == u"answered"_s)
        d->markAnswered();
    relay(d, state, reason);
    if (state == u"failed"_s)
        finish(d, u"failed"_s);
    else if (state == u"ended"_s)
        finish(d, d->answeredAt().isValid() ? u"answered"_s : u"cleared"_s);
}

void Dialer::endAll()
{
    const QList<Dial *> dials = m_dials.values();
    for (Dial *d : dials) {
        if (!d->hangupSent()) {
            d->setHangupSent();
            m_tenant.bridge().send(FrameWriter::make(
                "hangup"_L1, QJsonObject{{u"callId"_s, d->callId()}, {u"room"_s, d->roomId()}}));
        }
        relay(d, u"ended"_s, u"hung-up"_s);
        finish(d, d->answeredAt().isValid() ? u"answered"_s : u"cleared"_s);
    }
}

void Dialer::onBridgeConnected(bool connected)
{
    if (connected)
        return;
    // Without its bridge no dial can go on: end each one, and tell its room.
    const QList<Dial *> dials = m_dials.values();
    for (Dial *d : dials) {
        if (d->answeredAt().isValid()) {
            relay(d, u"ended"_s, u"error"_s);
            finish(d, u"answered"_s);
        } else {
            relay(d, u"failed"_s, u"error"_s);
            finish(d, u"failed"_s);
        }
    }
}

void Dialer::finish(Dial *d, const QString &result)
{
    if (!m_dials.remove(d->callId()))
        return;
    CdrRecord cdr;
    cdr.callId = d->callId();
    cdr.direction = u"out"_s;
    cdr.from = u"room:"_s + d->roomId();
    cdr.to = d->number();
    cdr.room = d->roomId();
    cdr.startedAt = d->startedAt();
    cdr.answeredAt = d->answeredAt();
    cdr.endedAt = QDateTime::currentDateTimeUtc();
    cdr.result = result;
    cdr.virtualNumber = d->isVirtualNumber();
    m_tenant.store().addCdr(m_tenant.config().host, cdr);
    qCInfo(lcDial) << "dial" << d->callId() << "ended" << result;
    emit dialEnded(d->callId(), result);
    d->deleteLater();
}
