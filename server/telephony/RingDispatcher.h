#pragma once

#include "signal/AddressWindow.h"
#include "telephony/Ring.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>

class Frame;
class PeerChannel;
class Room;
class RingCluster;
class Tenant;

// The office phones of one tenant and the rings in flight (DESIGN.md "Office phones and rings").
// A phone is a socket that sent a valid `register`; a ring is one `office-ring` webhook, fanned
// out to every matching phone, and it leaves exactly one CDR row when it ends.
class RingDispatcher : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 rememberEndedMs = 24 * 3600 * 1000;

    explicit RingDispatcher(Tenant &tenant, QObject *parent = nullptr);
    ~RingDispatcher() override;

    // office-ring: rings every matching phone; returns the number of phones the frame was written
    // to. A callId still in flight answers its first count again; one that ended within 24 h, 0.
    int ring(const Ring::Call &call);
    // office-ring-clear: `reason` is caller-hung-up, answered-elsewhere or cleared.
    void clear(const QString &callId, const QString &reason);

    // Cluster mode: rings reach the phones of other nodes through `cluster` (nullptr on a single
    // node).
    void setCluster(RingCluster *cluster) { m_cluster = cluster; }
    RingCluster *cluster() const { return m_cluster; }
    // From the cluster, at the origin: a phone of another node answered first. False when the
    // ring is no longer ringing (an earlier answer won, or it ended).
    bool answerFromNode(const QString &callId, const QString &peerId);
    // From the cluster, at the origin: the other nodes' side of the ring changed (a phone there
    // declined or went away, or their node died); ends it `declined` when every phone declined.
    void remoteChanged(const QString &callId);

    // Frames from a phone socket.
    void registerPhone(PeerChannel &session, const Frame &frame);
    void answer(PeerChannel &session, const Frame &frame);
    void decline(PeerChannel &session, const Frame &frame);

    // The peerId a registered phone was given (empty when the socket is not a phone).
    QString phonePeerId(const PeerChannel *session) const;
    // The socket of the registered phone with this peerId; nullptr when there is none.
    PeerChannel *phoneSession(const QString &peerId) const;
    // The phones a ring `to` an extension (or "*") rings.
    QList<PeerChannel *> matchingPhones(const QString &ringTo) const;
    static bool matches(const QString &ringTo, const QString &phoneExtension);
    // A room id minted or named for a ring in the last 24 h: it is joined as a call room.
    bool isCallRoom(const QString &roomId) const;
    int phoneCount() const { return int(m_phones.size()); }
    int ringsInFlight() const { return int(m_rings.size()); }
    // Shutdown (DESIGN.md "Limits"): every ring in flight ends `cleared` (an answered one
    // `answered`) with its CDR, and its phones get `ring-cleared cleared`.
    void endAll();
    // For the admin socket's snapshot and events.
    const Ring *findRing(const QString &callId) const { return m_rings.value(callId); }
    QList<const Ring *> activeRings() const { return {m_rings.cbegin(), m_rings.cend()}; }
    QList<QPair<QString, QString>> phones() const // (peerId, extension)
    {
        QList<QPair<QString, QString>> out;
        for (const Phone &p : m_phones)
            out.append({p.peerId, p.extension});
        return out;
    }

signals:
    void phoneRegistered(const QString &peerId, const QString &extension);
    void phoneUnregistered(const QString &peerId);
    void ringStarted(const QString &callId, int delivered);
    void ringAnswered(const QString &callId, const QString &peerId);
    void ringEnded(const QString &callId, const QString &result);
    void ringTimedOut(const QString &callId); // before its ringEnded (missed)

private:
    struct Phone {
        QString extension;
        QString peerId;
    };
    void phoneGone(PeerChannel *session);
    void onTimeout(Ring *ring);
    void watchRoom(Room *room);
    // Every phone it rang, on every node, declined: the bridge gets ring-declined.
    void endIfDeclined(Ring *ring);
    // Ends a ring: one CDR row, remembered for 24 h, then deleted. `clearReason` is what phones
    // still ringing on other nodes are told.
    void finish(Ring *ring, const QString &result, QLatin1StringView clearReason = {});
    void pruneEnded(qint64 nowMs);
    QString ringDedupeKind() const; // the store's replay kind of this tenant's ended rings

    Tenant &m_tenant;
    RingCluster *m_cluster = nullptr;
    QHash<PeerChannel *, Phone> m_phones;
    // Wrong office keys per client address, across its sockets (DESIGN.md "Limits").
    AddressWindow m_keyFailures{10, 60 * 1000};
    QHash<QString, Ring *> m_rings; // by callId
    QHash<QString, qint64> m_ended; // callId → when it ended (ms)
    QHash<QString, qint64> m_callRooms; // room id → when its ring ended (ms), 0 while in flight
    QSet<Room *> m_watchedRooms; // call rooms whose joins and leaves are watched
};
