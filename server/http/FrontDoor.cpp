#include "http/FrontDoor.h"

#include "http/ApiError.h"
#include "http/HttpConnection.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QUrl>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcHttp, "switchboard.http", QtInfoMsg)
}

FrontDoor::FrontDoor(const ServerConfig &config, HttpApi &api, OriginList origins, QObject *parent)
    : QTcpServer(parent), m_config(config), m_api(api), m_origins(std::move(origins)),
      m_ws(u"switchboard"_s, QWebSocketServer::NonSecureMode)
{
    m_ws.setMaxPendingConnections(1 << 20);
    m_ws.setHandshakeTimeout(std::chrono::milliseconds(10000));
    connect(&m_ws, &QWebSocketServer::newConnection, this, &FrontDoor::onWebSocketPending);
}

FrontDoor::~FrontDoor() = default;

bool FrontDoor::isTrustedProxy(const QHostAddress &address) const
{
    for (const Cidr &c : m_config.trustedProxies) {
        if (c.contains(address))
            return true;
    }
    return false;
}

QHostAddress FrontDoor::effectiveClient(const QHostAddress &peer,
                                        const QList<QByteArray> &forwardedFor) const
{
    if (forwardedFor.isEmpty() || !isTrustedProxy(peer))
        return peer;
    // Each proxy appends the address it saw: walk from the right over the trusted hops. An entry
    // that is not an address ends the walk at the last hop that could be trusted.
    QList<QByteArray> entries;
    for (const QByteArray &line : forwardedFor)
        entries += line.split(',');
    QHostAddress client = peer;
    for (auto it = entries.crbegin(); it != entries.crend(); ++it) {
        QHostAddress a;
        if (!a.setAddress(QString::fromLatin1(it->trimmed())))
            return client;
        client = a;
        if (!isTrustedProxy(a))
            return a;
    }
    return client; // every hop was a trusted proxy: the leftmost one is the client
}

bool FrontDoor::claimSlot(const QHostAddress &client, QObject *owner)
{
    int &count = m_perIp[client];
    ++count;
    // The ticket releases the slot when it dies: first with the TCP socket, after an upgrade
    // with the QWebSocket (see onWebSocketPending), and while a peer is held, with its member.
    auto *ticket = new QObject(owner);
    ticket->setObjectName(u"sb-connection-ticket"_s);
    connect(ticket, &QObject::destroyed, this, [this, client] {
        auto it = m_perIp.find(client);
        if (it != m_perIp.end() && --it.value() <= 0)
            m_perIp.erase(it);
    });
    return count <= m_config.limits.maxConnectionsPerIp;
}

QObject *FrontDoor::connectionTicket(QObject *owner)
{
    return owner->findChild<QObject *>(u"sb-connection-ticket"_s, Qt::FindDirectChildrenOnly);
}

bool FrontDoor::originAllowed(const QByteArray &origin, const QByteArray &hostHeader,
                              const QString &host) const
{
    const QString o = QString::fromLatin1(origin).trimmed();
    if (o.isEmpty())
        return true; // bridges and tools send no Origin
    if (o == u"null"_s)
        return false;
    for (const QString &allowed : m_origins(host)) {
        if (allowed.compare(o, Qt::CaseInsensitive) == 0)
            return true;
    }
    const QUrl url(o, QUrl::StrictMode);
    const bool tls = m_config.tls.has_value();
    const QString scheme = tls ? u"https"_s : u"http"_s;
    const int defPort = tls ? 443 : 80;
    if (!url.isValid() || url.scheme().toLower() != scheme || !url.path().isEmpty())
        return false;
    // Effective port of the Host header (default for the scheme when absent).
    const QUrl hostUrl(scheme + u"://"_s + QString::fromLatin1(hostHeader).trimmed());
    if (!hostUrl.isValid() || hostUrl.host().isEmpty())
        return false;
    return url.host().compare(hostUrl.host(), Qt::CaseInsensitive) == 0
        && url.port(defPort) == hostUrl.port(defPort);
}

void FrontDoor::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket;
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // Signaling frames are small and latency-bound: without TCP_NODELAY a frame written while an
    // earlier one is unacknowledged waits for the peer's delayed ACK (40 ms on Linux).
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QHostAddress peer = socket->peerAddress();
    // A trusted proxy carries many clients: its connections count for the client address that
    // its X-Forwarded-For names, once the head is read (HttpConnection).
    if (!isTrustedProxy(peer) && !claimSlot(peer, socket)) {
        qCInfo(lcHttp) << "connection limit per address reached";
        tooManyConnections(socket);
        return;
    }
    new HttpConnection(socket, *this);
}

void FrontDoor::tooManyConnections(QTcpSocket *socket)
{
    socket->write(
        ApiError{ApiErrorKind::TooManyRequests, u"Too many connections from this address."_s}
            .toResponse()
            .serialize(false, false));
    socket->disconnectFromHost();
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(2000, socket, &QObject::deleteLater);
}

void FrontDoor::handOver(QTcpSocket *socket, const UpgradeInfo &upgrade)
{
    UpgradeInfo info = upgrade;
    info.tcp = socket;
    const auto key = qMakePair(socket->peerAddress(), socket->peerPort());
    m_upgrading.insert(key, Upgrading{info, connectionTicket(socket)});
    connect(socket, &QObject::destroyed, this, [this, key] { m_upgrading.remove(key); });
    m_ws.handleConnection(socket);
}

void FrontDoor::onWebSocketPending()
{
    while (QWebSocket *ws = m_ws.nextPendingConnection()) {
        const auto key = qMakePair(ws->peerAddress(), ws->peerPort());
        const auto it = m_upgrading.constFind(key);
        if (it == m_upgrading.cend()) {
            ws->abort();
            ws->deleteLater();
            continue;
        }
        const UpgradeInfo info = it->info;
        if (it->ticket)
            it->ticket->setParent(ws);
        m_upgrading.erase(it);
        ws->setMaxAllowedIncomingFrameSize(quint64(m_config.limits.maxFrameBytes));
        ws->setMaxAllowedIncomingMessageSize(quint64(m_config.limits.maxFrameBytes));
        emit webSocketAccepted(ws, info);
    }
}
