#pragma once

#include "config/ServerConfig.h"

#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QSslServer>
#include <QWebSocketServer>
#include <functional>

class HttpApi;
class QTcpSocket;
class QWebSocket;

// What the front door learnt from an upgrade request, handed on with the accepted socket.
struct UpgradeInfo {
    QString host; // normalised Host
    QHostAddress client; // after trustedProxies
    bool tls = false;
    // The TCP socket under the WebSocket: Qt 6.4's server-side QWebSocket neither exposes its
    // unsent bytes nor emits bytesWritten, so the write-buffer bound reads them here.
    QPointer<QTcpSocket> tcp = {};
};

// The one port: reads each request head itself (QT64-NOTES.md: QHttpServer 6.4 has no head or
// body limits, no 405, no idle timeout, and stalls on Expect: 100-continue), enforces the limits,
// answers HTTP through HttpApi and hands WebSocket upgrades to QWebSocketServer. With `tls` it is
// a QSslServer (its configuration and handshake timeout): the per-address limit is taken before
// the handshake, the handshake has its own timeout, and HTTP and WebSocket then run over the
// encrypted socket unchanged.
class FrontDoor : public QSslServer {
    Q_OBJECT
public:
    // Returns the tenant's allowedOrigins for a normalised host (empty when none or no tenant).
    using OriginList = std::function<QStringList(const QString &host)>;

    FrontDoor(const ServerConfig &config, HttpApi &api, OriginList origins,
              QObject *parent = nullptr);
    ~FrontDoor() override;

    void setConfig(const ServerConfig &config) { m_config = config; }
    // Before listen(): speak TLS with this certificate and key. After: a new pair for new
    // connections (a SIGHUP renewal); open connections keep theirs.
    void setTls(const QSslConfiguration &ssl);
    bool tlsEnabled() const { return m_tls; }
    // Connections holding a per-address slot (for /metrics).
    int openConnections() const;
    const ServerConfig &config() const { return m_config; }
    HttpApi &api() { return m_api; }
    int connectionsFrom(const QHostAddress &address) const { return m_perIp.value(address); }
    bool isTrustedProxy(const QHostAddress &address) const;
    // The client address (DESIGN.md "Limits"): the TCP peer, or behind a trusted proxy the
    // rightmost X-Forwarded-For entry, over all the header's lines, that is not itself one.
    QHostAddress effectiveClient(const QHostAddress &peer,
                                 const QList<QByteArray> &forwardedFor) const;
    // Counts one connection of `client` toward maxConnectionsPerIp for as long as `owner`
    // lives (the owner may hand its ticket on: see connectionTicket). False when over the limit;
    // the slot is taken all the same and freed with the owner.
    bool claimSlot(const QHostAddress &client, QObject *owner);
    // The object whose life holds a connection's slot, or nullptr when it holds none yet.
    static QObject *connectionTicket(QObject *owner);
    bool originAllowed(const QByteArray &origin, const QByteArray &hostHeader,
                       const QString &host) const;

    // Answers 429 (through the one serializer) and closes.
    static void tooManyConnections(QTcpSocket *socket);
    // Called by HttpConnection once a head asks for a WebSocket on /signal.ashx.
    void handOver(QTcpSocket *socket, const UpgradeInfo &info);

signals:
    // The receiver takes ownership of the socket.
    void webSocketAccepted(QWebSocket *socket, const UpgradeInfo &info);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void onWebSocketPending();
    // Counts the connection against its address; false (the socket answered or aborted) over
    // the limit.
    bool admit(QTcpSocket *socket);
    void acceptTls(qintptr descriptor);

    ServerConfig m_config;
    HttpApi &m_api;
    OriginList m_origins;
    QWebSocketServer m_ws;
    QHash<QHostAddress, int> m_perIp;
    bool m_tls = false;
    struct Upgrading {
        UpgradeInfo info;
        QPointer<QObject> ticket;
    };
    QHash<QPair<QHostAddress, quint16>, Upgrading> m_upgrading;
};
