#pragma once

#include "signal/Room.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QList>
#include <QString>
#include <QStringView>

// What a tenant's rooms ask of cluster mode (DESIGN.md "Cluster mode"): the members other nodes
// hold, and telling the other nodes about this node's members. server/cluster/ implements it;
// on a single node there is none (nullptr) and rooms pay nothing.
class RoomCluster {
public:
    virtual ~RoomCluster() = default;

    // The room's members on other nodes, as `welcome.peers` entries.
    virtual QJsonArray remotePeers(const QString &roomId) const = 0;
    virtual int remoteCount(const QString &roomId) const = 0;
    // Sends an already spliced frame to a member held by another node; false when no node
    // holds `peerId` in the room.
    virtual bool relay(const QString &roomId, QStringView peerId, const QString &frame) = 0;
    // A member of this node joined, left or changed its name/identity.
    virtual void joined(const Room &room, const QJsonObject &description) = 0;
    virtual void left(const Room &room, const QString &peerId, QLatin1StringView reason) = 0;
    virtual void updated(const Room &room, const QJsonObject &description) = 0;
    // Kicks a member held by another node (admin `?kick`); false when no node holds it.
    virtual bool kickRemote(const QString &peerId, const QString &message) = 0;

    struct RemoteRoom {
        QString id;
        Room::Kind kind;
        int peers; // members on other nodes
    };
    // Rooms with members on other nodes (for the whole-cluster `?healthsummary`).
    virtual QList<RemoteRoom> remoteRooms() const = 0;
    // remotePeers() with the node holding each member added as `node` (for the admin socket).
    virtual QJsonArray remotePeersWithNodes(const QString &roomId) const
    {
        return remotePeers(roomId);
    }
};
