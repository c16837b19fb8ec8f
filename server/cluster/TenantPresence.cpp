#include "cluster/TenantPresence.h"

#include "FrameWriter.h"
#include "cluster/ClusterNode.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/Tenant.h"

#include <QJsonArray>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcPresence, "switchboard.cluster", QtInfoMsg)

const QStringList leaveReasons{u"left"_s, u"closed"_s, u"timeout"_s, u"kicked"_s};
} // namespace

TenantPresence::TenantPresence(ClusterNode &node, Tenant &tenant, const QByteArray &key,
                               QObject *parent)
    : QObject(parent), m_node(node), m_tenant(&tenant), m_key(key)
{
}

QJsonArray TenantPresence::remotePeers(const QString &roomId) const
{
    QJsonArray out;
    const auto it = m_rooms.constFind(roomId);
    if (it == m_rooms.cend())
        return out;
    for (const Remote &r : *it)
        out.append(r.description);
    return out;
}

int TenantPresence::remoteCount(const QString &roomId) const
{
    const auto it = m_rooms.constFind(roomId);
    return it == m_rooms.cend() ? 0 : int(it->size());
}

QHash<QString, int> TenantPresence::remoteRoomSizes() const
{
    QHash<QString, int> out;
    for (auto it = m_rooms.cbegin(); it != m_rooms.cend(); ++it)
        out.insert(it.key(), int(it->size()));
    return out;
}

bool TenantPresence::relay(const QString &roomId, QStringView peerId, const QString &frame)
{
    const auto room = m_rooms.constFind(roomId);
    if (room == m_rooms.cend())
        return false;
    const auto target = room->constFind(peerId.toString());
    if (target == room->cend())
        return false;
    const QByteArray payload
        = m_key + ' ' + roomId.toUtf8() + ' ' + peerId.toUtf8() + '\n' + frame.toUtf8();
    m_node.sendToNode(target->node, "sig", payload);
    return true;
}

void TenantPresence::publish(const QJsonObject &event)
{
    m_node.publishEvent(m_key, event);
}

void TenantPresence::joined(const Room &room, const QJsonObject &description)
{
    publish({{u"op"_s, u"join"_s},
             {u"room"_s, room.id()},
             {u"kind"_s, int(room.kind())},
             {u"peer"_s, description}});
}

void TenantPresence::left(const Room &room, const QString &peerId, QLatin1StringView reason)
{
    publish({{u"op"_s, u"leave"_s},
             {u"room"_s, room.id()},
             {u"peerId"_s, peerId},
             {u"reason"_s, reason}});
}

void TenantPresence::updated(const Room &room, const QJsonObject &description)
{
    publish({{u"op"_s, u"update"_s}, {u"room"_s, room.id()}, {u"peer"_s, description}});
}

void TenantPresence::addRemote(const QString &roomId, const QString &node,
                               const QJsonObject &description, int kind)
{
    const QString peerId = description.value(u"peerId"_s).toString();
    if (peerId.isEmpty())
        return;
    if (kind >= int(Room::Kind::Conference) && kind <= int(Room::Kind::VirtualNumber))
        m_roomKinds.insert(roomId, kind);
    auto &members = m_rooms[roomId];
    const bool known = members.contains(peerId);
    members.insert(peerId, Remote{node, description});
    Room *room = m_tenant ? m_tenant->rooms().find(roomId) : nullptr;
    if (known || !room || room->member(peerId))
        return;
    room->broadcast(FrameWriter::make("peer-joined"_L1, description));
}

void TenantPresence::removeRemote(const QString &roomId, const QString &peerId,
                                  const QString &reason)
{
    auto it = m_rooms.find(roomId);
    if (it == m_rooms.end() || !it->remove(peerId))
        return;
    if (it->isEmpty()) {
        m_rooms.erase(it);
        m_roomKinds.remove(roomId);
    }
    Room *room = m_tenant ? m_tenant->rooms().find(roomId) : nullptr;
    if (!room)
        return;
    const QString why = leaveReasons.contains(reason) ? reason : u"left"_s;
    room->broadcast(
        FrameWriter::make("peer-left"_L1, QJsonObject{{u"peerId"_s, peerId}, {u"reason"_s, why}}));
}

void TenantPresence::onEvent(const QString &fromNode, const QJsonObject &event)
{
    const QString op = event.value(u"op"_s).toString();
    if (op == u"kick"_s) {
        if (event.value(u"target"_s).toString() == m_node.node())
            kickLocal(event.value(u"peerId"_s).toString(), event.value(u"message"_s).toString());
        return;
    }
    const QString roomId = event.value(u"room"_s).toString();
    if (roomId.isEmpty())
        return;
    if (op == u"join"_s) {
        addRemote(roomId, fromNode, event.value(u"peer"_s).toObject(),
                  event.value(u"kind"_s).toInt(-1));
    } else if (op == u"leave"_s) {
        removeRemote(roomId, event.value(u"peerId"_s).toString(),
                     event.value(u"reason"_s).toString());
    } else if (op == u"update"_s) {
        const QJsonObject peer = event.value(u"peer"_s).toObject();
        const QString peerId = peer.value(u"peerId"_s).toString();
        auto room = m_rooms.find(roomId);
        if (room == m_rooms.end() || !room->contains(peerId))
            return;
        (*room)[peerId].description = peer;
        if (Room *local = m_tenant ? m_tenant->rooms().find(roomId) : nullptr) {
            local->broadcast(FrameWriter::make(
                "peer-updated"_L1,
                QJsonObject{{u"peerId"_s, peerId},
                            {u"name"_s, peer.value(u"name"_s)},
                            {u"verifiedIdentity"_s, peer.value(u"verifiedIdentity"_s)}}));
        }
    }
}

void TenantPresence::onState(const QString &fromNode, const QJsonObject &rooms)
{
    // Members of fromNode we hold but its state no longer lists have gone.
    QList<std::pair<QString, QString>> gone;
    for (auto room = m_rooms.cbegin(); room != m_rooms.cend(); ++room) {
        const QJsonArray listed = rooms.value(room.key()).toObject().value(u"members"_s).toArray();
        for (auto m = room->cbegin(); m != room->cend(); ++m) {
            if (m->node != fromNode)
                continue;
            bool still = false;
            for (const QJsonValue &v : listed)
                still = still || v.toObject().value(u"peerId"_s).toString() == m.key();
            if (!still)
                gone.append({room.key(), m.key()});
        }
    }
    for (const auto &[roomId, peerId] : std::as_const(gone))
        removeRemote(roomId, peerId, u"timeout"_s);
    for (auto it = rooms.begin(); it != rooms.end(); ++it) {
        const QJsonObject room = it.value().toObject();
        for (const QJsonValue &v : room.value(u"members"_s).toArray())
            addRemote(it.key(), fromNode, v.toObject(), room.value(u"kind"_s).toInt(-1));
    }
}

QJsonObject TenantPresence::localState() const
{
    QJsonObject out;
    if (!m_tenant)
        return out;
    for (const Room *room : m_tenant->rooms().rooms()) {
        QJsonArray members;
        for (const auto &m : room->members())
            members.append(room->describe(*m));
        if (!members.isEmpty())
            out.insert(room->id(),
                       QJsonObject{{u"kind"_s, int(room->kind())}, {u"members"_s, members}});
    }
    return out;
}

void TenantPresence::dropNode(const QString &node)
{
    QList<std::pair<QString, QString>> gone;
    for (auto room = m_rooms.cbegin(); room != m_rooms.cend(); ++room) {
        for (auto m = room->cbegin(); m != room->cend(); ++m) {
            if (m->node == node)
                gone.append({room.key(), m.key()});
        }
    }
    for (const auto &[roomId, peerId] : std::as_const(gone))
        removeRemote(roomId, peerId, u"timeout"_s);
}

void TenantPresence::deliver(const QString &roomId, const QString &peerId, const QByteArray &frame)
{
    Room *room = m_tenant ? m_tenant->rooms().find(roomId) : nullptr;
    Room::Member *m = room ? room->member(peerId) : nullptr;
    if (!m) {
        qCDebug(lcPresence) << "relayed frame for a peer that is not here" << peerId;
        return;
    }
    if (!room->deliver(*m, QString::fromUtf8(frame)))
        room->remove(peerId, "timeout"_L1); // a held member's queue overflowed
}

bool TenantPresence::kickRemote(const QString &peerId, const QString &message)
{
    for (const auto &room : std::as_const(m_rooms)) {
        const auto it = room.constFind(peerId);
        if (it == room.cend())
            continue;
        publish({{u"op"_s, u"kick"_s},
                 {u"target"_s, it->node},
                 {u"peerId"_s, peerId},
                 {u"message"_s, message}});
        return true;
    }
    return false;
}

void TenantPresence::kickLocal(const QString &peerId, const QString &message)
{
    if (!m_tenant)
        return;
    for (Room *room : m_tenant->rooms().rooms()) {
        Room::Member *m = room->member(peerId);
        if (!m)
            continue;
        qCInfo(lcPresence) << "kicking peer" << peerId << "for another node's admin";
        if (m->session)
            m->session->kick("admin"_L1, 4000, "kicked"_L1, message);
        else
            room->remove(peerId, "kicked"_L1);
        return;
    }
}

QList<RoomCluster::RemoteRoom> TenantPresence::remoteRooms() const
{
    QList<RemoteRoom> out;
    for (auto it = m_rooms.cbegin(); it != m_rooms.cend(); ++it) {
        const int kind = m_roomKinds.value(it.key(), int(Room::Kind::Conference));
        out.append({it.key(), Room::Kind(kind), int(it->size())});
    }
    return out;
}

QJsonArray TenantPresence::remotePeersWithNodes(const QString &roomId) const
{
    QJsonArray out;
    for (const Remote &r : m_rooms.value(roomId)) {
        QJsonObject peer = r.description;
        peer.insert(u"node"_s, r.node);
        out.append(peer);
    }
    return out;
}

void TenantPresence::relocate(const QString &roomId, const QJsonObject &description,
                              const QString &node)
{
    const QString peerId = description.value(u"peerId"_s).toString();
    if (!node.isEmpty()) {
        m_rooms[roomId].insert(peerId, Remote{node, description});
        return;
    }
    auto it = m_rooms.find(roomId);
    if (it != m_rooms.end() && it->remove(peerId) && it->isEmpty()) {
        m_rooms.erase(it);
        m_roomKinds.remove(roomId);
    }
}
