#pragma once

#include <QString>

class PeerSession;

// Cluster mode (DESIGN.md "Liveness and resume", docs/cluster.md): a `resume` token this node does
// not know may be that of a member another node holds. server/cluster/ClusterResume asks the
// other nodes; on a single node there is none (nullptr) and an unknown token is refused at once.
class RemoteResume {
public:
    virtual ~RemoteResume() = default;
    // Asks the other nodes for the member of `token` in `roomId`. The answer comes later, on the
    // loop thread: PeerSession::adoptResumed() when a node handed the member over, else
    // PeerSession::refuseResume() (`error invalid-token`), after at most a bounded wait.
    virtual void ask(PeerSession &session, const QString &roomId, const QString &token) = 0;
};
