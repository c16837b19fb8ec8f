#include "app/Application.h"

#include "admin/AdminApi.h"
#include "admin/AdminSocket.h"
#include "app/MetricsWiring.h"
#include "app/Resources.h"
#include "auth/OidcVerifier.h"
#include "http/PublicFlags.h"
#include "http/RedirectDoor.h"
#include "http/TlsCredentials.h"
#include "metrics/MetricsEndpoint.h"
#include "signal/PeerSession.h"
#include "signal/Tenant.h"
#include "telephony/Webhooks.h"
#ifdef SB_CLUSTER
#include "cluster/ClusterAdmin.h"
#include "cluster/ClusterNode.h"
#endif

#include <QDateTime>
#include <QDir>
#include <QLoggingCategory>
#include <QWebSocket>
#include <cstdlib>
#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcApp, "switchboard.app", QtInfoMsg)
}

Application::Application(const ServerConfig &config, QObject *parent)
    : QObject(parent), m_config(config), m_api(m_directory)
{
    Resources::init();
    for (const TenantConfig &t : std::as_const(m_config.tenants))
        addTenant(t);
    Webhooks::install(m_api);
    m_door = std::make_unique<FrontDoor>(
        m_config, m_api,
        [this](const QString &host) {
            const Tenant *t = tenantForHost(host);
            return t ? t->config().allowedOrigins : QStringList();
        },
        nullptr);
    connect(m_door.get(), &FrontDoor::webSocketAccepted, this, &Application::onWebSocket);
    m_sweep.setInterval(std::min(1000, m_config.keepaliveSec * 250));
    connect(&m_sweep, &QTimer::timeout, this, &Application::sweep);
    m_uptime.start();
    m_api.setAuthorizer(HttpApi::Access::Admin,
                        [this](HttpApi::Context &ctx) { m_adminAuth.authorize(ctx); });
    m_adminApi = new AdminApi(m_store, *this, this);
    for (Tenant *t : m_directory.tenants())
        m_adminApi->watchTenant(t);
    m_adminApi->registerRoutes(m_api);
    m_publicFlags
        = std::make_unique<PublicFlags>(m_store, m_config, [this] { return m_door->serverPort(); });
    m_publicFlags->registerRoutes(m_api);
    // Any valid ID token of the tenant's issuer (admin or not) also sees `internal` numbers.
    m_publicFlags->setInternalVnumAccess([](const HttpRequest &request, Tenant &tenant) {
        return AdminAuth::bearerIdentity(request, tenant).has_value();
    });
    m_prune.setInterval(std::chrono::hours(24));
    connect(&m_prune, &QTimer::timeout, this, &Application::pruneLogs);
    m_admin = std::make_unique<AdminSocket>(m_config, m_directory, m_store, *this);
    m_metrics = std::make_unique<MetricsEndpoint>(m_config.metricsAllowFrom);
    MetricsWiring::install(*m_metrics, *this);
    m_admin->setPlainHttpHandler(
        [this](QTcpSocket *socket, const QByteArray &head) { m_metrics->serve(socket, head); });
}

Tenant *Application::addTenant(const TenantConfig &config)
{
    auto *tenant = new Tenant(config, m_config, m_store, this);
    m_directory.add(tenant);
    connect(&tenant->rooms(), &RoomRegistry::roomRemoved, this, &Application::noteMaybeIdle);
    for (const QString &h : config.hosts)
        m_directory.mapHost(h, tenant);
    return tenant;
}

int Application::socketCount(const Tenant &tenant) const
{
    int n = 0;
    for (const PeerSession *s : m_sessions)
        n += s->tenant() == &tenant ? 1 : 0;
    return n;
}

Application::~Application()
{
    // Sessions end before the tenants whose rooms they belong to.
    const auto sessions = m_sessions;
    for (PeerSession *s : sessions)
        delete s;
    m_door.reset();
    // Tenants (whose rings may still write CDRs as they end) go before the store member.
    const QList<Tenant *> tenants = m_directory.tenants();
    m_directory.clear();
    qDeleteAll(tenants);
}

bool Application::start(QString *error)
{
    QString adminError;
    QHostAddress address;
    if (m_config.listenHost == u"localhost"_s)
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(m_config.listenHost)) {
        if (error)
            *error = u"listen: not an IP address: %1"_s.arg(m_config.listenHost);
        return false;
    }
    if (!m_store.isOpen()) {
        if (m_config.dataDir.isEmpty() || !QDir().mkpath(m_config.dataDir)) {
            if (error)
                *error = u"dataDir: cannot create the data directory %1"_s.arg(m_config.dataDir);
            return false;
        }
        QString storeError;
        const QString dbPath = QDir(m_config.dataDir).filePath(u"switchboard.db"_s);
        if (!m_store.open(dbPath, &storeError)) {
            if (error)
                *error = u"store: %1"_s.arg(storeError);
            return false;
        }
        pruneLogs();
        m_prune.start();
    }
    if (m_config.tls && !startTls(error ? error : &adminError))
        return false;
    if (m_config.cluster && !m_cluster) {
#ifdef SB_CLUSTER
        m_cluster = new ClusterNode(*m_config.cluster, m_config.keepaliveSec, this);
        for (Tenant *t : m_directory.tenants())
            m_cluster->addTenant(*t);
        // Admin edits of either door reach the other nodes, and theirs reach our consoles.
        auto *admin
            = new ClusterAdmin(*m_cluster, m_store, m_directory, m_config.keepaliveSec, m_cluster);
        m_cluster->setAdmin(admin);
        m_adminApi->edits().setSink(admin);
        m_admin->edits().setSink(admin);
        connect(admin, &ClusterAdmin::applied, m_admin.get(), &AdminSocket::listChanged);
        if (!m_cluster->start(error))
            return false;
#else
        if (error)
            *error = u"cluster: this build has no cluster mode (built without libnats)"_s;
        return false;
#endif
    }
    // Qt's default backlog (50) overflows in a join storm and clients wait for SYN retries.
    m_door->setListenBacklogSize(1024);
    if (!m_door->listen(address, m_config.listenPort)) {
        if (error)
            *error = u"listen: %1"_s.arg(m_door->errorString());
        return false;
    }
    if (!m_admin->listen(error ? error : &adminError))
        return false;
    if (!m_config.redirectHost.isEmpty()) {
        m_redirect = std::make_unique<RedirectDoor>(m_config, m_door->serverPort(), m_api);
        QHostAddress redirectAddress;
        if (m_config.redirectHost == u"localhost"_s)
            redirectAddress = QHostAddress::LocalHost;
        else
            redirectAddress.setAddress(m_config.redirectHost);
        if (redirectAddress.isNull()
            || !m_redirect->listen(redirectAddress, m_config.redirectPort)) {
            if (error)
                *error = u"httpRedirectListen: %1"_s.arg(
                    redirectAddress.isNull() ? u"not an IP address"_s : m_redirect->errorString());
            return false;
        }
        qCInfo(lcApp) << "redirecting http on" << redirectAddress.toString()
                      << m_redirect->serverPort() << "to https";
    }
    m_sweep.start();
    qCInfo(lcApp) << "listening on" << address.toString() << m_door->serverPort();
    return true;
}

quint16 Application::adminPort() const
{
    return m_admin->port();
}

quint16 Application::redirectPort() const
{
    return m_redirect ? m_redirect->serverPort() : 0;
}

bool Application::startTls(QString *error)
{
    if (m_config.tls->selfSigned) {
        QStringList hosts;
        for (const TenantConfig &t : std::as_const(m_config.tenants))
            hosts += t.hosts;
        if (!QDir().mkpath(m_config.dataDir)) {
            *error = u"dataDir: cannot create the data directory %1"_s.arg(m_config.dataDir);
            return false;
        }
        const QString fingerprint = TlsCredentials::ensureSelfSigned(*m_config.tls, hosts, error);
        if (fingerprint.isEmpty())
            return false;
        qCInfo(lcApp).noquote() << "self-signed certificate" << m_config.tls->cert
                                << "SHA-256 fingerprint" << fingerprint;
    }
    const auto ssl = TlsCredentials::load(*m_config.tls, error);
    if (!ssl)
        return false;
    m_door->setTls(*ssl);
    m_admin->setTls(*ssl);
    return true;
}

void Application::reloadTls(const ServerConfig &fresh)
{
    if (!m_door->tlsEnabled()) {
        if (fresh.tls)
            qCWarning(lcApp) << "tls: added on reload; it takes effect after a restart";
        return;
    }
    if (!fresh.tls) {
        qCWarning(lcApp) << "tls: removed on reload; keeping it until a restart";
        return;
    }
    QString error;
    const auto ssl = TlsCredentials::load(*fresh.tls, &error);
    if (!ssl) {
        qCWarning(lcApp).noquote()
            << "tls: reload failed, keeping the previous certificate:" << error;
        return;
    }
    m_door->setTls(*ssl);
    m_admin->setTls(*ssl);
    qCInfo(lcApp).noquote() << "tls: certificate reloaded, SHA-256"
                            << TlsCredentials::fingerprint(ssl->localCertificate());
}

Tenant *Application::tenantForHost(const QString &normalisedHost) const
{
    return m_directory.forHost(normalisedHost);
}

void Application::shutdown(int graceMs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_door->close();
    if (m_redirect)
        m_redirect->close();
    m_sweep.stop();
    qCInfo(lcApp) << "shutting down;" << m_sessions.size() << "sockets to close";
    // Rings and dials in flight end now, each with its CDR, before any socket is closed.
    for (Tenant *t : tenants()) {
        t->rings().endAll();
        t->dialer().endAll();
    }
    const auto sessions = m_sessions;
    for (PeerSession *s : sessions)
        s->kick("shutdown"_L1, 1001, "closed"_L1);
    if (m_sessions.isEmpty()) {
        QTimer::singleShot(0, this, &Application::stopped);
        return;
    }
    QTimer::singleShot(graceMs, this, &Application::stopped);
}

void Application::reload(const ServerConfig &config)
{
    const QString listenHost = m_config.listenHost;
    const quint16 listenPort = m_config.listenPort;
    const QString adminHost = m_config.adminHost;
    const quint16 adminPort = m_config.adminPort;
    const QString dataDir = m_config.dataDir;
    const std::optional<TlsConfig> tls = m_config.tls;
    reloadTls(config);
    m_config = config;
    m_config.tls = tls; // on or off only with a restart; the pair itself follows reloadTls()
    if (tls && config.tls)
        m_config.tls = config.tls;
    m_config.listenHost = listenHost;
    m_config.listenPort = listenPort;
    m_config.adminHost = adminHost;
    m_config.adminPort = adminPort;
    m_config.dataDir = dataDir;
    m_door->setConfig(m_config);
    if (m_redirect)
        m_redirect->setConfig(m_config);
    m_metrics->setAllowFrom(m_config.metricsAllowFrom);
    m_directory.clearHosts();
    for (const TenantConfig &t : std::as_const(m_config.tenants)) {
        Tenant *tenant = nullptr;
        for (Tenant *existing : m_directory.tenants()) {
            if (existing->config().host == t.host)
                tenant = existing;
        }
        if (tenant) {
            tenant->reconfigure(t);
            for (const QString &h : t.hosts)
                m_directory.mapHost(h, tenant);
        } else {
            tenant = addTenant(t);
            m_adminApi->watchTenant(tenant);
            m_admin->addTenant(tenant);
#ifdef SB_CLUSTER
            if (m_cluster)
                m_cluster->addTenant(*tenant);
#endif
        }
    }
    // A tenant dropped from the file keeps its live sockets but is reachable no more.
    m_sweep.setInterval(std::min(1000, m_config.keepaliveSec * 250));
    qCInfo(lcApp) << "configuration reloaded:" << m_config.tenants.size() << "tenant(s)";
}

void Application::onWebSocket(QWebSocket *socket, const UpgradeInfo &info)
{
    auto *session = new PeerSession(socket, tenantForHost(info.host), info, m_config, this);
    m_sessions.insert(session);
    connect(session, &PeerSession::finished, this, [this, session] {
        m_sessions.remove(session);
        session->deleteLater();
        if (m_stopping && m_sessions.isEmpty())
            emit stopped();
        noteMaybeIdle();
    });
}

void Application::noteMaybeIdle()
{
    if (!m_sessions.isEmpty() || m_trimQueued)
        return;
    m_trimQueued = true;
    // Queued: it runs after the session's (or room's) deferred delete has freed its memory.
    QMetaObject::invokeMethod(this, &Application::trimWhenIdle, Qt::QueuedConnection);
}

void Application::trimWhenIdle()
{
    m_trimQueued = false;
    if (!m_sessions.isEmpty())
        return;
    for (Tenant *t : m_directory.tenants()) {
        if (t->rooms().count() > 0)
            return;
    }
#ifdef __GLIBC__
    // glibc keeps freed heap pages mapped, so RSS stays at the busiest moment's high-water mark
    // and a leak cannot be told from the allocator's cache (tst_soak measured +11 % over 40 000
    // cycles without this, +0.7 % with it). It runs only when nothing is connected, so its walk
    // over the heap delays nobody.
    malloc_trim(0);
#endif
}

void Application::sweep()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const auto sessions = m_sessions; // a tick may close (and so remove) a session
    for (PeerSession *s : sessions)
        s->tick(now);
}

void Application::pruneLogs()
{
    if (m_config.retentionDays <= 0)
        return; // keep forever
    m_store.pruneLogsBefore(QDateTime::currentDateTimeUtc().addDays(-m_config.retentionDays));
}
