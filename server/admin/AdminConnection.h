#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

class QTcpSocket;
class QWebSocket;
class Tenant;

// One console on the admin socket: the hello/auth handshake, then a stream of events it must
// keep up with. The AdminSocket decides what to send; this class owns the socket and its bounds.
class AdminConnection : public QObject {
    Q_OBJECT
public:
    enum class State { AwaitingAuth, Ready, Closed };

    // `tcp` is the connection under the WebSocket: its unsent bytes are the bound we watch
    // (QWebSocket 6.4 neither exposes them nor emits bytesWritten for server-side sockets).
    AdminConnection(QWebSocket *socket, QTcpSocket *tcp, qint64 maxPendingBytes,
                    QObject *parent = nullptr);
    ~AdminConnection() override;

    State state() const { return m_state; }
    const QString &nonce() const { return m_nonce; }
    Tenant *tenant() const { return m_tenant; }
    const QString &actor() const { return m_actor; }
    qint64 pendingBytes() const;

    // Sends a text frame unless closed; a console whose unsent bytes pass the bound is dropped
    // (close 4003) so that it never holds memory or time of the server.
    void send(const QString &frame);
    // As send(), for the one large snapshot: the bound grows by its size, so that a big tenant's
    // snapshot written in one go does not count as a console that does not read.
    void sendSnapshot(const QString &frame);
    void markReady(Tenant *tenant, const QString &actor);
    void closeWith(quint16 code, const QString &reason = {});
    // Called once a second: keepalive ping, the auth deadline, the silence timeout.
    void tick(qint64 nowMs, int keepaliveSec, int authTimeoutSec);

signals:
    void messageReceived(const QString &text);
    void finished();

private:
    void onDisconnected();

    QWebSocket *m_socket;
    QPointer<QTcpSocket> m_tcp;
    QString m_nonce;
    QPointer<Tenant> m_tenant;
    QString m_actor;
    State m_state = State::AwaitingAuth;
    qint64 m_maxPending;
    qint64 m_allowance = 0;
    qint64 m_createdMs;
    qint64 m_lastSeenMs;
    qint64 m_lastPingMs = 0;
    bool m_finished = false;
};
