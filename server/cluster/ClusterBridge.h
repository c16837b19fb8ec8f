#pragma once

#include "telephony/BridgeCluster.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <optional>

class ClusterNode;
class Tenant;

// One tenant's bridge session across nodes (DESIGN.md "Cluster mode"): the node that holds it
// announces it (`bridge` events on the tenant's subject and in the full state), the others
// forward their frames for the bridge to that node, and it sends the dial-status of their dials
// back to them. A newer session on any node replaces the older one cluster-wide.
//
// `sb.node.<node>.bridge` carries `<tenant key> <op> <from node>\n<body>`: `frame` (bytes for
// the bridge session), `status` (`{callId, state, reason?}` for a dial of the receiving node) and
// `gone` (the receiver asked a node that no longer holds the session).
class ClusterBridge : public QObject, public BridgeCluster {
    Q_OBJECT
public:
    // Dials of other nodes whose status this node routes back, at most (oldest dropped first).
    static constexpr int maxRoutedCalls = 10000;

    ClusterBridge(ClusterNode &node, Tenant &tenant, const QByteArray &key,
                  QObject *parent = nullptr);

    // BridgeCluster
    bool remoteConnected() const override { return !m_remote.isEmpty(); }
    bool forward(const QString &frame) override;
    void localUp() override;
    void localGone() override;
    bool routeStatus(const QString &callId, const QString &state, const QString &reason) override;

    // From ClusterNode, on the loop thread. A tenant event; false when it is not a `bridge` one.
    bool onEvent(const QString &fromNode, const QJsonObject &event);
    // A message on `sb.node.<this node>.bridge`.
    void onMessage(const QByteArray &data);
    // `{since}` while this node holds the session, else empty (for the full state).
    QJsonObject localState() const;
    // What the full state of `fromNode` says of its session.
    void onState(const QString &fromNode, const QJsonObject &state);
    int routedCalls() const { return int(m_routes.size()); }
    // The node whose session is the newest of the other nodes'; empty when none has one.
    QString holder() const;

private:
    void setRemote(const QString &node, std::optional<qint64> since);
    void nodeLost(const QString &node);
    void route(const QString &callId, const QString &node);
    void sendTo(const QString &node, QByteArrayView op, const QByteArray &body);

    struct Route {
        QString node;
        qint64 atMs = 0;
    };

    ClusterNode &m_node;
    QPointer<Tenant> m_tenant;
    QByteArray m_key;
    qint64 m_localSince = 0; // when this node's session came up; 0: none
    QHash<QString, qint64> m_remote; // node -> when its session came up
    QHash<QString, Route> m_routes; // callId -> the node that placed the dial
};
