#pragma once

#include "telephony/Ring.h"
#include "telephony/RingCluster.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>

class ClusterNode;
class PeerChannel;
class Room;
class Tenant;

// One tenant's office-phone rings across nodes (DESIGN.md "Cluster mode"): the phones every
// other node holds, and the rings in flight. The node an `office-ring` was posted to is the
// ring's *origin*: it keeps the Ring (timeout, CDR, dedupe) and tells the others, which ring
// their matching phones and keep a light record of it. An `answer` elsewhere is a claim sent to
// the origin, which accepts the first. Every message is an event on the tenant's broadcast
// subject (`sb.all.t.<tenant key>`, op `ring` or `ring-*`; a `target` names the one node that
// acts), so that a node's phone and ring events arrive in the order it sent them.
class ClusterRings : public QObject, public RingCluster {
    Q_OBJECT
public:
    ClusterRings(ClusterNode &node, Tenant &tenant, const QByteArray &key,
                 QObject *parent = nullptr);
    ~ClusterRings() override;

    // True for the events of this class (op `ring` or `ring-*`).
    static bool handles(const QJsonObject &event);
    // From ClusterNode, on the loop thread.
    void onEvent(const QString &fromNode, const QJsonObject &event);
    // A node appeared: tells the cluster this node's phones and the rings it is the origin of.
    void announce();
    // The NATS link is back: events sent or missed meanwhile may be lost (NATS delivers at most
    // once, to subscribers connected at the time), so this node announces itself and asks every
    // other node to do the same (`ring-sync`).
    void resync();
    // The node is gone: its phones no longer count, its side of our rings is dropped, and the
    // rings it was the origin of stop ringing here.
    void dropNode(const QString &node);
    // The phones the other nodes hold (for tests and views).
    int remotePhones() const;

    // RingCluster
    int started(const Ring &ring, int localDelivered) override;
    void answered(const Ring &ring) override;
    void ended(const Ring &ring, QLatin1StringView clearReason) override;
    Remote remote(const QString &callId) const override;
    std::optional<int> knownRing(const QString &callId) const override;
    bool answer(PeerChannel &phone, const QString &callId) override;
    bool decline(PeerChannel &phone, const QString &callId) override;
    void clear(const QString &callId, const QString &reason) override;
    bool isCallRoom(const QString &roomId) const override;

private:
    // A ring another node is the origin of, as this node rings it.
    struct RemoteRing {
        QString origin;
        Ring::Call call;
        QString frame;
        int delivered = 0; // the origin's answer to office-ring
        bool answered = false;
        QHash<QString, QPointer<PeerChannel>> ringing; // peerId → this node's phone
        int declined = 0;
        qint64 startedMs = 0;
        QString bridgePeerId; // the bridge's peer in the call room here, once it joined
    };

    // The ring of another node if it is ringing on `phone` (whose peerId it sets), else nullptr.
    RemoteRing *ringingOn(PeerChannel &phone, const QString &callId, QString *peerId);
    void publish(QJsonObject event);
    QJsonObject ringEvent(const Ring &ring, int delivered) const;
    void onRing(const QString &fromNode, const QJsonObject &event);
    void onAnswered(const QString &fromNode, const QJsonObject &event);
    void onEnded(const QString &fromNode, const QJsonObject &event);
    void onStatus(const QString &fromNode, const QJsonObject &event);
    void onClaim(const QString &fromNode, const QJsonObject &event);
    void onBridgeLeft(const QJsonObject &event);
    // Watches a call room of another node's ring: an answered ring ends when the bridge leaves it.
    void watchRoom(Room *room);
    void peerJoinedCallRoom(Room &room, const QString &peerId);
    void peerLeftCallRoom(Room &room, const QString &peerId);
    void phoneRegistered(const QString &peerId, const QString &extension);
    void phoneGone(const QString &peerId);
    // Tells the origin how this node's side of the ring stands now.
    void reportStatus(const QString &callId, const RemoteRing &ring);
    // The ring stops here: phones still ringing get `ring-cleared <reason>` (none when empty).
    void forget(const QString &callId, QLatin1StringView reason, bool remember);
    void expire(const QString &callId, const QString &origin);
    void prune(qint64 nowMs);

    ClusterNode &m_node;
    QPointer<Tenant> m_tenant;
    QByteArray m_key;
    QHash<QString, QHash<QString, QString>> m_phones; // node → peerId → extension
    QHash<QString, QHash<QString, Remote>> m_status; // our rings: callId → node → its side
    QHash<QString, RemoteRing> m_remote; // callId → a ring of another node
    QHash<QString, qint64> m_ended; // remote rings that ended (callId → ms), for the dedupe
    QHash<QString, qint64> m_rooms; // their rooms: 0 in flight, else when the ring ended (ms)
    QSet<Room *> m_watchedRooms;
};
