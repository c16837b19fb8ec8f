#pragma once

#include "signal/AddressWindow.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <optional>

class Dial;
class Frame;
class PeerChannel;
class Tenant;

// Dials of one tenant (DESIGN.md "Dials"): who may dial what, the per-peer rate, the dial log,
// the dial-request to the bridge, its dial-status relayed to the room, hangups, and one CDR row
// per dial when it ends.
class Dialer : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 rateWindowMs = 60 * 1000;
    // The dial log keeps at most this much of a refused number (DESIGN.md "Limits").
    static constexpr qsizetype maxLoggedNumber = 32;

    explicit Dialer(Tenant &tenant, QObject *parent = nullptr);

    // `dial {number, trunk?}` (or the `dial` of a join) from a socket in a room; errors carry
    // ref "dial".
    void dial(PeerChannel &session, const QString &number, const std::optional<QString> &trunk);
    void hangup(PeerChannel &session, const Frame &frame);
    // For `join {room: "random", dial}`: `vnum-<number>-<22 base64url>` when the number is a
    // virtual number this peer may dial, else nullopt (the room is then minted as `room-…`).
    std::optional<QString> vnumRoomFor(const QString &number, bool verified) const;
    int dialsInFlight() const { return int(m_dials.size()); }
    // Shutdown (DESIGN.md "Limits"): the bridge gets `hangup`, the room `dial-status ended`, and
    // each dial in flight leaves its CDR (`answered` or `cleared`).
    void endAll();

signals:
    void dialStarted(const QString &callId, const QString &roomId, const QString &number);
    void dialStatusRelayed(const QString &callId, const QString &state, const QString &reason);
    void dialEnded(const QString &callId, const QString &result);

private:
    enum class Right { Allowed, Forbidden, Unknown };
    Right rightFor(const QString &number, bool verified, bool *virtualNumber) const;
    bool takeRate(PeerChannel &session);
    void log(const QString &callId, const QString &roomId, const QString &peerId,
             const QString &number, const QString &outcome);
    void onStatus(const QString &callId, const QString &state, const QString &reason);
    void onBridgeConnected(bool connected);
    void watchRoom(Dial *dial);
    void relay(Dial *dial, const QString &state, const QString &reason);
    void finish(Dial *dial, const QString &result);

    Tenant &m_tenant;
    QHash<QString, Dial *> m_dials; // by callId
    QHash<PeerChannel *, QList<qint64>> m_recent; // dial times in the rate window
    AddressWindow m_perAddress; // dials past the rights check, per client address
};
