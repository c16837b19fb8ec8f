#pragma once

#include "cluster/NatsLink.h"
#include "config/ServerConfig.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

class ClusterAdmin;
class ClusterBridge;
class ClusterResume;
class ClusterRings;
class Tenant;
class TenantPresence;

// This node's place in a cluster (DESIGN.md "Cluster mode"): the NATS link, node heartbeats
// and the presence of each tenant's rooms across nodes. Exists only with the `cluster` key.
//
// Subjects: `sb.all.hb` (heartbeats), `sb.all.t.<tenant key>` (room presence events), both on
// one subscription so that they arrive in the order a node sent them; `sb.node.<node>.sig`
// (relayed frames), `sb.node.<node>.bridge` (the bridge session's traffic, ClusterBridge) and
// `sb.node.<node>.state` (a node's full state, sent to one that appeared);
// `sb.all.r.<tenant key>` / `sb.node.<node>.resume`: resume on another node (ClusterResume).
// `sb.all.admin.<tenant key>` / `sb.node.<node>.admin-sync(-req)`: admin edits (ClusterAdmin).
class ClusterNode : public QObject {
    Q_OBJECT
public:
    ClusterNode(const ClusterConfig &config, int keepaliveSec, QObject *parent = nullptr);
    ~ClusterNode() override;

    bool start(QString *error = nullptr);
    void addTenant(Tenant &tenant);
    const QString &node() const { return m_config.node; }
    bool isConnected() const { return m_link.isConnected(); }
    // Nodes heard from within the liveness window, this one excluded.
    QStringList liveNodes() const { return m_nodes.keys(); }
    TenantPresence *presence(const Tenant &tenant) const;

    // For TenantPresence.
    void publishEvent(const QByteArray &tenantKey, QJsonObject event);
    bool sendToNode(const QString &node, const QByteArray &kind, const QByteArray &payload);
    // For ClusterResume: `msg` with this node's name and incarnation, published to `subject`.
    void publishFrom(const QByteArray &subject, QJsonObject msg);
    void setAdmin(ClusterAdmin *admin) { m_admin = admin; } // its subjects go to it first
    ClusterAdmin *admin() const { return m_admin; }
    // The subject-safe key of a tenant: its canonical host, hashed.
    static QByteArray tenantKey(const QString &host);

signals:
    void nodeLost(const QString &node);

private:
    void onMessage(const QByteArray &subject, const QByteArray &data);
    void onConnectedChanged(bool connected);
    void heartbeat();
    void sweep();
    // Notes a message from `node`; a node not known yet (or restarted) is sent our state.
    void noteNode(const QString &node, const QString &incarnation);
    void dropNode(const QString &node);

    struct NodeState {
        QString incarnation;
        qint64 lastSeenMs = 0;
    };

    ClusterConfig m_config;
    QString m_incarnation; // random per process: a restarted node is a new one
    int m_deadAfterMs;
    NatsLink m_link;
    QTimer m_beat;
    QTimer m_sweep;
    QHash<QString, NodeState> m_nodes;
    QHash<QByteArray, TenantPresence *> m_tenants;
    ClusterAdmin *m_admin = nullptr;
    QHash<QByteArray, ClusterBridge *> m_bridges; // by tenant key, as m_tenants
    QHash<QByteArray, ClusterResume *> m_resumes; // tenant key -> resume on another node
    QHash<QByteArray, ClusterRings *> m_rings; // office-phone rings, per tenant key
};
