#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QJsonArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// Typed configuration with every default in one place (DESIGN.md "Configuration and command
// line"). Filled once by ServerConfig::parse() and handed to constructors; nobody reads globals.

struct Limits {
    qint64 maxFrameBytes = 65536;
    qint64 maxBodyBytes = 65536;
    qint64 maxHeadBytes = 8192;
    int maxPeersPerRoom = 16;
    int maxConnectionsPerIp = 64;
    int maxRooms = 10000;
    // Per-socket token buckets (DESIGN.md "Limits").
    int signalPerSec = 50;
    int signalBurst = 500;
    int joinPerSec = 1; // join, register and identify
    int joinBurst = 5;
    int dialPerMin = 3;
    int dialPerMinPerAddress = 20; // across a client address's sockets
    int officeKeyFailuresPerMin = 10; // wrong office keys per client address
    int rateLimitCloseSec = 10; // close 4008 after this long over the limit
    qint64 maxWriteBufferBytes = 1
        << 20; // a socket whose unsent data passes this is dropped (4003)
};

struct TurnConfig {
    QByteArray secret;
    QStringList urls;
    int ttlSec = 86400;
};

struct OidcConfig {
    QString issuer;
    QString audience;
    QString jwksUrl;
    QString jwksFile;
    QStringList adminGroups;
    QStringList phoneGroups; // empty: the admin groups
    QString groupsClaim = QStringLiteral("groups");
    QString nameClaim = QStringLiteral("name");
};

struct CameraConfig {
    QString name;
    QString streamId;
    QString access = QStringLiteral("anonymous");
};

struct Cidr {
    QHostAddress address;
    int prefix = 0;
    bool contains(const QHostAddress &a) const;
};

struct TenantConfig {
    QString host; // the first (canonical) host name
    QStringList hosts; // every normalised host name that selects this tenant
    QString publicBaseUrl;
    QStringList allowedOrigins;
    QByteArray adminSecret;
    QByteArray bridgeSecret;
    // Secret rotation (SECURITY.md): a previous secret is accepted besides the current one until
    // previousSecretsUntil (unix seconds), then refused.
    QByteArray previousAdminSecret;
    QByteArray previousBridgeSecret;
    qint64 previousSecretsUntil = 0;
    QList<Cidr> bridgeAllowFrom;
    // True when `address` is in one of bridgeAllowFrom (webhooks, bridge hello, bridge tickets).
    bool bridgeAllowed(const QHostAddress &address) const;
    QList<QByteArray> officeKeys;
    int ringTimeoutSec = 45;
    QJsonArray iceServers;
    std::optional<TurnConfig> turn;
    std::optional<OidcConfig> oidc;
    QList<CameraConfig> cameras;
    QString go2rtcUrl;
    bool cameraLanCandidates = false;

    // The keys a signature may be made with at `nowSec`: the current secret, then the previous
    // one while the rotation window is open.
    QList<QByteArrayView> adminSecrets(qint64 nowSec) const;
    QList<QByteArrayView> bridgeSecrets(qint64 nowSec) const;
};

struct TlsConfig {
    QString cert; // PEM; may hold the chain after the leaf
    QString key; // PEM, RSA or EC
    // `tls: "self-signed"`: cert and key are files in the data directory, made once at start-up.
    bool selfSigned = false;
};

// Cluster mode (DESIGN.md "Cluster mode"): present only with the `cluster` key.
struct ClusterConfig {
    QString nats = QStringLiteral("nats://127.0.0.1:4222"); // one URL or a comma-separated list
    QString node; // [A-Za-z0-9_-]{1,64}; default: the host name + a random suffix
};

// Where a configuration comes from: the command line of switchboard-server.
struct ConfigSource {
    QString configFile; // empty: the embedded default
    QString dataDir; // overrides the file's dataDir
    QString listen; // HOST:PORT overrides
    QString adminListen;
};

struct ServerConfig {
    QString listenHost = QStringLiteral("127.0.0.1");
    quint16 listenPort = 8080;
    QString adminHost = QStringLiteral("127.0.0.1");
    quint16 adminPort = 8081;
    QString dataDir;
    std::optional<TlsConfig> tls;
    int tlsHandshakeTimeoutSec = 10;
    // Plain-HTTP port answering 308 to https (with tls only); empty host: none.
    QString redirectHost;
    quint16 redirectPort = 0;
    // Who may GET /metrics on the admin listener.
    QList<Cidr> metricsAllowFrom;
    std::optional<ClusterConfig> cluster; // nullopt: a single node, nothing of cluster mode runs
    Limits limits;
    int keepaliveSec = 25;
    int resumeGraceSec = 30;
    int retentionDays = 90;
    int firstFrameTimeoutSec = 10;
    int httpIdleTimeoutSec = 30;
    // How long go2rtc may take to answer a camera offer (DESIGN.md "Cameras": 10 s).
    int cameraTimeoutMs = 10000;
    QList<Cidr> trustedProxies;
    QList<TenantConfig> tenants;
    // Files that hold generated secrets (embedded default): printed at start-up, never their
    // content.
    QStringList generatedSecretFiles;

    // Parses a JSON config. On error returns nullopt and sets *error to a message naming the key.
    static std::optional<ServerConfig> parse(const QByteArray &json, QString *error);
    // The embedded default: one tenant for localhost/127.0.0.1 with secrets generated once with a
    // CSPRNG and kept in dataDir (mode 0600).
    static std::optional<ServerConfig> embeddedDefault(const QString &dataDir, QString *error);
    static QString defaultDataDir();
    // Reads the file (or the embedded default) and applies the overrides; used at start-up and
    // on every SIGHUP. On error returns nullopt and sets *error to a message naming the key.
    static std::optional<ServerConfig> load(const ConfigSource &source, QString *error);

    // "HOST:PORT", "[v6]:PORT"
    static bool parseHostPort(const QString &text, QString *host, quint16 *port);
    // Lower-cased, port and trailing dot dropped, "[::1]:p" understood. Empty if malformed.
    static QString normaliseHost(QStringView hostHeader);
    static std::optional<Cidr> parseCidr(const QString &text);
};
