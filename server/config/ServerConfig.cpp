#include "config/ServerConfig.h"

#include "Crypto.h"
#include "app/Resources.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QSysInfo>
#include <QUrl>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcConfig, "switchboard.config", QtInfoMsg)

struct ConfigError {
    QString message;
};

// Reads one JSON object, remembering which keys were used so that unknown keys are errors.
class Reader {
public:
    Reader(const QJsonObject &obj, QString path) : m_obj(obj), m_path(std::move(path)) { }

    QString keyPath(const QString &key) const
    {
        return m_path.isEmpty() ? key : m_path + u'.' + key;
    }

    QJsonValue take(const QString &key)
    {
        m_used.insert(key);
        return m_obj.value(key);
    }

    bool present(const QString &key)
    {
        const QJsonValue v = take(key);
        return !v.isUndefined() && !v.isNull();
    }

    QString string(const QString &key, const QString &def = {})
    {
        const QJsonValue v = take(key);
        if (v.isUndefined() || v.isNull())
            return def;
        if (!v.isString())
            throw ConfigError{keyPath(key) + u": expected a string"_s};
        return v.toString();
    }

    int integer(const QString &key, int def, int min, int max)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined() || v.isNull())
            return def;
        const double d = v.toDouble(-1e300);
        // The range first: converting a double outside qint64's range is undefined behaviour
        // (found by fuzz_config under UBSan).
        if (!v.isDouble() || d < min || d > max || d != std::floor(d))
            throw ConfigError{keyPath(key)
                              + u": expected an integer from %1 to %2"_s.arg(min).arg(max)};
        return int(d);
    }

    bool boolean(const QString &key, bool def)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined() || v.isNull())
            return def;
        if (!v.isBool())
            throw ConfigError{keyPath(key) + u": expected true or false"_s};
        return v.toBool();
    }

    QJsonArray array(const QString &key)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isArray())
            throw ConfigError{keyPath(key) + u": expected an array"_s};
        return v.toArray();
    }

    QStringList stringList(const QString &key)
    {
        QStringList out;
        const QJsonArray a = array(key);
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (!a[i].isString())
                throw ConfigError{keyPath(key) + u"[%1]: expected a string"_s.arg(i)};
            out.append(a[i].toString());
        }
        return out;
    }

    std::optional<Reader> object(const QString &key)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined() || v.isNull())
            return std::nullopt;
        if (!v.isObject())
            throw ConfigError{keyPath(key) + u": expected an object"_s};
        return Reader(v.toObject(), keyPath(key));
    }

    void finish() const
    {
        for (auto it = m_obj.begin(); it != m_obj.end(); ++it) {
            if (!m_used.contains(it.key()))
                throw ConfigError{keyPath(it.key()) + u": unknown key"_s};
        }
    }

private:
    QJsonObject m_obj;
    QString m_path;
    QSet<QString> m_used;
};

// A secret is its text inline, `env:NAME` or `file:/path` (one trailing newline dropped).
// Secrets are the UTF-8 bytes of their text, never decoded.
QByteArray resolveSecret(const QString &value, const QString &keyPath)
{
    if (value.startsWith(u"env:"_s)) {
        const QString name = value.mid(4);
        const QByteArray v = qgetenv(name.toLocal8Bit().constData());
        if (name.isEmpty() || v.isEmpty())
            throw ConfigError{keyPath + u": environment variable is not set or empty"_s};
        return v;
    }
    if (value.startsWith(u"file:"_s)) {
        QFile f(value.mid(5));
        if (!f.open(QIODevice::ReadOnly))
            throw ConfigError{keyPath + u": cannot read the secret file"_s};
        QByteArray v = f.read(64 * 1024);
        if (v.endsWith("\r\n"))
            v.chop(2);
        else if (v.endsWith('\n'))
            v.chop(1);
        if (v.isEmpty())
            throw ConfigError{keyPath + u": the secret file is empty"_s};
        return v;
    }
    if (value.isEmpty())
        throw ConfigError{keyPath + u": a secret must not be empty"_s};
    return value.toUtf8();
}

QList<Cidr> cidrList(Reader &r, const QString &key, const QStringList &def)
{
    const QStringList texts = r.present(key) ? r.stringList(key) : def;
    QList<Cidr> out;
    for (qsizetype i = 0; i < texts.size(); ++i) {
        const auto c = ServerConfig::parseCidr(texts[i]);
        if (!c)
            throw ConfigError{r.keyPath(key) + u"[%1]: expected an address or CIDR"_s.arg(i)};
        out.append(*c);
    }
    return out;
}

TenantConfig parseTenant(Reader &r)
{
    TenantConfig t;
    const QString host = r.string(u"host"_s);
    const QStringList hosts = r.stringList(u"hosts"_s);
    for (const QString &h : (host.isEmpty() ? QStringList() : QStringList{host}) + hosts) {
        const QString n = ServerConfig::normaliseHost(h);
        if (n.isEmpty())
            throw ConfigError{r.keyPath(u"hosts"_s) + u": not a host name"_s};
        if (!t.hosts.contains(n))
            t.hosts.append(n);
    }
    if (t.hosts.isEmpty())
        throw ConfigError{r.keyPath(u"host"_s) + u": a tenant needs host or hosts"_s};
    t.host = t.hosts.first();
    t.publicBaseUrl = r.string(u"publicBaseUrl"_s);
    while (t.publicBaseUrl.endsWith(u'/'))
        t.publicBaseUrl.chop(1);
    t.allowedOrigins = r.stringList(u"allowedOrigins"_s);
    const QString admin = r.string(u"adminSecret"_s);
    if (admin.isEmpty())
        throw ConfigError{r.keyPath(u"adminSecret"_s) + u": required"_s};
    t.adminSecret = resolveSecret(admin, r.keyPath(u"adminSecret"_s));
    const QString bridge = r.string(u"bridgeSecret"_s);
    if (bridge.isEmpty())
        throw ConfigError{r.keyPath(u"bridgeSecret"_s) + u": required"_s};
    t.bridgeSecret = resolveSecret(bridge, r.keyPath(u"bridgeSecret"_s));
    const QString previousAdmin = r.string(u"previousAdminSecret"_s);
    if (!previousAdmin.isEmpty())
        t.previousAdminSecret = resolveSecret(previousAdmin, r.keyPath(u"previousAdminSecret"_s));
    const QString previousBridge = r.string(u"previousBridgeSecret"_s);
    if (!previousBridge.isEmpty())
        t.previousBridgeSecret
            = resolveSecret(previousBridge, r.keyPath(u"previousBridgeSecret"_s));
    const QString until = r.string(u"previousSecretsUntil"_s);
    if (!until.isEmpty()) {
        const QDateTime at = QDateTime::fromString(until, Qt::ISODate);
        if (!at.isValid() || at.timeSpec() == Qt::LocalTime)
            throw ConfigError{r.keyPath(u"previousSecretsUntil"_s)
                              + u": expected a date-time with a zone, e.g. 2026-12-01T00:00:00Z"_s};
        t.previousSecretsUntil = at.toSecsSinceEpoch();
    }
    if ((!t.previousAdminSecret.isEmpty() || !t.previousBridgeSecret.isEmpty()) && until.isEmpty())
        throw ConfigError{
            r.keyPath(u"previousSecretsUntil"_s)
            + u": required with a previous secret (the end of the rotation window)"_s};
    t.bridgeAllowFrom = cidrList(r, u"bridgeAllowFrom"_s, {u"127.0.0.0/8"_s, u"::1/128"_s});
    const QStringList keys = r.stringList(u"officeKeys"_s);
    for (qsizetype i = 0; i < keys.size(); ++i)
        t.officeKeys.append(resolveSecret(keys[i], r.keyPath(u"officeKeys[%1]"_s.arg(i))));
    t.ringTimeoutSec = r.integer(u"ringTimeoutSec"_s, 45, 1, 3600);
    t.iceServers = r.array(u"iceServers"_s);
    for (qsizetype i = 0; i < t.iceServers.size(); ++i) {
        const QJsonValue urls = t.iceServers[i].toObject().value(u"urls"_s);
        if (!t.iceServers[i].isObject() || !(urls.isString() || urls.isArray()))
            throw ConfigError{r.keyPath(u"iceServers[%1].urls"_s.arg(i)) + u": required"_s};
    }
    if (auto turn = r.object(u"turn"_s)) {
        TurnConfig tc;
        const QString secret = turn->string(u"secret"_s);
        if (secret.isEmpty())
            throw ConfigError{turn->keyPath(u"secret"_s) + u": required"_s};
        tc.secret = resolveSecret(secret, turn->keyPath(u"secret"_s));
        tc.urls = turn->stringList(u"urls"_s);
        if (tc.urls.isEmpty())
            throw ConfigError{turn->keyPath(u"urls"_s) + u": at least one URL is required"_s};
        tc.ttlSec = turn->integer(u"ttlSec"_s, 86400, 60, 7 * 86400);
        turn->finish();
        t.turn = tc;
    }
    if (auto oidc = r.object(u"oidc"_s)) {
        OidcConfig oc;
        oc.issuer = oidc->string(u"issuer"_s);
        oc.audience = oidc->string(u"audience"_s);
        oc.jwksUrl = oidc->string(u"jwksUrl"_s);
        oc.jwksFile = oidc->string(u"jwksFile"_s);
        oc.adminGroups = oidc->stringList(u"adminGroups"_s);
        oc.phoneGroups = oidc->stringList(u"phoneGroups"_s);
        oc.groupsClaim = oidc->string(u"groupsClaim"_s, u"groups"_s);
        oc.nameClaim = oidc->string(u"nameClaim"_s, u"name"_s);
        if (oc.issuer.isEmpty())
            throw ConfigError{oidc->keyPath(u"issuer"_s) + u": required"_s};
        if (oc.audience.isEmpty())
            throw ConfigError{oidc->keyPath(u"audience"_s) + u": required"_s};
        if (oc.jwksUrl.isEmpty() == oc.jwksFile.isEmpty())
            throw ConfigError{oidc->keyPath(u"jwksUrl"_s)
                              + u": give exactly one of jwksUrl and jwksFile"_s};
        oidc->finish();
        t.oidc = oc;
    }
    const QJsonArray cams = r.array(u"cameras"_s);
    for (qsizetype i = 0; i < cams.size(); ++i) {
        const QString path = r.keyPath(u"cameras[%1]"_s.arg(i));
        if (!cams[i].isObject())
            throw ConfigError{path + u": expected an object"_s};
        Reader cr(cams[i].toObject(), path);
        CameraConfig c;
        c.name = cr.string(u"name"_s);
        c.streamId = cr.string(u"streamId"_s);
        c.access = cr.string(u"access"_s, u"anonymous"_s);
        cr.finish();
        const auto idOk = [](const QString &s) {
            if (s.isEmpty() || s.size() > 64)
                return false;
            for (const QChar ch : s) {
                if (!(ch.isLetterOrNumber() && ch.unicode() < 128) && ch != u'_' && ch != u'-')
                    return false;
            }
            return true;
        };
        if (!idOk(c.name))
            throw ConfigError{path + u".name: expected [A-Za-z0-9_-]{1,64}"_s};
        if (!idOk(c.streamId))
            throw ConfigError{path + u".streamId: expected [A-Za-z0-9_-]{1,64}"_s};
        if (c.access != u"anonymous"_s && c.access != u"verified"_s)
            throw ConfigError{path + u".access: expected anonymous or verified"_s};
        t.cameras.append(c);
    }
    t.go2rtcUrl = r.string(u"go2rtcUrl"_s, u"http://127.0.0.1:1984"_s);
    {
        const QUrl go2rtc(t.go2rtcUrl, QUrl::StrictMode);
        if (!go2rtc.isValid() || go2rtc.host().isEmpty() || go2rtc.hasQuery()
            || (go2rtc.scheme() != u"http"_s && go2rtc.scheme() != u"https"_s))
            throw ConfigError{r.keyPath(u"go2rtcUrl"_s) + u": expected an http(s) URL"_s};
    }
    t.cameraLanCandidates = r.boolean(u"cameraLanCandidates"_s, false);
    r.finish();
    return t;
}
} // namespace

namespace {
QList<QByteArrayView> secretsAt(const QByteArray &current, const QByteArray &previous, qint64 until,
                                qint64 nowSec)
{
    QList<QByteArrayView> out{current};
    if (!previous.isEmpty() && nowSec < until)
        out.append(previous);
    return out;
}
} // namespace

QList<QByteArrayView> TenantConfig::adminSecrets(qint64 nowSec) const
{
    return secretsAt(adminSecret, previousAdminSecret, previousSecretsUntil, nowSec);
}

QList<QByteArrayView> TenantConfig::bridgeSecrets(qint64 nowSec) const
{
    return secretsAt(bridgeSecret, previousBridgeSecret, previousSecretsUntil, nowSec);
}

bool TenantConfig::bridgeAllowed(const QHostAddress &address) const
{
    for (const Cidr &c : bridgeAllowFrom) {
        if (c.contains(address))
            return true;
    }
    return false;
}

bool Cidr::contains(const QHostAddress &a) const
{
    QHostAddress probe = a;
    bool isV4 = false;
    const quint32 v4 = a.toIPv4Address(&isV4); // also unwraps ::ffff:a.b.c.d
    if (isV4)
        probe = QHostAddress(v4);
    return probe.isInSubnet(address, prefix);
}

std::optional<Cidr> ServerConfig::parseCidr(const QString &text)
{
    const auto pair = QHostAddress::parseSubnet(text.contains(u'/') ? text : text + u"/-1"_s);
    if (!text.contains(u'/')) {
        QHostAddress a;
        if (!a.setAddress(text))
            return std::nullopt;
        return Cidr{a, a.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128};
    }
    if (pair.first.isNull())
        return std::nullopt;
    return Cidr{pair.first, pair.second};
}

bool ServerConfig::parseHostPort(const QString &text, QString *host, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return false;
    QString h = text.left(colon);
    if (h.startsWith(u'[') && h.endsWith(u']'))
        h = h.mid(1, h.size() - 2);
    bool ok = false;
    const uint p = text.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535 || h.isEmpty())
        return false;
    *host = h;
    *port = quint16(p);
    return true;
}

QString ServerConfig::normaliseHost(QStringView hostHeader)
{
    QString h = hostHeader.trimmed().toString().toLower();
    if (h.startsWith(u'[')) {
        const qsizetype close = h.indexOf(u']');
        if (close < 0)
            return {};
        const QString rest = h.mid(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(u':'))
            return {};
        h = h.mid(1, close - 1);
        QHostAddress a;
        return a.setAddress(h) ? a.toString() : QString();
    }
    if (h.count(u':') == 1)
        h = h.left(h.indexOf(u':'));
    else if (h.count(u':') > 1) {
        QHostAddress a; // a bare IPv6 literal (config files may name "::1")
        return a.setAddress(h) ? a.toString() : QString();
    }
    if (h.endsWith(u'.'))
        h.chop(1);
    if (h.isEmpty() || h.size() > 253)
        return {};
    for (const QChar c : h) {
        if (!((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-' || c == u'.'))
            return {};
    }
    return h;
}

namespace {
ClusterConfig parseCluster(Reader &r)
{
    ClusterConfig c;
    c.nats = r.string(u"nats"_s, c.nats);
    for (const QString &url : c.nats.split(u',')) {
        const QUrl u(url.trimmed());
        if (!u.isValid() || (u.scheme() != u"nats"_s && u.scheme() != u"tls"_s)
            || u.host().isEmpty())
            throw ConfigError{u"cluster.nats: expected nats://HOST:PORT (comma-separated)"_s};
    }
    c.node = r.string(u"node"_s);
    if (c.node.isEmpty()) {
        // The host name reduced to the node-name alphabet, and a suffix so that two processes
        // on one machine differ.
        QString host = QSysInfo::machineHostName();
        host.replace(QRegularExpression(u"[^A-Za-z0-9_-]"_s), u"-"_s);
        c.node = host.left(40) + u'-' + Crypto::randomId().left(8);
    }
    static const QRegularExpression nodeRe(u"^[A-Za-z0-9_-]{1,64}$"_s);
    if (!nodeRe.match(c.node).hasMatch())
        throw ConfigError{u"cluster.node: expected 1-64 of A-Z a-z 0-9 _ -"_s};
    r.finish();
    return c;
}
} // namespace

std::optional<ServerConfig> ServerConfig::parse(const QByteArray &json, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error
            = u"config: not a JSON object (%1 at offset %2)"_s.arg(pe.errorString()).arg(pe.offset);
        return std::nullopt;
    }
    try {
        ServerConfig c;
        Reader r(doc.object(), QString());
        if (r.present(u"listen"_s)
            && !parseHostPort(r.string(u"listen"_s), &c.listenHost, &c.listenPort))
            throw ConfigError{u"listen: expected HOST:PORT"_s};
        if (r.present(u"adminListen"_s)
            && !parseHostPort(r.string(u"adminListen"_s), &c.adminHost, &c.adminPort))
            throw ConfigError{u"adminListen: expected HOST:PORT"_s};
        c.dataDir = r.string(u"dataDir"_s);
        const QJsonValue tlsValue = r.take(u"tls"_s);
        if (tlsValue.isString()) {
            if (tlsValue.toString() != u"self-signed"_s)
                throw ConfigError{u"tls: expected {\"cert\", \"key\"} or \"self-signed\""_s};
            c.tls = TlsConfig{{}, {}, true}; // the paths follow the data directory (load())
        } else if (tlsValue.isObject()) {
            Reader tls(tlsValue.toObject(), u"tls"_s);
            c.tls = TlsConfig{tls.string(u"cert"_s), tls.string(u"key"_s)};
            if (c.tls->cert.isEmpty() || c.tls->key.isEmpty())
                throw ConfigError{u"tls: cert and key are required"_s};
            tls.finish();
        } else if (!tlsValue.isUndefined() && !tlsValue.isNull()) {
            throw ConfigError{u"tls: expected {\"cert\", \"key\"} or \"self-signed\""_s};
        }
        c.tlsHandshakeTimeoutSec = r.integer(u"tlsHandshakeTimeoutSec"_s, 10, 1, 600);
        if (r.present(u"httpRedirectListen"_s)) {
            if (!parseHostPort(r.string(u"httpRedirectListen"_s), &c.redirectHost, &c.redirectPort))
                throw ConfigError{u"httpRedirectListen: expected HOST:PORT"_s};
            if (!c.tls)
                throw ConfigError{u"httpRedirectListen: needs tls"_s};
        }
        c.metricsAllowFrom = {*parseCidr(u"127.0.0.0/8"_s), *parseCidr(u"::1/128"_s)};
        if (auto metrics = r.object(u"metrics"_s)) {
            c.metricsAllowFrom
                = cidrList(*metrics, u"allowFrom"_s, {u"127.0.0.0/8"_s, u"::1/128"_s});
            metrics->finish();
        }
        if (auto lim = r.object(u"limits"_s)) {
            c.limits.maxFrameBytes = lim->integer(u"maxFrameBytes"_s, 65536, 1024, 16 << 20);
            c.limits.maxBodyBytes = lim->integer(u"maxBodyBytes"_s, 65536, 1024, 16 << 20);
            c.limits.maxPeersPerRoom = lim->integer(u"maxPeersPerRoom"_s, 16, 2, 1000);
            c.limits.maxConnectionsPerIp = lim->integer(u"maxConnectionsPerIp"_s, 64, 1, 1000000);
            c.limits.maxRooms = lim->integer(u"maxRooms"_s, 10000, 1, 10000000);
            c.limits.signalPerSec = lim->integer(u"signalPerSec"_s, 50, 1, 100000);
            c.limits.signalBurst = lim->integer(u"signalBurst"_s, 500, 1, 1000000);
            c.limits.joinPerSec = lim->integer(u"joinPerSec"_s, 1, 1, 100000);
            c.limits.joinBurst = lim->integer(u"joinBurst"_s, 5, 1, 1000000);
            c.limits.dialPerMin = lim->integer(u"dialPerMin"_s, 3, 1, 100000);
            c.limits.dialPerMinPerAddress = lim->integer(u"dialPerMinPerAddress"_s, 20, 1, 100000);
            c.limits.rateLimitCloseSec = lim->integer(u"rateLimitCloseSec"_s, 10, 1, 3600);
            c.limits.maxWriteBufferBytes
                = lim->integer(u"maxWriteBufferBytes"_s, 1 << 20, 65536, 1 << 30);
            lim->finish();
        }
        c.keepaliveSec = r.integer(u"keepaliveSec"_s, 25, 1, 3600);
        c.resumeGraceSec = r.integer(u"resumeGraceSec"_s, 30, 0, 3600);
        c.retentionDays = r.integer(u"retentionDays"_s, 90, 1, 36500);
        c.firstFrameTimeoutSec = r.integer(u"firstFrameTimeoutSec"_s, 10, 1, 3600);
        c.httpIdleTimeoutSec = r.integer(u"httpIdleTimeoutSec"_s, 30, 1, 3600);
        c.cameraTimeoutMs = r.integer(u"cameraTimeoutMs"_s, 10000, 100, 60000);
        c.trustedProxies = cidrList(r, u"trustedProxies"_s, {});
        if (auto cl = r.object(u"cluster"_s))
            c.cluster = parseCluster(*cl);
        const QJsonArray tenants = r.array(u"tenants"_s);
        if (tenants.isEmpty())
            throw ConfigError{u"tenants: at least one tenant is required"_s};
        QSet<QString> seenHosts;
        for (qsizetype i = 0; i < tenants.size(); ++i) {
            const QString path = u"tenants[%1]"_s.arg(i);
            if (!tenants[i].isObject())
                throw ConfigError{path + u": expected an object"_s};
            Reader tr(tenants[i].toObject(), path);
            TenantConfig t = parseTenant(tr);
            for (const QString &h : std::as_const(t.hosts)) {
                if (seenHosts.contains(h))
                    throw ConfigError{path + u".hosts: host already used by another tenant"_s};
                seenHosts.insert(h);
            }
            c.tenants.append(std::move(t));
        }
        r.finish();
        return c;
    } catch (const ConfigError &e) {
        *error = e.message;
        return std::nullopt;
    }
}

QString ServerConfig::defaultDataDir()
{
#ifdef Q_OS_WIN
    // DESIGN.md: paths default to %ProgramData%\Switchboard (the installer's service passes it).
    return qEnvironmentVariable("ProgramData", u"C:/ProgramData"_s) + u"/Switchboard/data"_s;
#else
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return base + u"/switchboard"_s;
#endif
}

std::optional<ServerConfig> ServerConfig::embeddedDefault(const QString &dataDir, QString *error)
{
    if (!QDir().mkpath(dataDir)) {
        *error = u"dataDir: cannot create %1"_s.arg(dataDir);
        return std::nullopt;
    }
    QStringList files;
    for (const char *name : {"admin.secret", "bridge.secret", "turn.secret", "office.key"}) {
        const QString path = dataDir + u'/' + QLatin1StringView(name);
        files.append(path);
        if (QFile::exists(path))
            continue;
        QFile f(path);
        // Created 0600 before anything is written, so the secret is never readable by others.
        if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                    QFileDevice::ReadOwner | QFileDevice::WriteOwner)
            || f.write(Crypto::randomBytes(32).toHex() + '\n') < 0) {
            *error = u"dataDir: cannot write %1"_s.arg(path);
            return std::nullopt;
        }
    }
    Resources::init();
    QFile res(u":/default-config.json"_s);
    if (!res.open(QIODevice::ReadOnly)) {
        *error = u"embedded default config is missing"_s;
        return std::nullopt;
    }
    QByteArray json = res.readAll();
    QByteArray dir = QJsonDocument(QJsonArray{dataDir}).toJson(QJsonDocument::Compact);
    dir = dir.mid(2, dir.size() - 4); // the JSON-escaped text of dataDir, without [" "]
    json.replace("@DATADIR@", dir);
    auto c = parse(json, error);
    if (c) {
        c->dataDir = dataDir;
        c->generatedSecretFiles = files;
        qCDebug(lcConfig) << "embedded default config with data dir" << dataDir;
    }
    return c;
}

std::optional<ServerConfig> ServerConfig::load(const ConfigSource &source, QString *error)
{
    std::optional<ServerConfig> config;
    QString dataDir = source.dataDir;
    if (!source.configFile.isEmpty()) {
        QFile f(source.configFile);
        if (!f.open(QIODevice::ReadOnly)) {
            *error = u"--config: cannot read %1"_s.arg(f.fileName());
            return std::nullopt;
        }
        config = parse(f.readAll(), error);
        if (config && dataDir.isEmpty())
            dataDir = config->dataDir;
    } else {
        if (dataDir.isEmpty())
            dataDir = defaultDataDir();
        config = embeddedDefault(dataDir, error);
    }
    if (!config)
        return std::nullopt;
    config->dataDir = dataDir.isEmpty() ? defaultDataDir() : dataDir;
    if (!source.listen.isEmpty()
        && !parseHostPort(source.listen, &config->listenHost, &config->listenPort)) {
        *error = u"--listen: expected HOST:PORT"_s;
        return std::nullopt;
    }
    if (!source.adminListen.isEmpty()
        && !parseHostPort(source.adminListen, &config->adminHost, &config->adminPort)) {
        *error = u"--admin-listen: expected HOST:PORT"_s;
        return std::nullopt;
    }
    if (config->tls && config->tls->selfSigned) {
        config->tls->cert = QDir(config->dataDir).filePath(u"tls-self-signed.crt"_s);
        config->tls->key = QDir(config->dataDir).filePath(u"tls-self-signed.key"_s);
    }
    return config;
}
