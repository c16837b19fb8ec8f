#pragma once

#include <QString>

// What a tenant's BridgeLink asks of cluster mode (DESIGN.md "Cluster mode": the bridge session
// lives on one node and dials from any node reach it). server/cluster/ implements it; on a single
// node there is none (nullptr) and the bridge link pays nothing.
class BridgeCluster {
public:
    virtual ~BridgeCluster() = default;

    // A live node other than this one holds the tenant's bridge session.
    virtual bool remoteConnected() const = 0;
    // Hands a frame for the bridge session to the node that holds it; false when none does.
    virtual bool forward(const QString &frame) = 0;
    // This node's bridge session came up (the other nodes learn of it, and an older session on
    // another node is replaced) or ended.
    virtual void localUp() = 0;
    virtual void localGone() = 0;
    // A dial-status from this node's bridge session: true when it belongs to a dial placed on
    // another node and was sent there.
    virtual bool routeStatus(const QString &callId, const QString &state, const QString &reason)
        = 0;
};
