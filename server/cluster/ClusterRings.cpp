#include "cluster/ClusterRings.h"

#include "FrameWriter.h"
#include "cluster/ClusterNode.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/RoomRegistry.h"
#include "signal/Tenant.h"
#include "telephony/BridgeLink.h"
#include "telephony/RingDispatcher.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcRings, "switchboard.cluster", QtInfoMsg)

constexpr qint64 rememberMs = RingDispatcher::rememberEndedMs;
// A ring of another node still ringing here this long after its own timeout lost its end
// (NATS delivers at most once): it stops ringing as `timeout`.
constexpr int graceMs = 10 * 1000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString cleared(const QString &callId, QLatin1StringView reason)
{
    return FrameWriter::make("ring-cleared"_L1,
                             QJsonObject{{u"callId"_s, callId}, {u"reason"_s, reason}});
}

// The ring-cleared reasons another node may ask for; anything else is `cleared`.
QLatin1StringView clearReason(const QString &reason)
{
    for (QLatin1StringView r : {"timeout"_L1, "caller-hung-up"_L1, "answered-elsewhere"_L1})
        if (reason == r)
            return r;
    return "cleared"_L1;
}
} // namespace

ClusterRings::ClusterRings(ClusterNode &node, Tenant &tenant, const QByteArray &key,
                           QObject *parent)
    : QObject(parent), m_node(node), m_tenant(&tenant), m_key(key)
{
    RingDispatcher &rings = tenant.rings();
    connect(&rings, &RingDispatcher::phoneRegistered, this, &ClusterRings::phoneRegistered);
    connect(&rings, &RingDispatcher::phoneUnregistered, this, &ClusterRings::phoneGone);
    connect(&tenant.rooms(), &RoomRegistry::roomCreated, this, &ClusterRings::watchRoom);
    rings.setCluster(this);
}

ClusterRings::~ClusterRings()
{
    if (m_tenant && m_tenant->rings().cluster() == this)
        m_tenant->rings().setCluster(nullptr);
}

bool ClusterRings::handles(const QJsonObject &event)
{
    const QString op = event.value(u"op"_s).toString();
    return op == u"ring"_s || op.startsWith(u"ring-"_s);
}

void ClusterRings::publish(QJsonObject event)
{
    m_node.publishEvent(m_key, std::move(event));
}

QJsonObject ClusterRings::ringEvent(const Ring &ring, int delivered) const
{
    const Ring::Call &call = ring.call();
    return {{u"op"_s, u"ring"_s},           {u"callId"_s, call.callId}, {u"from"_s, call.from},
            {u"fromName"_s, call.fromName}, {u"to"_s, call.to},         {u"room"_s, call.room},
            {u"delivered"_s, delivered}};
}

void ClusterRings::onEvent(const QString &fromNode, const QJsonObject &event)
{
    if (!m_tenant)
        return;
    const QString op = event.value(u"op"_s).toString();
    const bool forMe = event.value(u"target"_s).toString() == m_node.node();
    if (op == u"ring-phone"_s) {
        const QString peerId = event.value(u"peerId"_s).toString();
        if (!peerId.isEmpty())
            m_phones[fromNode].insert(peerId, event.value(u"extension"_s).toString());
    } else if (op == u"ring-phone-gone"_s) {
        auto it = m_phones.find(fromNode);
        if (it != m_phones.end())
            it->remove(event.value(u"peerId"_s).toString());
    } else if (op == u"ring-phones"_s) {
        // The node's whole state replaces what we knew of it.
        QHash<QString, QString> &phones = m_phones[fromNode];
        phones.clear();
        for (const QJsonValue &v : event.value(u"phones"_s).toArray()) {
            const QJsonObject p = v.toObject();
            const QString peerId = p.value(u"peerId"_s).toString();
            if (!peerId.isEmpty())
                phones.insert(peerId, p.value(u"extension"_s).toString());
        }
        for (const QJsonValue &v : event.value(u"rings"_s).toArray())
            onRing(fromNode, v.toObject());
    } else if (op == u"ring-sync"_s) {
        announce();
    } else if (op == u"ring"_s) {
        onRing(fromNode, event);
    } else if (op == u"ring-answered"_s) {
        onAnswered(fromNode, event);
    } else if (op == u"ring-end"_s) {
        onEnded(fromNode, event);
    } else if (op == u"ring-status"_s && forMe) {
        onStatus(fromNode, event);
    } else if (op == u"ring-claim"_s && forMe) {
        onClaim(fromNode, event);
    } else if (op == u"ring-bridge-left"_s && forMe) {
        onBridgeLeft(event);
    } else if (op == u"ring-clear"_s) {
        // Posted to another node: only the origin holds the Ring.
        const QString callId = event.value(u"callId"_s).toString();
        if (m_tenant->rings().findRing(callId))
            m_tenant->rings().clear(callId, event.value(u"reason"_s).toString());
    }
}

void ClusterRings::announce()
{
    if (!m_tenant)
        return;
    QJsonArray phones;
    for (const auto &[peerId, extension] : m_tenant->rings().phones())
        phones.append(QJsonObject{{u"peerId"_s, peerId}, {u"extension"_s, extension}});
    QJsonArray rings;
    for (const Ring *r : m_tenant->rings().activeRings()) {
        if (r->state() == Ring::State::Ringing)
            rings.append(ringEvent(*r, r->delivered()));
    }
    // Sent also when empty: it replaces phones the others may still hold from lost events.
    publish({{u"op"_s, u"ring-phones"_s}, {u"phones"_s, phones}, {u"rings"_s, rings}});
}

void ClusterRings::resync()
{
    announce();
    publish({{u"op"_s, u"ring-sync"_s}});
}

void ClusterRings::dropNode(const QString &node)
{
    m_phones.remove(node);
    if (!m_tenant)
        return;
    QStringList changed;
    for (auto it = m_status.begin(); it != m_status.end(); ++it) {
        if (it->remove(node))
            changed.append(it.key());
    }
    for (const QString &callId : std::as_const(changed))
        m_tenant->rings().remoteChanged(callId);
    // Rings it was the origin of died with it; a retry of the bridge on another node may ring
    // them again, so they are not remembered as ended.
    QStringList orphaned;
    for (auto it = m_remote.cbegin(); it != m_remote.cend(); ++it) {
        if (it->origin == node)
            orphaned.append(it.key());
    }
    for (const QString &callId : std::as_const(orphaned))
        forget(callId, "cleared"_L1, false);
}

int ClusterRings::remotePhones() const
{
    int n = 0;
    for (const auto &phones : m_phones)
        n += int(phones.size());
    return n;
}

int ClusterRings::started(const Ring &ring, int localDelivered)
{
    const Ring::Call &call = ring.call();
    QHash<QString, Remote> &status = m_status[call.callId];
    int remote = 0;
    // Without NATS the other nodes cannot hear of the ring now: `delivered` counts this node's
    // phones only.
    if (m_node.isConnected()) {
        for (auto node = m_phones.cbegin(); node != m_phones.cend(); ++node) {
            int n = 0;
            for (const QString &extension : *node)
                n += RingDispatcher::matches(call.to, extension);
            if (n > 0)
                status.insert(node.key(), Remote{n, 0});
            remote += n;
        }
    }
    publish(ringEvent(ring, localDelivered + remote));
    return remote;
}

void ClusterRings::answered(const Ring &ring)
{
    publish({{u"op"_s, u"ring-answered"_s},
             {u"callId"_s, ring.call().callId},
             {u"peerId"_s, ring.answeredBy()},
             {u"by"_s, m_node.node()}});
}

void ClusterRings::ended(const Ring &ring, QLatin1StringView clearReason)
{
    m_status.remove(ring.call().callId);
    publish({{u"op"_s, u"ring-end"_s},
             {u"callId"_s, ring.call().callId},
             {u"reason"_s, QString(clearReason)}});
}

RingCluster::Remote ClusterRings::remote(const QString &callId) const
{
    Remote sum;
    const auto it = m_status.constFind(callId);
    if (it == m_status.cend())
        return sum;
    for (const Remote &r : *it) {
        sum.ringing += r.ringing;
        sum.declined += r.declined;
    }
    return sum;
}

std::optional<int> ClusterRings::knownRing(const QString &callId) const
{
    if (const auto it = m_remote.constFind(callId); it != m_remote.cend())
        return it->delivered;
    if (const auto it = m_ended.constFind(callId);
        it != m_ended.cend() && nowMs() - it.value() < rememberMs)
        return 0;
    return std::nullopt;
}

ClusterRings::RemoteRing *ClusterRings::ringingOn(PeerChannel &phone, const QString &callId,
                                                  QString *peerId)
{
    const auto it = m_remote.find(callId);
    if (it == m_remote.end() || it->answered || !m_tenant)
        return nullptr;
    *peerId = m_tenant->rings().phonePeerId(&phone);
    return it->ringing.contains(*peerId) ? &*it : nullptr;
}

bool ClusterRings::answer(PeerChannel &phone, const QString &callId)
{
    QString peerId;
    const RemoteRing *r = ringingOn(phone, callId, &peerId);
    if (!r)
        return false;
    if (!m_tenant->bridge().isConnected()) {
        phone.sendError("bridge-unavailable"_L1, u"answer"_s);
        return true; // the ring goes on
    }
    // The origin accepts the first claim and tells every node (ring-answered); this node then
    // clears its phones and sends the bridge ring-answered.
    publish({{u"op"_s, u"ring-claim"_s},
             {u"target"_s, r->origin},
             {u"callId"_s, callId},
             {u"peerId"_s, peerId}});
    return true;
}

bool ClusterRings::decline(PeerChannel &phone, const QString &callId)
{
    QString peerId;
    RemoteRing *r = ringingOn(phone, callId, &peerId);
    if (!r)
        return false;
    r->ringing.remove(peerId);
    ++r->declined;
    phone.sendText(cleared(callId, "declined"_L1));
    reportStatus(callId, *r);
    return true;
}

void ClusterRings::clear(const QString &callId, const QString &reason)
{
    // Whichever node is the origin acts, also when this node has not heard of the ring yet.
    publish({{u"op"_s, u"ring-clear"_s}, {u"callId"_s, callId}, {u"reason"_s, reason}});
}

bool ClusterRings::isCallRoom(const QString &roomId) const
{
    const auto it = m_rooms.constFind(roomId);
    return it != m_rooms.cend() && (it.value() == 0 || nowMs() - it.value() < rememberMs);
}

void ClusterRings::onRing(const QString &fromNode, const QJsonObject &event)
{
    Ring::Call call;
    call.callId = event.value(u"callId"_s).toString();
    call.from = event.value(u"from"_s).toString();
    call.fromName = event.value(u"fromName"_s).toString();
    call.to = event.value(u"to"_s).toString();
    call.room = event.value(u"room"_s).toString();
    if (call.callId.isEmpty() || call.to.isEmpty() || call.room.isEmpty())
        return;
    prune(nowMs());
    // Known already (a node's full state repeats its rings), or posted here too at the same
    // moment: this node's own Ring stands.
    if (m_remote.contains(call.callId) || m_ended.contains(call.callId)
        || m_tenant->rings().findRing(call.callId))
        return;
    RemoteRing &r = m_remote[call.callId];
    r.origin = fromNode;
    r.call = call;
    r.frame = Ring::frameFor(call);
    r.delivered = event.value(u"delivered"_s).toInt();
    r.startedMs = nowMs();
    RingDispatcher &rings = m_tenant->rings();
    for (PeerChannel *phone : rings.matchingPhones(call.to)) {
        phone->sendText(r.frame);
        r.ringing.insert(rings.phonePeerId(phone), phone);
    }
    m_rooms.insert(call.room, 0);
    if (Room *existing = m_tenant->rooms().find(call.room))
        watchRoom(existing);
    qCDebug(lcRings) << "ring" << call.callId << "of node" << fromNode << "rings"
                     << r.ringing.size() << "phone(s) here";
    reportStatus(call.callId, r);
    QTimer::singleShot(m_tenant->config().ringTimeoutSec * 1000 + graceMs, this,
                       [this, callId = call.callId, fromNode] { expire(callId, fromNode); });
}

void ClusterRings::onAnswered(const QString &fromNode, const QJsonObject &event)
{
    const QString callId = event.value(u"callId"_s).toString();
    const auto it = m_remote.find(callId);
    if (it == m_remote.end() || it->origin != fromNode || it->answered)
        return;
    const QString peerId = event.value(u"peerId"_s).toString();
    const bool wonHere = event.value(u"by"_s).toString() == m_node.node();
    const QString elsewhere = cleared(callId, "answered-elsewhere"_L1);
    for (auto phone = it->ringing.cbegin(); phone != it->ringing.cend(); ++phone) {
        if (!*phone)
            continue;
        (*phone)->sendText(wonHere && phone.key() == peerId ? cleared(callId, "answered"_L1)
                                                            : elsewhere);
    }
    it->ringing.clear();
    it->answered = true;
    // The node where the answer happened sends the bridge ring-answered (it checked that a
    // bridge session was there).
    if (wonHere && m_tenant) {
        m_tenant->bridge().send(FrameWriter::make(
            "ring-answered"_L1,
            QJsonObject{{u"callId"_s, callId}, {u"room"_s, it->call.room}, {u"peerId"_s, peerId}}));
        qCInfo(lcRings) << "ring" << callId << "of node" << fromNode << "answered here";
    }
}

void ClusterRings::onEnded(const QString &fromNode, const QJsonObject &event)
{
    const QString callId = event.value(u"callId"_s).toString();
    const auto it = m_remote.constFind(callId);
    if (it == m_remote.cend() || it->origin != fromNode)
        return;
    // Phones still ringing here (none after an answer or when all declined) hear its reason.
    forget(callId, clearReason(event.value(u"reason"_s).toString()), true);
}

void ClusterRings::onStatus(const QString &fromNode, const QJsonObject &event)
{
    const QString callId = event.value(u"callId"_s).toString();
    const auto it = m_status.find(callId);
    if (it == m_status.end() || !m_tenant)
        return;
    it->insert(fromNode,
               Remote{event.value(u"ringing"_s).toInt(), event.value(u"declined"_s).toInt()});
    m_tenant->rings().remoteChanged(callId);
}

void ClusterRings::onClaim(const QString &fromNode, const QJsonObject &event)
{
    const QString callId = event.value(u"callId"_s).toString();
    const QString peerId = event.value(u"peerId"_s).toString();
    // The first claim wins; a later one (or one for a ring that ended) changes nothing: its phone
    // hears `answered-elsewhere` or the ring's end.
    if (!m_tenant || peerId.isEmpty() || !m_tenant->rings().answerFromNode(callId, peerId))
        return;
    publish({{u"op"_s, u"ring-answered"_s},
             {u"callId"_s, callId},
             {u"peerId"_s, peerId},
             {u"by"_s, fromNode}});
}

void ClusterRings::onBridgeLeft(const QJsonObject &event)
{
    // The bridge left the call room of an answered ring on another node: the call has ended.
    const QString callId = event.value(u"callId"_s).toString();
    const Ring *r = m_tenant->rings().findRing(callId);
    if (r && r->state() == Ring::State::Answered)
        m_tenant->rings().clear(callId, u"cleared"_s);
}

void ClusterRings::watchRoom(Room *room)
{
    if (!m_rooms.contains(room->id()) || m_watchedRooms.contains(room))
        return;
    m_watchedRooms.insert(room);
    connect(room, &QObject::destroyed, this, [this, room] { m_watchedRooms.remove(room); });
    connect(room, &Room::peerJoined, this,
            [this, room](const QString &peerId) { peerJoinedCallRoom(*room, peerId); });
    connect(room, &Room::peerLeft, this,
            [this, room](const QString &peerId) { peerLeftCallRoom(*room, peerId); });
}

void ClusterRings::peerJoinedCallRoom(Room &room, const QString &peerId)
{
    const Room::Member *m = room.member(peerId);
    const bool isBridge = m && m->kind == "bridge"_L1;
    for (auto it = m_remote.begin(); isBridge && it != m_remote.end(); ++it) {
        if (it->call.room == room.id() && it->bridgePeerId.isEmpty())
            it->bridgePeerId = peerId;
    }
}

void ClusterRings::peerLeftCallRoom(Room &room, const QString &peerId)
{
    for (auto it = m_remote.cbegin(); it != m_remote.cend(); ++it) {
        if (it->answered && it->call.room == room.id() && it->bridgePeerId == peerId)
            publish({{u"op"_s, u"ring-bridge-left"_s},
                     {u"target"_s, it->origin},
                     {u"callId"_s, it.key()}});
    }
}

void ClusterRings::phoneRegistered(const QString &peerId, const QString &extension)
{
    publish({{u"op"_s, u"ring-phone"_s}, {u"peerId"_s, peerId}, {u"extension"_s, extension}});
    if (m_remote.isEmpty() || !m_tenant)
        return;
    // A phone that registers while a matching ring of another node is in flight rings at once.
    PeerChannel *phone = m_tenant->rings().phoneSession(peerId);
    for (auto it = m_remote.begin(); it != m_remote.end(); ++it) {
        if (!phone || it->answered || it->ringing.contains(peerId)
            || !RingDispatcher::matches(it->call.to, extension))
            continue;
        phone->sendText(it->frame);
        it->ringing.insert(peerId, phone);
        reportStatus(it.key(), *it);
    }
}

void ClusterRings::phoneGone(const QString &peerId)
{
    publish({{u"op"_s, u"ring-phone-gone"_s}, {u"peerId"_s, peerId}});
    for (auto it = m_remote.begin(); it != m_remote.end(); ++it) {
        if (it->ringing.remove(peerId))
            reportStatus(it.key(), *it);
    }
}

void ClusterRings::reportStatus(const QString &callId, const RemoteRing &ring)
{
    publish({{u"op"_s, u"ring-status"_s},
             {u"target"_s, ring.origin},
             {u"callId"_s, callId},
             {u"ringing"_s, int(ring.ringing.size())},
             {u"declined"_s, ring.declined}});
}

void ClusterRings::forget(const QString &callId, QLatin1StringView reason, bool remember)
{
    const auto it = m_remote.find(callId);
    if (it == m_remote.end())
        return;
    if (!reason.isEmpty()) {
        const QString frame = cleared(callId, reason);
        for (const QPointer<PeerChannel> &phone : std::as_const(it->ringing)) {
            if (phone)
                phone->sendText(frame);
        }
    }
    const qint64 now = nowMs();
    m_rooms.insert(it->call.room, now);
    if (remember)
        m_ended.insert(callId, now);
    m_remote.erase(it);
}

void ClusterRings::expire(const QString &callId, const QString &origin)
{
    const auto it = m_remote.constFind(callId);
    if (it == m_remote.cend() || it->origin != origin || it->answered)
        return;
    qCInfo(lcRings) << "ring" << callId << "of node" << origin << "never ended; clearing it here";
    forget(callId, "timeout"_L1, true);
}

void ClusterRings::prune(qint64 now)
{
    for (auto it = m_ended.begin(); it != m_ended.end();)
        it = now - it.value() >= rememberMs ? m_ended.erase(it) : std::next(it);
    for (auto it = m_rooms.begin(); it != m_rooms.end();)
        it = it.value() != 0 && now - it.value() >= rememberMs ? m_rooms.erase(it) : std::next(it);
    // An answered ring whose end never came is dropped after a day, as the origin's backstop.
    for (auto it = m_remote.begin(); it != m_remote.end();)
        it = it->answered && now - it->startedMs >= rememberMs ? m_remote.erase(it) : std::next(it);
}
