#include "signal/RoomRegistry.h"

#include "Crypto.h"
#include "signal/RoomCluster.h"

RoomRegistry::RoomRegistry(int maxRooms, int maxPeersPerRoom, QObject *parent)
    : QObject(parent), m_maxRooms(maxRooms), m_maxPeersPerRoom(maxPeersPerRoom)
{
}

void RoomRegistry::setLimits(int maxRooms, int maxPeersPerRoom)
{
    m_maxRooms = maxRooms;
    m_maxPeersPerRoom = maxPeersPerRoom;
}

QString RoomRegistry::mintId(const QString &prefix)
{
    return prefix + u'-' + Crypto::randomId();
}

int RoomRegistry::peerCount() const
{
    int n = 0;
    for (const Room *r : m_rooms)
        n += r->size();
    return n;
}

int RoomRegistry::heldPeerCount() const
{
    int n = 0;
    for (const Room *r : m_rooms) {
        for (const auto &m : r->members())
            n += m->session ? 0 : 1;
    }
    return n;
}

bool RoomRegistry::isFull(const QString &id) const
{
    if (const Room *r = m_rooms.value(id))
        return r->isFull();
    return m_cluster && m_cluster->remoteCount(id) >= m_maxPeersPerRoom;
}

void RoomRegistry::setCluster(RoomCluster *cluster)
{
    m_cluster = cluster;
    for (Room *r : std::as_const(m_rooms))
        r->setCluster(cluster);
}

Room *RoomRegistry::findOrCreate(const QString &id, Room::Kind kind)
{
    if (Room *r = m_rooms.value(id))
        return r;
    if (m_rooms.size() >= m_maxRooms)
        return nullptr;
    auto *room = new Room(id, kind, m_maxPeersPerRoom, this);
    room->setCluster(m_cluster);
    m_rooms.insert(id, room);
    connect(room, &Room::emptied, this, [this, room] {
        if (m_rooms.value(room->id()) != room)
            return;
        m_rooms.remove(room->id());
        emit roomRemoved(room->id());
        room->deleteLater();
    });
    emit roomCreated(room);
    return room;
}
