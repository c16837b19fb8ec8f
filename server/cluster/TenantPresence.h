#pragma once

#include "signal/RoomCluster.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

class ClusterNode;
class Tenant;

// One tenant's rooms as the other nodes hold them: a directory of remote members per room,
// kept from the presence events every node broadcasts (join, leave, update) and from the full
// state a node sends to one it has just met. Local members learn of remote ones through their
// Room exactly as of local ones.
class TenantPresence : public QObject, public RoomCluster {
    Q_OBJECT
public:
    TenantPresence(ClusterNode &node, Tenant &tenant, const QByteArray &key,
                   QObject *parent = nullptr);

    const QByteArray &key() const { return m_key; }
    Tenant *tenant() const { return m_tenant; }

    // RoomCluster
    QJsonArray remotePeers(const QString &roomId) const override;
    int remoteCount(const QString &roomId) const override;
    bool relay(const QString &roomId, QStringView peerId, const QString &frame) override;
    void joined(const Room &room, const QJsonObject &description) override;
    void left(const Room &room, const QString &peerId, QLatin1StringView reason) override;
    void updated(const Room &room, const QJsonObject &description) override;
    bool kickRemote(const QString &peerId, const QString &message) override;
    QList<RemoteRoom> remoteRooms() const override;
    QJsonArray remotePeersWithNodes(const QString &roomId) const override;

    // From ClusterNode, on the loop thread.
    void onEvent(const QString &fromNode, const QJsonObject &event);
    // Replaces everything known of `fromNode` by `rooms` ({roomId: [description]}).
    void onState(const QString &fromNode, const QJsonObject &rooms);
    // This node's members, for a node that has just appeared.
    QJsonObject localState() const;
    // The node is gone: its members leave every room (`peer-left timeout`).
    void dropNode(const QString &node);
    // A relayed frame for a member of this node.
    void deliver(const QString &roomId, const QString &peerId, const QByteArray &frame);
    // Remote members per room (for the whole-cluster views).
    QHash<QString, int> remoteRoomSizes() const;
    // A resume moved a member between nodes (ClusterResume): the directory holds it as
    // `node`'s, or forgets it when `node` is empty (it is this node's now). Nobody is told.
    void relocate(const QString &roomId, const QJsonObject &description, const QString &node);

private:
    struct Remote {
        QString node;
        QJsonObject description;
    };
    void addRemote(const QString &roomId, const QString &node, const QJsonObject &description,
                   int kind);
    void kickLocal(const QString &peerId, const QString &message);
    void removeRemote(const QString &roomId, const QString &peerId, const QString &reason);
    void publish(const QJsonObject &event);

    ClusterNode &m_node;
    QPointer<Tenant> m_tenant;
    QByteArray m_key;
    QHash<QString, QHash<QString, Remote>> m_rooms; // roomId -> peerId -> remote member
    QHash<QString, int> m_roomKinds; // roomId -> Room::Kind, as the joining node had it
};
