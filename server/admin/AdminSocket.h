#pragma once

#include "admin/AdminEdits.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QLatin1StringView>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>
#include <QWebSocketServer>
#include <functional>
#include <optional>

class AdminConnection;
class QTcpServer;
class QTcpSocket;
class Room;
class ServerCounters;
class Store;
class Tenant;
class TenantDirectory;
struct ApiError;
struct ServerConfig;

// The operator consoles' WebSocket (DESIGN.md "Admin socket and console", docs/admin-socket.md):
// its own listener on `adminListen`, path /admin, no Origin allowed, challenge-response or admin
// Bearer auth, then a snapshot and the tenant's live events. Observes the tenants' registries;
// telephony publishes its events with publish().
class AdminSocket : public QObject {
    Q_OBJECT
public:
    AdminSocket(const ServerConfig &config, const TenantDirectory &tenants, Store &store,
                const ServerCounters &counters, QObject *parent = nullptr);
    ~AdminSocket() override;

    // Listens on adminHost:adminPort; false with *error (a non-loopback address without tls).
    bool listen(QString *error);
    // Before listen(): wss with this certificate and key. After: a new pair for new consoles
    // (SIGHUP); connected consoles keep theirs.
    void setTls(const QSslConfiguration &ssl);
    // Plain HTTP on the admin port (GET /metrics): a request head that is no WebSocket upgrade
    // goes to this handler, which answers and closes the socket.
    using PlainHttp = std::function<void(QTcpSocket *, const QByteArray &head)>;
    void setPlainHttpHandler(PlainHttp handler) { m_plainHttp = std::move(handler); }
    quint16 port() const;
    int connectionCount() const { return int(m_connections.size()); }
    // Starts observing a tenant added after start (a reload).
    void addTenant(Tenant *tenant) { watchTenant(tenant); }

    // Sends `{"type":type, ...body}` to every authenticated console of the tenant.
    void publish(const Tenant *tenant, QLatin1StringView type, const QJsonObject &body);

    // Unsent bytes after which a console is dropped (default 4 MiB).
    void setMaxPendingBytes(qint64 bytes) { m_maxPending = bytes; }

    QJsonObject snapshotFor(Tenant &tenant) const;
    QJsonObject countersFor(Tenant &tenant) const;
    static QJsonObject describeRoom(const Room &room);
    AdminEdits &edits() { return m_edits; }
    // Tells the tenant's consoles the whole list after a change (also one another node made).
    void listChanged(const Tenant *tenant, AdminEdits::List list);
    // Cluster mode: the rooms' members on other nodes, `node` added to each peer; [] without.
    static QJsonArray remoteRoomsJson(Tenant &tenant);

private:
    void onTcpConnection();
    // Reads the request head: an upgrade goes to m_server, anything else to m_plainHttp.
    void routeHead(QTcpSocket *tcp);
    void onNewConnection();
    void onMessage(AdminConnection *connection, const QString &text);
    void authenticate(AdminConnection *connection, const QJsonObject &body);
    void runCommand(AdminConnection *connection, const QString &type, const QJsonObject &body);
    // The console's `error` for a refused kick or edit (AdminEdits throws ApiError).
    static QString errorFor(const ApiError &e, const QString &id);
    // A virtual number, alias or whitelist edit (through AdminEdits, as the HTTP API does);
    // answers the console and tells every console of the tenant the new list.
    void runEdit(AdminConnection *connection, const QString &type, const QJsonObject &body);
    // cdrlog / diallog: one page of the store's call records or dial log, newest first.
    void runLogPage(AdminConnection *connection, const QString &type, const QJsonObject &body);
    QJsonArray trunksJson(const Tenant &tenant) const;
    QJsonArray virtualNumbersJson(const Tenant &tenant) const;
    QJsonArray aliasesJson(const Tenant &tenant) const;
    QJsonArray whitelistJson(const Tenant &tenant) const;
    void watchTenant(Tenant *tenant);
    void watchTelephony(Tenant *tenant); // phones, rings and dials
    void watchRoom(const Tenant *tenant, Room *room);
    void tick();

    const ServerConfig &m_config;
    const TenantDirectory &m_tenants;
    Store &m_store;
    AdminEdits m_edits;
    const ServerCounters &m_counters;
    // Our own listener (QSslServer with tls) hands sockets to m_server, so that each
    // console's TCP socket, and so its unsent bytes, stays in reach.
    std::unique_ptr<QTcpServer> m_listener;
    std::optional<QSslConfiguration> m_tls;
    PlainHttp m_plainHttp;
    QWebSocketServer m_server;
    QHash<QPair<QHostAddress, quint16>, QPointer<QTcpSocket>> m_upgrading;
    QSet<AdminConnection *> m_connections;
    QTimer m_tick;
    qint64 m_maxPending = 4 * 1024 * 1024;
    QSet<QString> m_timedOut; // rings told as ring-timeout, whose ringEnded follows
    QHash<const Tenant *, QJsonArray> m_remoteRoomsSent; // cluster mode: last remote-rooms told
};
