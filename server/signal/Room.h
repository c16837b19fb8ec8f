#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QList>
#include <QObject>
#include <QString>
#include <memory>
#include <vector>

class PeerChannel;
class RoomCluster;

// One room of a tenant. Members are kept in join order; a member whose socket was lost is
// *held* (session == nullptr) for the resume grace, and frames to it are queued.
class Room : public QObject {
    Q_OBJECT
public:
    enum class Kind { Conference, Call, VirtualNumber };

    struct Member {
        QString peerId;
        QString name;
        QLatin1StringView kind; // "browser", "bridge" or "camera"
        QJsonObject verifiedIdentity; // empty: not verified
        PeerChannel *session = nullptr; // nullptr while held
        QList<QString> queue; // frames for a held member
        qint64 queueBytes = 0;
        quint32 holdGeneration = 0;
        // While held: the lost socket's slot in maxConnectionsPerIp (DESIGN.md "Limits").
        std::unique_ptr<QObject> connectionTicket;
    };

    static constexpr int maxQueuedFrames = 64;
    static constexpr qint64 maxQueuedBytes = 256 * 1024;

    Room(const QString &id, Kind kind, int maxPeers, QObject *parent = nullptr);

    const QString &id() const { return m_id; }
    Kind kind() const { return m_kind; }
    // What the public health summary shows: a label that cannot be joined.
    QString publicLabel() const { return publicLabelFor(m_id, m_kind); }
    static QString publicLabelFor(const QString &id, Kind kind);
    // Members on this node (held ones included).
    int size() const { return int(m_members.size()); }
    // maxPeersPerRoom holds for the room as a whole: members on other nodes count too.
    bool isFull() const;
    // Cluster mode: the other nodes' side of this room (nullptr on a single node).
    void setCluster(RoomCluster *cluster) { m_cluster = cluster; }
    RoomCluster *cluster() const { return m_cluster; }
    Member *member(QStringView peerId);
    const std::vector<std::unique_ptr<Member>> &members() const { return m_members; }

    Member &add(std::unique_ptr<Member> member);
    // Removes the member and tells the others `peer-left {reason}`.
    void remove(QStringView peerId, QLatin1StringView reason);
    // Cluster mode: takes the member out without telling the room or the other nodes (a resume
    // moved it to another node); peerLeft says `moved`. nullptr when it is not here.
    std::unique_ptr<Member> take(QStringView peerId);
    // Sends to every member but `except` (held ones queue).
    void broadcast(const QString &frame, QStringView except = {});
    // Sends to one member, queueing while it is held; false when its queue overflowed.
    bool deliver(Member &member, const QString &frame);
    QJsonObject describe(const Member &member) const; // {peerId, name, kind, verifiedIdentity?}
    // `welcome.peers` for `me`: every other member, on this node and on the others.
    QJsonArray peersFor(const Member &me) const;
    // Sends `peer-updated` for the member to everyone (itself included) on every node.
    void announceUpdate(const Member &member);
    // Relays an already spliced frame to a member on another node; false when none holds it.
    bool relayRemote(QStringView peerId, const QString &frame);

signals:
    void peerJoined(const QString &peerId);
    void peerLeft(const QString &peerId, const QString &reason);
    void emptied();

private:
    QString m_id;
    Kind m_kind;
    int m_maxPeers;
    RoomCluster *m_cluster = nullptr;
    std::vector<std::unique_ptr<Member>> m_members;
};
