#pragma once

#include "config/ServerConfig.h"

#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>
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
// answers HTTP through HttpApi and hands WebSocket upgrades to QWebSocketServer.
class FrontDoor : public QTcpServer {
    Q_OBJECT
public:
    // Returns the tenant's allowedOrigins for a normalised host (empty when none or no tenant).
    using OriginList = std::function<QStringList(const QString &host)>;

    FrontDoor(const ServerConfig &config, HttpApi &api, OriginList origins,
              QObject *parent = nullptr);
    ~FrontDoor() override;

    void setConfig(const ServerConfig &config) { m_config = config; }
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

    ServerConfig m_config;
    HttpApi &m_api;
    OriginList m_origins;
    QWebSocketServer m_ws;
    QHash<QHostAddress, int> m_perIp;
    struct Upgrading {
        UpgradeInfo info;
        QPointer<QObject> ticket;
    };
    QHash<QPair<QHostAddress, quint16>, Upgrading> m_upgrading;
};
