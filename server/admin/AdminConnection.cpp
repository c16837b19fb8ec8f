#include "admin/AdminConnection.h"

#include "AdminProtocol.h"
#include "signal/Tenant.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcAdminConn, "switchboard.admin", QtInfoMsg)
}

AdminConnection::AdminConnection(QWebSocket *socket, QTcpSocket *tcp, qint64 maxPendingBytes,
                                 QObject *parent)
    : QObject(parent), m_socket(socket), m_tcp(tcp), m_nonce(AdminProtocol::newNonce()),
      m_maxPending(maxPendingBytes), m_createdMs(QDateTime::currentMSecsSinceEpoch()),
      m_lastSeenMs(m_createdMs)
{
    m_socket->setParent(this);
    m_socket->setMaxAllowedIncomingFrameSize(AdminProtocol::maxMessageBytes);
    m_socket->setMaxAllowedIncomingMessageSize(AdminProtocol::maxMessageBytes);
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        m_lastSeenMs = QDateTime::currentMSecsSinceEpoch();
        if (m_state != State::Closed)
            emit messageReceived(text);
    });
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &) {
        send(AdminProtocol::makeError(AdminProtocol::errBadMessage));
    });
    connect(m_socket, &QWebSocket::pong, this,
            [this] { m_lastSeenMs = QDateTime::currentMSecsSinceEpoch(); });
    connect(m_socket, &QWebSocket::disconnected, this, &AdminConnection::onDisconnected);

    send(AdminProtocol::make(AdminProtocol::hello,
                             {{u"version"_s, AdminProtocol::version},
                              {u"server"_s, u"switchboard " SWITCHBOARD_VERSION ""_s},
                              {u"nonce"_s, m_nonce}}));
}

AdminConnection::~AdminConnection() = default;

void AdminConnection::send(const QString &frame)
{
    if (m_state == State::Closed)
        return;
    m_socket->sendTextMessage(frame);
    const qint64 pending = pendingBytes();
    if (pending <= m_maxPending)
        m_allowance = 0; // the snapshot has gone out
    if (pending > m_maxPending + m_allowance) {
        qCInfo(lcAdminConn) << "console does not read; dropping it with" << pending
                            << "bytes unsent";
        m_state = State::Closed;
        // It does not read, so a close handshake would wait on it too: drop the connection.
        m_socket->abort();
        onDisconnected();
    }
}

void AdminConnection::sendSnapshot(const QString &frame)
{
    m_allowance = frame.size() * 3; // UTF-16 length; UTF-8 is at most three bytes each
    send(frame);
}

qint64 AdminConnection::pendingBytes() const
{
    return m_tcp ? m_tcp->bytesToWrite() : 0;
}

void AdminConnection::markReady(Tenant *tenant, const QString &actor)
{
    m_tenant = tenant;
    m_actor = actor;
    m_state = State::Ready;
}

void AdminConnection::closeWith(quint16 code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
    // A peer that never answers the close frame is dropped by the next tick.
}

void AdminConnection::tick(qint64 nowMs, int keepaliveSec, int authTimeoutSec)
{
    if (m_finished)
        return;
    if (m_state == State::Closed) {
        if (nowMs - m_lastSeenMs > 5000) {
            m_socket->abort();
            onDisconnected();
        }
        return;
    }
    if (m_state == State::AwaitingAuth && nowMs - m_createdMs > qint64(authTimeoutSec) * 1000) {
        send(AdminProtocol::makeError(AdminProtocol::errUnauthorized));
        closeWith(AdminProtocol::closeAuthFailed);
        m_lastSeenMs = nowMs;
        return;
    }
    const qint64 keepaliveMs = qint64(keepaliveSec) * 1000;
    if (nowMs - m_lastSeenMs > 2 * keepaliveMs) {
        qCInfo(lcAdminConn) << "console silent; closing";
        closeWith(4002);
        m_lastSeenMs = nowMs;
        return;
    }
    if (nowMs - m_lastPingMs >= keepaliveMs) {
        m_lastPingMs = nowMs;
        m_socket->ping();
    }
}

void AdminConnection::onDisconnected()
{
    if (m_finished)
        return;
    m_finished = true;
    m_state = State::Closed;
    emit finished();
}
