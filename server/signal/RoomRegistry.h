#pragma once

#include "signal/Room.h"

#include <QHash>
#include <QObject>

// The rooms of one tenant. Rooms are created on first join and deleted (deleteLater) when
// their last member leaves.
class RoomRegistry : public QObject {
    Q_OBJECT
public:
    RoomRegistry(int maxRooms, int maxPeersPerRoom, QObject *parent = nullptr);

    void setLimits(int maxRooms, int maxPeersPerRoom);
    // Cluster mode: every room, present and future, sees the other nodes through `cluster`.
    void setCluster(RoomCluster *cluster);
    RoomCluster *cluster() const { return m_cluster; }
    Room *find(const QString &id) const { return m_rooms.value(id); }
    // True when a join to `id` must be refused room-full (counting other nodes' members).
    bool isFull(const QString &id) const;
    // The room, created when new; nullptr when the tenant is at maxRooms.
    Room *findOrCreate(const QString &id, Room::Kind kind);
    int count() const { return int(m_rooms.size()); }
    int peerCount() const;
    // Members whose socket was lost and that wait, for the resume grace, to be resumed.
    int heldPeerCount() const;
    QList<Room *> rooms() const { return m_rooms.values(); }
    // A new room id: `room-<22 base64url>`, or `<prefix>-<22 base64url>`.
    static QString mintId(const QString &prefix = QStringLiteral("room"));

signals:
    void roomCreated(Room *room);
    void roomRemoved(const QString &id);

private:
    QHash<QString, Room *> m_rooms;
    int m_maxRooms;
    int m_maxPeersPerRoom;
    RoomCluster *m_cluster = nullptr;
};
