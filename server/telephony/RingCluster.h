#pragma once

#include "telephony/Ring.h"

#include <QLatin1StringView>
#include <QString>
#include <optional>

class PeerChannel;

// What a tenant's rings ask of cluster mode (DESIGN.md "Cluster mode"): the phones other nodes
// hold, telling them of this node's rings, and the rings another node holds (its *origin*).
// server/cluster/ implements it; on a single node there is none (nullptr) and rings pay nothing.
class RingCluster {
public:
    virtual ~RingCluster() = default;

    // The origin started `ring` (its local phones counted in `localDelivered`): the other nodes
    // ring their matching phones. Returns how many matching phones they hold (0 while NATS is
    // down).
    virtual int started(const Ring &ring, int localDelivered) = 0;
    // A phone of the origin answered first: the other nodes clear their phones.
    virtual void answered(const Ring &ring) = 0;
    // The origin ended `ring`; phones still ringing elsewhere get `ring-cleared <clearReason>`.
    virtual void ended(const Ring &ring, QLatin1StringView clearReason) = 0;

    struct Remote {
        int ringing = 0; // phones still ringing on other nodes
        int declined = 0; // phones that declined there
    };
    // The other nodes' side of a ring this node is the origin of.
    virtual Remote remote(const QString &callId) const = 0;

    // A ring another node is the origin of: its `delivered` while in flight, 0 when it ended in
    // the last 24 h, nullopt when no node told of it.
    virtual std::optional<int> knownRing(const QString &callId) const = 0;
    // `answer`/`decline` for a ring another node is the origin of; false when it is not ringing
    // on this phone (the caller answers `unknown-call`).
    virtual bool answer(PeerChannel &phone, const QString &callId) = 0;
    virtual bool decline(PeerChannel &phone, const QString &callId) = 0;
    // office-ring-clear for a ring this node is not the origin of: forwarded to the origin.
    virtual void clear(const QString &callId, const QString &reason) = 0;
    // A room minted or named for a ring of another node in the last 24 h.
    virtual bool isCallRoom(const QString &roomId) const = 0;
};
