#pragma once

#include "http/FrontDoor.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/TokenBucket.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QWebSocket>
#include <initializer_list>
#include <optional>

class Frame;
struct OidcIdentity;
class Tenant;

// One signaling WebSocket: parses each frame once, relays `signal` as raw bytes with `from`
// spliced in, and keeps the socket's membership of at most one room.
class PeerSession final : public PeerChannel {
    Q_OBJECT
public:
    PeerSession(QWebSocket *socket, Tenant *tenant, const UpgradeInfo &info,
                const ServerConfig &config, QObject *parent = nullptr);
    ~PeerSession() override;

    void sendText(const QString &frame) override;
    // Sends `{"type":"signal","from":<from>,"data":<rawData>}` (the relay) without building it
    // as a QString first.
    void sendSignal(QStringView from, QStringView rawData) override;
    void sendError(QLatin1StringView code, QStringView ref = {}) override;
    // Sends `kicked {reason}` then closes with `closeCode`; the membership ends as `leftReason`
    // (empty: the peer is held for resume, as for a lost socket).
    // `message`, when given, is sent as `kicked.message` (an admin's reason).
    void kick(QLatin1StringView reason, quint16 closeCode, QLatin1StringView leftReason,
              const QString &message = {}) override;
    // Closes with a code; `final` ends the membership at once, otherwise the peer is held.
    void closeWith(quint16 code, bool final,
                   QLatin1StringView leftReason = QLatin1StringView("closed")) override;

    // Cluster mode (RemoteResume): this socket's `join` with `resume` named a member another node
    // held, and that node handed it over: it joins `room` as `member` (the same peerId), gets
    // `welcome` with `resumed: true`, then the frames that were queued for it there.
    void adoptResumed(Room &room, std::unique_ptr<Room::Member> member,
                      const QList<QString> &queued);
    // No node knew the token (or none answered in time): `error invalid-token`.
    void refuseResume();
    // True while this socket waits for the other nodes' answer and can still take a member.
    bool awaitsResume() const;

    // Called by the Application's sweep: keepalive pings, the timeouts.
    void tick(qint64 nowMs);

    Tenant *tenant() const { return m_tenant; }
    const QString &peerId() const override { return m_peerId; }
    Room *room() const override { return m_room; }
    const QHostAddress &clientAddress() const override { return m_client; }
    const QString &host() const override { return m_host; }

private:
    void onText(const QString &text);
    void onDisconnected();
    void handleJoin(const Frame &frame);
    void handleResume(const Frame &frame, const QString &token);
    void handleSignal(const Frame &frame);
    void handleLeave();
    void handleIdentify(const Frame &frame);
    std::optional<OidcIdentity> verifyIdToken(const QString &token);
    void sendWelcome(Room::Member &me, bool resumed);
    Room::Member *member() const;
    void endMembership(QLatin1StringView reason);
    void holdMembership();
    // Detaches this socket from its member without ending it (a resume took it over).
    void detachMember();
    // False when nothing may be sent (closing, or the write buffer is over its bound).
    bool canSend();
    // Writes one text frame made of `parts`, encoded once to UTF-8 (see sendText).
    void writeTextFrame(std::initializer_list<QStringView> parts);
    // Token buckets (DESIGN.md "Limits"): false when the frame must be dropped. admitAny runs
    // before a frame is parsed, admit after, for the frame classes with their own bucket.
    bool admitAny(qint64 nowMs);
    bool admit(const Frame &frame, qint64 nowMs);
    bool admitted(qint64 nowMs);
    void refuse(qint64 nowMs, QStringView ref); // one error a second, then 4008

    QWebSocket *m_socket;
    QPointer<Tenant> m_tenant;
    const ServerConfig &m_config;
    QHostAddress m_client;
    QString m_host;
    QPointer<QTcpSocket> m_tcp;
    QPointer<Room> m_room;
    QString m_peerId;
    qint64 m_createdMs;
    qint64 m_lastSeenMs;
    qint64 m_lastPingMs;
    qint64 m_overLimitSinceMs = 0; // 0: not over the limit
    qint64 m_lastRejectMs = 0;
    qint64 m_lastRateErrorMs = 0;
    TokenBucket m_signalBucket;
    TokenBucket m_joinBucket;
    QLatin1StringView m_endReason; // set when we close and already know how the membership ends
    bool m_holdOnClose = false;
    bool m_closingByUs = false;
    bool m_peerClosed = false;
    bool m_gotFrame = false;
    bool m_resumePending = false; // cluster mode: a resume waits for the other nodes
    bool m_finished = false;
};
