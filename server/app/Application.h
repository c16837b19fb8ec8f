#pragma once

#include "admin/ServerCounters.h"
#include "auth/AdminAuth.h"
#include "config/ServerConfig.h"
#include "http/FrontDoor.h"
#include "http/HttpApi.h"
#include "signal/TenantDirectory.h"
#include "store/Store.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <memory>

class AdminApi;
class AdminSocket;
class MetricsEndpoint;
class RedirectDoor;
class ClusterNode;
class PeerSession;
class PublicFlags;
class Tenant;

// Owns the tenants, the front door and the sessions, and wires them in one place: each subsystem
// gets what it uses (the tenant directory, the store, the counters) at construction.
class Application : public QObject, public ServerCounters {
    Q_OBJECT
public:
    explicit Application(const ServerConfig &config, QObject *parent = nullptr);
    ~Application() override;

    // Listens on the configured address; false (with *error) when it cannot.
    bool start(QString *error = nullptr);
    quint16 httpPort() const { return m_door->serverPort(); }
    quint16 adminPort() const;
    // The httpRedirectListen port (0 when none).
    quint16 redirectPort() const;
    bool tlsEnabled() const { return m_door->tlsEnabled(); }
    FrontDoor &frontDoor() { return *m_door; }
    MetricsEndpoint &metrics() { return *m_metrics; }
    AdminSocket &adminSocket() { return *m_admin; }
    // Cluster mode (DESIGN.md "Cluster mode"); nullptr on a single node.
    ClusterNode *cluster() const { return m_cluster; }

    const ServerConfig &config() const { return m_config; }
    Tenant *tenantForHost(const QString &normalisedHost) const;
    const QList<Tenant *> &tenants() const { return m_directory.tenants(); }
    const QSet<PeerSession *> &sessions() const { return m_sessions; }
    // ServerCounters
    int socketCount(const Tenant &tenant) const override;
    qint64 uptimeMs() const override { return m_uptime.elapsed(); }
    HttpApi &api() { return m_api; }
    Store &store() { return m_store; }
    PublicFlags &publicFlags() { return *m_publicFlags; }
    // Deletes CDR and dial-log rows older than `retentionDays` (run at start and daily).
    void pruneLogs();

    // Stops accepting, sends `kicked shutdown` + close 1001 to every socket, and emits
    // stopped() once they are gone (or after `graceMs`).
    void shutdown(int graceMs = 4000);
    // Applies a reloaded configuration (tenants, secrets, limits) without dropping connections.
    // Listen addresses are kept; they change only with a restart.
    void reload(const ServerConfig &config);

signals:
    void stopped();

private:
    void onWebSocket(QWebSocket *socket, const UpgradeInfo &info);
    // tls at start: the self-signed pair made when asked, the pair loaded into both listeners.
    bool startTls(QString *error);
    // tls on SIGHUP: both files re-read; a bad file is logged and the old pair kept.
    void reloadTls(const ServerConfig &fresh);
    void sweep();
    // Queues trimWhenIdle() when the last socket or room has gone.
    void noteMaybeIdle();
    void trimWhenIdle();
    Tenant *addTenant(const TenantConfig &config);

    ServerConfig m_config;
    Store m_store; // before the tenants, whose rings may write CDRs as they end
    TenantDirectory m_directory;
    HttpApi m_api;
    std::unique_ptr<FrontDoor> m_door;
    QSet<PeerSession *> m_sessions;
    QTimer m_sweep;
    std::unique_ptr<AdminSocket> m_admin;
    QElapsedTimer m_uptime;
    AdminAuth m_adminAuth;
    AdminApi *m_adminApi = nullptr;
    bool m_stopping = false;
    bool m_trimQueued = false;
    QTimer m_prune;
    std::unique_ptr<PublicFlags> m_publicFlags;
    std::unique_ptr<RedirectDoor> m_redirect;
    std::unique_ptr<MetricsEndpoint> m_metrics;
    ClusterNode *m_cluster = nullptr; // only with `cluster`; a child, so it outlives the tenants
};
