#pragma once

#include "signal/RemoteResume.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>

class ClusterNode;
class PeerSession;
class Tenant;
class TenantPresence;

// Resume on another node (docs/cluster.md "Resume on another node"): a `join` with a `resume`
// token this node does not know asks every other node by the token's SHA-256 on
// `sb.all.r.<tenant key>`; the node that holds the token hands the member over on
// `sb.node.<asker>.resume` (description, room kind, queued frames) and drops it without a
// `peer-left`; every other node answers no. The asker answers the join when the member arrives,
// when every node said no, or after askTimeoutMs (then `error invalid-token`, as for any unknown
// token). One per tenant; nothing of it exists on a single node.
class ClusterResume : public QObject, public RemoteResume {
    Q_OBJECT
public:
    static constexpr int askTimeoutMs = 2000;

    ClusterResume(ClusterNode &node, TenantPresence &presence, QObject *parent = nullptr);
    ~ClusterResume() override;

    // RemoteResume
    void ask(PeerSession &session, const QString &roomId, const QString &token) override;

    // From ClusterNode, on the loop thread: another node's question, and an answer to ours.
    void onAsk(const QString &fromNode, const QJsonObject &msg);
    void onAnswer(const QString &fromNode, const QJsonObject &msg);
    // A relayed frame (`sig` payload as received) for a member that this node handed over a
    // moment ago is sent on to its new node; false when the member did not move from here.
    bool forward(const QString &roomId, const QString &peerId, const QByteArray &payload);

private:
    struct Ask {
        QPointer<PeerSession> session;
        QString roomId;
        QSet<QString> waiting; // nodes that have not answered
    };
    struct Moved {
        QString node;
        QString roomId;
        qint64 untilMs = 0;
    };
    void finish(const QString &askId);
    void adopt(Ask ask, const QJsonObject &msg);
    // The member was handed over but nobody can take it: it leaves everywhere (`timeout`).
    void dropHandedOver(const QString &roomId, const QString &peerId);
    void nodeLost(const QString &node);

    ClusterNode &m_node;
    TenantPresence &m_presence;
    QPointer<Tenant> m_tenant;
    QHash<QString, Ask> m_asks; // ask id -> pending ask
    QHash<QString, Moved> m_moved; // peerId -> where this node handed it over to
};
