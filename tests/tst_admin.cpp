// The admin flags over real HTTP: HMAC and Bearer auth (replay, window, tampering), CRUD with
// statuses, paging of the logs, kick, and that admin-only values never reach public flags.

#include "Crypto.h"
#include "TestIssuer.h"
#include "app/Application.h"
#include "auth/AdminAuth.h"
#include "auth/OidcVerifier.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace Qt::StringLiterals;

using Headers = QList<QPair<QByteArray, QByteArray>>;

namespace {
const QByteArray hostA = "a.test";
const QByteArray hostB = "b.test";
const QByteArray secretA = "secret-of-tenant-a";
const QByteArray secretB = "secret-of-tenant-b";
// Rotation (SECURITY.md): A still accepts its previous secret, B's window has closed.
const QByteArray previousSecretA = "previous-secret-of-a";
const QByteArray previousSecretB = "previous-secret-of-b";

struct Reply {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first == name)
                return h.second;
        }
        return {};
    }
    bool hasHeaderPrefix(const QByteArray &prefix) const
    {
        for (const auto &h : headers) {
            if (h.first.startsWith(prefix))
                return true;
        }
        return false;
    }
};

// One HTTP/1.1 request with Connection: close over a raw socket, so the test picks the Host.
Reply http(quint16 port, const QByteArray &method, const QByteArray &query, const QByteArray &host,
           const QList<QPair<QByteArray, QByteArray>> &headers = {}, const QByteArray &body = {})
{
    QTcpSocket socket;
    QSignalSpy closed(&socket, &QTcpSocket::disconnected);
    socket.connectToHost(QHostAddress::LocalHost, port);
    QByteArray request = method + " /signal.ashx?" + query + " HTTP/1.1\r\nHost: " + host
        + "\r\nConnection: close\r\n";
    for (const auto &h : headers)
        request += h.first + ": " + h.second + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    request += "\r\n" + body;
    socket.write(request);
    Reply r;
    if (socket.state() != QAbstractSocket::UnconnectedState && !closed.wait(10000))
        return r;
    const QByteArray all = socket.readAll();
    const qsizetype end = all.indexOf("\r\n\r\n");
    if (end < 0)
        return r;
    const QList<QByteArray> lines = all.left(end).split('\n');
    r.status = lines.value(0).split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            r.headers.append(
                {lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed()});
    }
    r.body = all.mid(end + 4);
    return r;
}

QByteArray sign(const QByteArray &secret, const QByteArray &method, const QByteArray &query,
                const QByteArray &host, const QByteArray &time, const QByteArray &body)
{
    return Crypto::hmacSha256(secret, AdminAuth::signedMessage(method, query, host, time, body))
        .toHex();
}

QByteArray nowText(qint64 offsetSec = 0)
{
    return QByteArray::number(QDateTime::currentSecsSinceEpoch() + offsetSec);
}

// The current time with a fraction that differs on every call: two identical requests within
// one second are two different signatures (a signature is accepted once).
QByteArray uniqueTime()
{
    static int counter = 0;
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    return QByteArray::number(ms / 1000) + '.'
        + QByteArray::number(ms % 1000).rightJustified(3, '0')
        + QByteArray::number(++counter % 1000000).rightJustified(6, '0');
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

class WsClient {
public:
    explicit WsClient(quint16 port) : m_frames(&m_socket, &QWebSocket::textMessageReceived)
    {
        m_socket.open(QUrl(u"ws://127.0.0.1:%1/signal.ashx"_s.arg(port)));
    }
    QWebSocket &socket() { return m_socket; }
    bool connected()
    {
        QSignalSpy spy(&m_socket, &QWebSocket::connected);
        return m_socket.state() == QAbstractSocket::ConnectedState || spy.wait(5000);
    }
    void send(const QJsonObject &o) { m_socket.sendTextMessage(QString::fromUtf8(compact(o))); }
    QJsonObject next(const QString &type)
    {
        for (int idle = 0; idle < 50;) {
            while (m_seen < m_frames.size()) {
                const QJsonObject f
                    = QJsonDocument::fromJson(m_frames.at(m_seen++).at(0).toString().toUtf8())
                          .object();
                if (f.value("type"_L1).toString() == type)
                    return f;
            }
            if (!m_frames.wait(100))
                ++idle;
        }
        return {};
    }

private:
    QWebSocket m_socket;
    QSignalSpy m_frames;
    qsizetype m_seen = 0;
};
} // namespace

class tst_Admin : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void auth_data();
    void auth();
    void replay();
    void replayCacheBounded();
    void noCors();
    void virtualNumbers();
    void badFields_data();
    void badFields();
    void aliasesAndWhitelist();
    void logsPaging();
    void kick();
    void statsAndApidoc();
    void telephonyState();
    void vnumOverviewWithBearer();
    void privateValuesStayPrivate_data();
    void privateValuesStayPrivate();

private:
    // A request signed with `secret` for `signedHost` (defaults: tenant A), sent to `host`.
    Reply admin(const QByteArray &method, const QByteArray &query, const QByteArray &body = {},
                const QByteArray &host = hostA);
    quint16 port() const { return m_app->httpPort(); }

    QTemporaryDir m_dir;
    TestIssuer m_issuer;
    std::unique_ptr<Application> m_app;
    QString m_unauthorisedMessage;
};

void tst_Admin::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_issuer.addKey(u"k1"_s, TestIssuer::KeyType::Ec);
    const QString jwksPath = m_dir.filePath(u"jwks.json"_s);
    QFile jwks(jwksPath);
    QVERIFY(jwks.open(QIODevice::WriteOnly));
    jwks.write(m_issuer.jwks());
    jwks.close();

    const QJsonObject cfg{
        {u"listen"_s, u"127.0.0.1:0"_s},
        {u"dataDir"_s, m_dir.path()},
        {u"tenants"_s,
         QJsonArray{
             QJsonObject{{u"hosts"_s, QJsonArray{u"a.test"_s, u"127.0.0.1"_s}},
                         {u"adminSecret"_s, QString::fromLatin1(secretA)},
                         {u"previousAdminSecret"_s, QString::fromLatin1(previousSecretA)},
                         {u"previousSecretsUntil"_s,
                          QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate)},
                         {u"officeKeys"_s, QJsonArray{u"office-key-a"_s}},
                         {u"bridgeSecret"_s, u"bridge-secret-of-a"_s},
                         {u"oidc"_s,
                          QJsonObject{{u"issuer"_s, m_issuer.issuer()},
                                      {u"audience"_s, m_issuer.audience()},
                                      {u"jwksFile"_s, jwksPath},
                                      {u"adminGroups"_s, QJsonArray{u"sb-admins"_s}}}}},
             QJsonObject{{u"hosts"_s, QJsonArray{u"b.test"_s}},
                         {u"adminSecret"_s, QString::fromLatin1(secretB)},
                         {u"previousAdminSecret"_s, QString::fromLatin1(previousSecretB)},
                         {u"previousSecretsUntil"_s,
                          QDateTime::currentDateTimeUtc().addSecs(-1).toString(Qt::ISODate)},
                         {u"bridgeSecret"_s, u"bridge-secret-of-b"_s}}}}};
    QString error;
    const auto config = ServerConfig::parse(QJsonDocument(cfg).toJson(), &error);
    QVERIFY2(config, qPrintable(error));
    m_app = std::make_unique<Application>(*config);
    QVERIFY2(m_app->start(&error), qPrintable(error));
    QVERIFY(m_app->tenantForHost(u"a.test"_s)->oidc()->keyCount() == 1);

    const Reply r = http(port(), "GET", "stats=1", hostA);
    QCOMPARE(r.status, 401);
    m_unauthorisedMessage = r.json().value("message"_L1).toString();
    QVERIFY(!m_unauthorisedMessage.isEmpty());
}

void tst_Admin::cleanupTestCase()
{
    m_app.reset();
}

Reply tst_Admin::admin(const QByteArray &method, const QByteArray &query, const QByteArray &body,
                       const QByteArray &host)
{
    const QByteArray secret = host == hostB ? secretB : secretA;
    const QByteArray time = uniqueTime();
    return http(
        port(), method, query, host,
        {{"X-Admin-Time", time}, {"X-Admin-Sig", sign(secret, method, query, host, time, body)}},
        body);
}

void tst_Admin::auth_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<int>("status");

    const QByteArray t = nowText();
    auto hmac = [](const QByteArray &time, const QByteArray &sig) {
        return Headers{{"X-Admin-Time", time}, {"X-Admin-Sig", sig}};
    };
    const QByteArray q = "stats=1";
    const QByteArray kickBody = R"({"peerId":"nobody-here"})";

    QTest::addRow("valid signature") << QByteArray("GET") << q << hostA << QByteArray()
                                     << hmac(t, sign(secretA, "GET", q, hostA, t, {})) << 200;
    // Each accepted row signs a different message: a signature is accepted once.
    const QByteArray t2 = nowText(-2);
    QTest::addRow("upper-case hex")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(t2, sign(secretA, "GET", q, hostA, t2, {}).toUpper()) << 200;
    const QByteArray frac = t + ".250";
    QTest::addRow("time with a fraction, signed as sent")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(frac, sign(secretA, "GET", q, hostA, frac, {})) << 200;
    const QByteArray older = nowText(-200);
    QTest::addRow("time 200 s old")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(older, sign(secretA, "GET", q, hostA, older, {})) << 200;
    QTest::addRow("tenant B with its own secret")
        << QByteArray("GET") << q << hostB << QByteArray()
        << hmac(t, sign(secretB, "GET", q, hostB, t, {})) << 200;
    QTest::addRow("body signed (kick of nobody: 404)")
        << QByteArray("POST") << QByteArray("kick=1") << hostA << kickBody
        << hmac(t, sign(secretA, "POST", "kick=1", hostA, t, kickBody)) << 404;

    const QByteArray t3 = nowText(-3);
    QTest::addRow("previous secret inside the rotation window")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(t3, sign(previousSecretA, "GET", q, hostA, t3, {})) << 200;
    QTest::addRow("previous secret after the rotation window")
        << QByteArray("GET") << q << hostB << QByteArray()
        << hmac(t3, sign(previousSecretB, "GET", q, hostB, t3, {})) << 401;
    QTest::addRow("no credentials")
        << QByteArray("GET") << q << hostA << QByteArray() << Headers{} << 401;
    QTest::addRow("wrong secret") << QByteArray("GET") << q << hostA << QByteArray()
                                  << hmac(t, sign("not-the-secret", "GET", q, hostA, t, {})) << 401;
    QTest::addRow("other tenant's secret") << QByteArray("GET") << q << hostA << QByteArray()
                                           << hmac(t, sign(secretB, "GET", q, hostA, t, {})) << 401;
    QTest::addRow("signed for the other host")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(t, sign(secretA, "GET", q, hostB, t, {})) << 401;
    const QByteArray stale = nowText(-301);
    QTest::addRow("stale time") << QByteArray("GET") << q << hostA << QByteArray()
                                << hmac(stale, sign(secretA, "GET", q, hostA, stale, {})) << 401;
    const QByteArray future = nowText(301);
    QTest::addRow("time too far ahead")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(future, sign(secretA, "GET", q, hostA, future, {})) << 401;
    QTest::addRow("time not a number")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac("soon", sign(secretA, "GET", q, hostA, "soon", {})) << 401;
    QTest::addRow("time differs from the signed one")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(t + ".0", sign(secretA, "GET", q, hostA, t, {})) << 401;
    QTest::addRow("body altered") << QByteArray("POST") << QByteArray("kick=1") << hostA
                                  << QByteArray(R"({"peerId":"somebody-else"})")
                                  << hmac(t, sign(secretA, "POST", "kick=1", hostA, t, kickBody))
                                  << 401;
    QTest::addRow("method altered")
        << QByteArray("DELETE") << QByteArray("whitelist&number=12") << hostA << QByteArray()
        << hmac(t, sign(secretA, "GET", "whitelist&number=12", hostA, t, {})) << 401;
    QTest::addRow("query altered")
        << QByteArray("GET") << QByteArray("stats=1&x=1") << hostA << QByteArray()
        << hmac(t, sign(secretA, "GET", q, hostA, t, {})) << 401;
    QTest::addRow("signature not hex")
        << QByteArray("GET") << q << hostA << QByteArray() << hmac(t, QByteArray(64, 'z')) << 401;
    QTest::addRow("signature truncated")
        << QByteArray("GET") << q << hostA << QByteArray()
        << hmac(t, sign(secretA, "GET", q, hostA, t, {}).left(62)) << 401;
    QTest::addRow("time without signature")
        << QByteArray("GET") << q << hostA << QByteArray() << Headers{{"X-Admin-Time", t}} << 401;

    auto bearer = [](const QByteArray &token) {
        return Headers{{"Authorization", "Bearer " + token}};
    };
    QTest::addRow("Bearer with the admin group")
        << QByteArray("GET") << q << hostA << QByteArray()
        << bearer(m_issuer.token(u"k1"_s, m_issuer.claims(u"Root"_s, {u"staff"_s, u"sb-admins"_s})))
        << 200;
    QTest::addRow("Bearer without the admin group")
        << QByteArray("GET") << q << hostA << QByteArray()
        << bearer(m_issuer.token(u"k1"_s, m_issuer.claims(u"Staff"_s, {u"staff"_s}))) << 401;
    QJsonObject expired = m_issuer.claims(u"Root"_s, {u"sb-admins"_s});
    expired.insert(u"exp"_s, QDateTime::currentSecsSinceEpoch() - 3600);
    QTest::addRow("Bearer expired") << QByteArray("GET") << q << hostA << QByteArray()
                                    << bearer(m_issuer.token(u"k1"_s, expired)) << 401;
    QTest::addRow("Bearer alg none")
        << QByteArray("GET") << q << hostA << QByteArray()
        << bearer(m_issuer.token(u"k1"_s, m_issuer.claims(u"Root"_s, {u"sb-admins"_s}), u"none"_s))
        << 401;
    QTest::addRow("Bearer garbage")
        << QByteArray("GET") << q << hostA << QByteArray() << bearer("garbage") << 401;
    QTest::addRow("Bearer at a tenant without OIDC")
        << QByteArray("GET") << q << hostB << QByteArray()
        << bearer(m_issuer.token(u"k1"_s, m_issuer.claims(u"Root"_s, {u"sb-admins"_s}))) << 401;
    QTest::addRow("Basic auth") << QByteArray("GET") << q << hostA << QByteArray()
                                << Headers{{"Authorization", "Basic " + secretA.toBase64()}} << 401;
}

void tst_Admin::auth()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, body);
    QFETCH(Headers, headers);
    QFETCH(int, status);
    const Reply r = http(port(), method, query, host, headers, body);
    QCOMPARE(r.status, status);
    if (status == 401) {
        // Never says which part failed: one code, one message.
        QCOMPARE(r.json().value("error"_L1).toString(), u"unauthorized"_s);
        QCOMPARE(r.json().value("message"_L1).toString(), m_unauthorisedMessage);
        QVERIFY(!r.json().contains("field"_L1));
    }
}

void tst_Admin::replay()
{
    const QByteArray t = uniqueTime();
    const QByteArray sig = sign(secretA, "GET", "stats=1", hostA, t, {});
    QCOMPARE(
        http(port(), "GET", "stats=1", hostA, {{"X-Admin-Time", t}, {"X-Admin-Sig", sig}}).status,
        200);
    QCOMPARE(
        http(port(), "GET", "stats=1", hostA, {{"X-Admin-Time", t}, {"X-Admin-Sig", sig}}).status,
        401);
    // The same signature in the other case of hex is the same MAC.
    QCOMPARE(
        http(port(), "GET", "stats=1", hostA, {{"X-Admin-Time", t}, {"X-Admin-Sig", sig.toUpper()}})
            .status,
        401);
    // A refused (tampered) request does not spend a valid signature.
    const QByteArray t2 = uniqueTime();
    const QByteArray sig2 = sign(secretA, "GET", "stats=1", hostA, t2, {});
    QCOMPARE(
        http(port(), "GET", "stats=1&more=1", hostA, {{"X-Admin-Time", t2}, {"X-Admin-Sig", sig2}})
            .status,
        401);
    QCOMPARE(
        http(port(), "GET", "stats=1", hostA, {{"X-Admin-Time", t2}, {"X-Admin-Sig", sig2}}).status,
        200);
}

void tst_Admin::replayCacheBounded()
{
    // AdminAuth alone, with room for one signature: a full cache refuses (fails closed) and an
    // entry is forgotten once its time has left the window, freeing the room.
    TenantConfig tc;
    tc.host = u"c.test"_s;
    tc.hosts = {tc.host};
    tc.adminSecret = "c-secret";
    ServerConfig sc;
    Tenant tenant(tc, sc);
    AdminAuth auth(1);
    auto attempt = [&](const QByteArray &time) {
        HttpRequest req;
        req.method = "GET";
        req.query = "stats=1";
        req.host = u"c.test"_s;
        req.headers = {{"x-admin-time", time},
                       {"x-admin-sig", sign("c-secret", "GET", "stats=1", "c.test", time, {})}};
        HttpApi::Context ctx{req, tenant, u"stats"_s, {}, {}};
        try {
            auth.authorize(ctx);
            return ctx.actor;
        } catch (const ApiError &) {
            return QString();
        }
    };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Signed 299.8 s ago: valid for another 200 ms.
    const QByteArray nearlyStale = QByteArray::number((now - 299800) / 1000) + '.'
        + QByteArray::number((now - 299800) % 1000).rightJustified(3, '0');
    QCOMPARE(attempt(nearlyStale), u"admin-secret"_s);
    QCOMPARE(auth.rememberedCount(), 1);
    QCOMPARE(attempt(uniqueTime()), QString()); // full: refused although valid
    QVERIFY(QTest::qWaitFor([&] { return attempt(uniqueTime()) == u"admin-secret"_s; }, 5000));
    QCOMPARE(auth.rememberedCount(), 1);
}

void tst_Admin::noCors()
{
    const QByteArray t = uniqueTime();
    const Reply r = http(port(), "GET", "stats=1", hostA,
                         {{"Origin", "https://evil.example"},
                          {"X-Admin-Time", t},
                          {"X-Admin-Sig", sign(secretA, "GET", "stats=1", hostA, t, {})}});
    QCOMPARE(r.status, 200);
    QVERIFY(!r.hasHeaderPrefix("access-control-"));
    const Reply denied
        = http(port(), "GET", "stats=1", hostA, {{"Origin", "https://evil.example"}});
    QCOMPARE(denied.status, 401);
    QVERIFY(!denied.hasHeaderPrefix("access-control-"));
    const Reply options
        = http(port(), "OPTIONS", "stats=1", hostA, {{"Origin", "https://evil.example"}});
    QCOMPARE(options.status, 405);
    QVERIFY(!options.hasHeaderPrefix("access-control-"));
}

void tst_Admin::virtualNumbers()
{
    const QJsonObject vn{{u"number"_s, u"2000"_s}, {u"name"_s, u"Reception"_s},
                         {u"mode"_s, u"tts"_s},    {u"text"_s, u"Welcome"_s},
                         {u"startMs"_s, 1500},     {u"maxSec"_s, 120},
                         {u"loop"_s, true},        {u"visibility"_s, u"internal"_s}};
    Reply r = admin("POST", "virtualnumbers=1", compact(vn));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json(), vn);
    QCOMPARE(admin("POST", "virtualnumbers=1", compact(vn)).status, 409);
    r = admin("GET", "virtualnumbers=1");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value("virtualNumbers"_L1).toArray(), QJsonArray{vn});
    // Saving a virtual number puts it on the whitelist.
    r = admin("GET", "whitelist=1");
    bool listed = false;
    for (const QJsonValue &w : r.json().value("whitelist"_L1).toArray())
        listed = listed || w.toObject().value("number"_L1).toString() == u"2000"_s;
    QVERIFY(listed);

    // PUT updates the fields given and keeps the rest.
    r = admin("PUT", "virtualnumbers=1", R"({"number":"2000","name":"Front desk","loop":false})");
    QCOMPARE(r.status, 200);
    QJsonObject updated = vn;
    updated.insert(u"name"_s, u"Front desk"_s);
    updated.insert(u"loop"_s, false);
    QCOMPARE(r.json(), updated);
    QCOMPARE(admin("GET", "virtualnumbers=1").json().value("virtualNumbers"_L1).toArray(),
             QJsonArray{updated});
    QCOMPARE(admin("PUT", "virtualnumbers=1", R"({"number":"2999","name":"Nobody"})").status, 404);

    // Tenant B does not see tenant A's numbers.
    QCOMPARE(
        admin("GET", "virtualnumbers=1", {}, hostB).json().value("virtualNumbers"_L1).toArray(),
        QJsonArray());
    QCOMPARE(admin("DELETE", "virtualnumbers&number=2000", {}, hostB).status, 404);

    QCOMPARE(admin("DELETE", "virtualnumbers&number=2000").status, 200);
    QCOMPARE(admin("DELETE", "virtualnumbers&number=2000").status, 404);
    QCOMPARE(admin("GET", "virtualnumbers=1").json().value("virtualNumbers"_L1).toArray(),
             QJsonArray());

    r = admin("PATCH", "virtualnumbers=1", compact(vn));
    QCOMPARE(r.status, 405);
    QVERIFY(r.header("allow").contains("DELETE"));
}

void tst_Admin::badFields_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");

    const QByteArray vq = "virtualnumbers=1";
    auto vn = [](const QString &key, const QJsonValue &value) {
        QJsonObject o{{u"number"_s, u"3000"_s}, {u"name"_s, u"Line"_s}, {u"mode"_s, u"ai"_s}};
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
        return compact(o);
    };
    QTest::addRow("vnum number letters")
        << QByteArray("POST") << vq << vn(u"number"_s, u"abc"_s) << u"number"_s;
    QTest::addRow("vnum number missing")
        << QByteArray("POST") << vq << vn(u"number"_s, QJsonValue::Undefined) << u"number"_s;
    QTest::addRow("vnum number as integer")
        << QByteArray("POST") << vq << vn(u"number"_s, 3000) << u"number"_s;
    QTest::addRow("vnum name empty")
        << QByteArray("POST") << vq << vn(u"name"_s, u""_s) << u"name"_s;
    QTest::addRow("vnum name control char")
        << QByteArray("POST") << vq << vn(u"name"_s, u"a\u0007b"_s) << u"name"_s;
    QTest::addRow("vnum mode unknown")
        << QByteArray("POST") << vq << vn(u"mode"_s, u"fax"_s) << u"mode"_s;
    QTest::addRow("vnum maxSec negative")
        << QByteArray("POST") << vq << vn(u"maxSec"_s, -1) << u"maxSec"_s;
    QTest::addRow("vnum startMs fraction")
        << QByteArray("POST") << vq << vn(u"startMs"_s, 1.5) << u"startMs"_s;
    QTest::addRow("vnum loop string")
        << QByteArray("POST") << vq << vn(u"loop"_s, u"yes"_s) << u"loop"_s;
    QTest::addRow("vnum visibility unknown")
        << QByteArray("POST") << vq << vn(u"visibility"_s, u"secret"_s) << u"visibility"_s;
    QTest::addRow("vnum text number") << QByteArray("POST") << vq << vn(u"text"_s, 5) << u"text"_s;
    QTest::addRow("vnum unknown field")
        << QByteArray("POST") << vq << vn(u"colour"_s, u"red"_s) << u"colour"_s;
    QTest::addRow("vnum PUT without number")
        << QByteArray("PUT") << vq << QByteArray(R"({"name":"x"})") << u"number"_s;
    QTest::addRow("vnum body not JSON")
        << QByteArray("POST") << vq << QByteArray("number=3000") << QString();
    QTest::addRow("vnum body an array")
        << QByteArray("POST") << vq << QByteArray("[]") << QString();
    QTest::addRow("vnum duplicate key")
        << QByteArray("POST") << vq
        << QByteArray(R"({"number":"3000","number":"3001","name":"a","mode":"ai"})") << QString();
    QTest::addRow("vnum DELETE without number")
        << QByteArray("DELETE") << vq << QByteArray() << u"number"_s;
    QTest::addRow("alias number bad")
        << QByteArray("POST") << QByteArray("aliases=1")
        << QByteArray(R"({"number":"+0123","name":"x"})") << u"number"_s;
    QTest::addRow("alias name missing") << QByteArray("POST") << QByteArray("aliases=1")
                                        << QByteArray(R"({"number":"+4930123456"})") << u"name"_s;
    QTest::addRow("whitelist note too long")
        << QByteArray("POST") << QByteArray("whitelist=1")
        << compact({{u"number"_s, u"+4930123456"_s}, {u"note"_s, QString(201, u'x')}}) << u"note"_s;
    QTest::addRow("whitelist DELETE bad number")
        << QByteArray("DELETE") << QByteArray("whitelist&number=x") << QByteArray() << u"number"_s;
    QTest::addRow("kick without peerId") << QByteArray("POST") << QByteArray("kick=1")
                                         << QByteArray(R"({"reason":"x"})") << u"peerId"_s;
    QTest::addRow("kick reason not text")
        << QByteArray("POST") << QByteArray("kick=1") << QByteArray(R"({"peerId":"p","reason":7})")
        << u"reason"_s;
    QTest::addRow("cdrlog limit zero")
        << QByteArray("GET") << QByteArray("cdrlog=1&limit=0") << QByteArray() << u"limit"_s;
    QTest::addRow("cdrlog limit huge")
        << QByteArray("GET") << QByteArray("cdrlog=1&limit=5000") << QByteArray() << u"limit"_s;
    QTest::addRow("diallog before text")
        << QByteArray("GET") << QByteArray("diallog=1&before=abc") << QByteArray() << u"before"_s;
    QTest::addRow("diallog from garbage")
        << QByteArray("GET") << QByteArray("diallog=1&from=yesterday") << QByteArray() << u"from"_s;
    QTest::addRow("cdrlog to garbage")
        << QByteArray("GET") << QByteArray("cdrlog=1&to=2026-13-45") << QByteArray() << u"to"_s;
}

void tst_Admin::badFields()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const Reply r = admin(method, query, body);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json().value("error"_L1).toString(), u"bad-request"_s);
    QCOMPARE(r.json().value("field"_L1).toString(), field);
    QVERIFY(!r.json().value("message"_L1).toString().isEmpty());
    // Nothing was created.
    QCOMPARE(admin("GET", "virtualnumbers=1").json().value("virtualNumbers"_L1).toArray(),
             QJsonArray());
}

void tst_Admin::aliasesAndWhitelist()
{
    const QJsonObject alias{{u"number"_s, u"+4930111222"_s}, {u"name"_s, u"Main office"_s}};
    QCOMPARE(admin("POST", "aliases=1", compact(alias)).status, 201);
    QCOMPARE(admin("POST", "aliases=1", compact(alias)).status, 409);
    QCOMPARE(admin("PUT", "aliases=1", R"({"number":"+4930111222","name":"Head office"})").status,
             200);
    QCOMPARE(admin("PUT", "aliases=1", R"({"number":"+4930999999","name":"Nobody"})").status, 404);
    const QJsonArray aliases = admin("GET", "aliases=1").json().value("aliases"_L1).toArray();
    QCOMPARE(
        aliases,
        QJsonArray({QJsonObject{{u"number"_s, u"+4930111222"_s}, {u"name"_s, u"Head office"_s}}}));
    // `+` in a query value is a literal plus.
    QCOMPARE(admin("DELETE", "aliases&number=+4930111222").status, 200);
    QCOMPARE(admin("DELETE", "aliases&number=+4930111222").status, 404);

    QCOMPARE(admin("POST", "whitelist=1", R"({"number":"+4930555666","note":"supplier"})").status,
             201);
    QCOMPARE(admin("POST", "whitelist=1", R"({"number":"+4930555666"})").status, 409);
    QCOMPARE(admin("POST", "whitelist=1", R"({"number":"42"})").status, 201);
    const QJsonArray list = admin("GET", "whitelist=1").json().value("whitelist"_L1).toArray();
    QVERIFY(
        list.contains(QJsonObject{{u"number"_s, u"+4930555666"_s}, {u"note"_s, u"supplier"_s}}));
    QVERIFY(list.contains(QJsonObject{{u"number"_s, u"42"_s}})); // note omitted when empty
    QCOMPARE(admin("PUT", "whitelist=1", R"({"number":"42","note":"lift"})").status, 200);
    QCOMPARE(admin("DELETE", "whitelist&number=%2B4930555666").status, 200);
    QCOMPARE(admin("DELETE", "whitelist&number=42").status, 200);
    QCOMPARE(admin("GET", "whitelist=1", {}, hostB).json().value("whitelist"_L1).toArray(),
             QJsonArray());
}

void tst_Admin::logsPaging()
{
    Store &store = m_app->store();
    const QString a = u"a.test"_s;
    const QDateTime base = QDateTime::fromString(u"2026-01-10T12:00:00.000Z"_s, Qt::ISODateWithMs);
    QList<qint64> ids;
    for (int i = 0; i < 5; ++i) {
        CdrRecord c;
        c.callId = u"call-%1"_s.arg(i);
        c.direction = u"in"_s;
        c.from = u"+491700000%1"_s.arg(i);
        c.to = u"*"_s;
        c.room = u"call-room-%1"_s.arg(i);
        c.startedAt = base.addSecs(i * 3600);
        c.answeredAt = i % 2 ? c.startedAt.addSecs(5) : QDateTime();
        c.endedAt = c.startedAt.addSecs(60);
        c.result = i % 2 ? u"answered"_s : u"missed"_s;
        ids.append(store.addCdr(a, c));
        QVERIFY(ids.last() > 0);
        DialLogRecord d;
        d.at = base.addSecs(i * 3600);
        d.room = u"r%1"_s.arg(i);
        d.peerId = u"peer%1"_s.arg(i);
        d.number = u"+49300000%1"_s.arg(i);
        d.outcome = u"dialing"_s;
        d.callId = u"dial-%1"_s.arg(i);
        QVERIFY(store.addDial(a, d) > 0);
    }
    CdrRecord other;
    other.callId = u"b-call"_s;
    other.direction = u"in"_s;
    other.from = u"+4917099999"_s;
    other.to = u"*"_s;
    other.startedAt = base;
    other.endedAt = base.addSecs(1);
    other.result = u"missed"_s;
    QVERIFY(store.addCdr(u"b.test"_s, other) > 0);

    Reply r = admin("GET", "cdrlog=1&limit=2");
    QCOMPARE(r.status, 200);
    QJsonArray rows = r.json().value("cdrs"_L1).toArray();
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].toObject().value("callId"_L1).toString(), u"call-4"_s); // newest first
    QCOMPARE(rows[1].toObject().value("callId"_L1).toString(), u"call-3"_s);
    const QRegularExpression rfc3339(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    QVERIFY(rfc3339.match(rows[0].toObject().value("startedAt"_L1).toString()).hasMatch());
    QCOMPARE(rows[0].toObject().value("startedAt"_L1).toString(), u"2026-01-10T16:00:00.000Z"_s);
    QVERIFY(!rows[0].toObject().contains("answeredAt"_L1));
    QVERIFY(rfc3339.match(rows[1].toObject().value("answeredAt"_L1).toString()).hasMatch());
    const qint64 next = qint64(r.json().value("nextBefore"_L1).toDouble());
    QCOMPARE(next, ids[3]);

    r = admin("GET", "cdrlog=1&limit=2&before=" + QByteArray::number(next));
    rows = r.json().value("cdrs"_L1).toArray();
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].toObject().value("callId"_L1).toString(), u"call-2"_s);
    r = admin("GET", "cdrlog=1&limit=2&before=" + QByteArray::number(ids[1]));
    QCOMPARE(r.json().value("cdrs"_L1).toArray().size(), 1);
    QVERIFY(!r.json().contains("nextBefore"_L1));

    // from/to: RFC 3339 or unix seconds.
    r = admin("GET", "cdrlog=1&from=2026-01-10T13:00:00Z&to=2026-01-10T15:00:00Z");
    rows = r.json().value("cdrs"_L1).toArray();
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0].toObject().value("callId"_L1).toString(), u"call-3"_s);
    QCOMPARE(rows[2].toObject().value("callId"_L1).toString(), u"call-1"_s);
    r = admin("GET",
              "cdrlog=1&from=" + QByteArray::number(base.addSecs(4 * 3600).toSecsSinceEpoch()));
    QCOMPARE(r.json().value("cdrs"_L1).toArray().size(), 1);
    // Tenant B's row never shows at A, and A's never at B.
    for (const QJsonValue &v :
         admin("GET", "cdrlog=1&limit=1000").json().value("cdrs"_L1).toArray())
        QVERIFY(v.toObject().value("callId"_L1).toString() != u"b-call"_s);
    QCOMPARE(admin("GET", "cdrlog=1", {}, hostB).json().value("cdrs"_L1).toArray().size(), 1);

    r = admin("GET", "diallog=1&limit=3");
    rows = r.json().value("dials"_L1).toArray();
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0].toObject().value("number"_L1).toString(), u"+493000004"_s);
    QCOMPARE(rows[0].toObject().value("at"_L1).toString(), u"2026-01-10T16:00:00.000Z"_s);
    QVERIFY(r.json().contains("nextBefore"_L1));
    r = admin("GET",
              "diallog=1&before="
                  + QByteArray::number(qint64(r.json().value("nextBefore"_L1).toDouble())));
    QCOMPARE(r.json().value("dials"_L1).toArray().size(), 2);
    QCOMPARE(admin("GET", "diallog=1", {}, hostB).json().value("dials"_L1).toArray().size(), 0);
}

void tst_Admin::kick()
{
    WsClient victim(port());
    WsClient other(port());
    QVERIFY(victim.connected());
    QVERIFY(other.connected());
    victim.send({{u"type"_s, u"join"_s}, {u"room"_s, u"kickroom"_s}, {u"name"_s, u"V"_s}});
    const QString victimId = victim.next(u"welcome"_s).value("peerId"_L1).toString();
    QVERIFY(!victimId.isEmpty());
    other.send({{u"type"_s, u"join"_s}, {u"room"_s, u"kickroom"_s}, {u"name"_s, u"O"_s}});
    QVERIFY(!other.next(u"welcome"_s).isEmpty());

    // Another tenant cannot kick this peer.
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, victimId}}), hostB).status, 404);
    QCOMPARE(admin("POST", "kick=1", R"({"peerId":"no-such-peer"})").status, 404);

    QSignalSpy closed(&victim.socket(), &QWebSocket::disconnected);
    const Reply r = admin("POST", "kick=1",
                          compact({{u"peerId"_s, victimId}, {u"reason"_s, u"Time is up"_s}}));
    QCOMPARE(r.status, 200);
    const QJsonObject kicked = victim.next(u"kicked"_s);
    QCOMPARE(kicked.value("reason"_L1).toString(), u"admin"_s);
    QCOMPARE(kicked.value("message"_L1).toString(), u"Time is up"_s);
    QVERIFY(closed.size() > 0 || closed.wait(5000));
    QCOMPARE(int(victim.socket().closeCode()), 4000);
    const QJsonObject left = other.next(u"peer-left"_s);
    QCOMPARE(left.value("peerId"_L1).toString(), victimId);
    QCOMPARE(left.value("reason"_L1).toString(), u"kicked"_s);
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, victimId}})).status, 404);
}

void tst_Admin::statsAndApidoc()
{
    WsClient c(port());
    QVERIFY(c.connected());
    c.send({{u"type"_s, u"join"_s}, {u"room"_s, u"statsroom"_s}, {u"name"_s, u"S"_s}});
    const QJsonObject welcome = c.next(u"welcome"_s);
    QVERIFY(!welcome.isEmpty());
    Reply r = admin("GET", "stats=1");
    QCOMPARE(r.status, 200);
    const QJsonObject s = r.json();
    QCOMPARE(s.value("tenant"_L1).toString(), u"a.test"_s);
    QVERIFY(s.value("rooms"_L1).toInt() >= 1);
    QVERIFY(s.value("peers"_L1).toInt() >= 1);
    QVERIFY(s.value("sockets"_L1).toInt() >= 1);
    QVERIFY(s.value("uptimeSec"_L1).isDouble());
    QVERIFY(s.value("counters"_L1).toObject().value("peersJoined"_L1).toInt() >= 1);
    QVERIFY(s.value("memory"_L1).toObject().value("residentBytes"_L1).toDouble() > 0);
    for (const char *key : {"officePhones", "ringsInFlight", "bridgeConnected", "startedAt"})
        QVERIFY2(s.contains(QLatin1StringView(key)), key);
    QCOMPARE(s.value("heldPeers"_L1).toInt(), 0);
    // A socket lost without a close frame holds its peer (counted in peers too) until a resume.
    const int peers = s.value("peers"_L1).toInt();
    c.socket().abort();
    QTRY_COMPARE(admin("GET", "stats=1").json().value("heldPeers"_L1).toInt(), 1);
    QCOMPARE(admin("GET", "stats=1").json().value("peers"_L1).toInt(), peers);
    WsClient resumed(port());
    QVERIFY(resumed.connected());
    resumed.send({{u"type"_s, u"join"_s},
                  {u"room"_s, u"statsroom"_s},
                  {u"name"_s, u"S"_s},
                  {u"resume"_s, welcome.value("resumeToken"_L1)}});
    QCOMPARE(resumed.next(u"welcome"_s).value("resumed"_L1).toBool(), true);
    QCOMPARE(admin("GET", "stats=1").json().value("heldPeers"_L1).toInt(), 0);
    QCOMPARE(admin("GET", "stats=1", {}, hostB).json().value("rooms"_L1).toInt(), 0);

    r = admin("GET", "apidoc=1");
    QCOMPARE(r.status, 200);
    QStringList adminFlags;
    for (const QJsonValue &v : r.json().value("routes"_L1).toArray()) {
        if (v.toObject().value("access"_L1).toString() == u"admin"_s) {
            adminFlags.append(v.toObject().value("flag"_L1).toString());
            QVERIFY(!v.toObject().value("summary"_L1).toString().isEmpty());
        }
    }
    for (const QString &flag : {u"stats"_s, u"diallog"_s, u"cdrlog"_s, u"registrar"_s, u"aliases"_s,
                                u"whitelist"_s, u"virtualnumbers"_s, u"kick"_s, u"apidoc"_s})
        QVERIFY2(adminFlags.contains(flag), qPrintable(flag));
    QCOMPARE(admin("GET", "registrar=1").json().value("registrar"_L1).toArray(), QJsonArray());
}

void tst_Admin::telephonyState()
{
    // A bridge session reports its registrar; an office phone registers; ?stats, ?registrar and
    // ?kick see them.
    WsClient bridge(port());
    QVERIFY(bridge.connected());
    const qint64 t = QDateTime::currentSecsSinceEpoch();
    const QByteArray sig
        = Crypto::hmacSha256("bridge-secret-of-a",
                             QByteArray("bridge-hello|127.0.0.1|" + QByteArray::number(t)))
              .toHex();
    bridge.send(
        {{u"type"_s, u"bridge-hello"_s}, {u"time"_s, t}, {u"sig"_s, QString::fromLatin1(sig)}});
    QVERIFY(!bridge.next(u"bridge-welcome"_s).isEmpty());
    const QJsonArray entries{QJsonObject{{u"extension"_s, u"201"_s},
                                         {u"contact"_s, u"sip:201@10.1.2.3:5060"_s},
                                         {u"userAgent"_s, u"Desk phone"_s}}};
    bridge.send({{u"type"_s, u"registrar"_s}, {u"entries"_s, entries}});
    QTRY_COMPARE(admin("GET", "registrar=1").json().value("registrar"_L1).toArray(), entries);
    const QRegularExpression rfc3339(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    QVERIFY(rfc3339.match(admin("GET", "registrar=1").json().value("reportedAt"_L1).toString())
                .hasMatch());
    QCOMPARE(admin("GET", "registrar=1", {}, hostB).json().value("registrar"_L1).toArray(),
             QJsonArray());

    WsClient phone(port());
    QVERIFY(phone.connected());
    phone.send({{u"type"_s, u"register"_s},
                {u"extension"_s, u"201"_s},
                {u"officeKey"_s, u"office-key-a"_s}});
    const QString phoneId = phone.next(u"registered"_s).value("peerId"_L1).toString();
    QVERIFY(!phoneId.isEmpty());

    QJsonObject s = admin("GET", "stats=1").json();
    QCOMPARE(s.value("bridgeConnected"_L1).toBool(), true);
    QCOMPARE(s.value("officePhones"_L1).toInt(), 1);
    QCOMPARE(s.value("ringsInFlight"_L1).toInt(), 0);
    QCOMPARE(admin("GET", "stats=1", {}, hostB).json().value("officePhones"_L1).toInt(), 0);

    // A phone in no room is kicked too.
    QSignalSpy closed(&phone.socket(), &QWebSocket::disconnected);
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, phoneId}}), hostB).status, 404);
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, phoneId}})).status, 200);
    QCOMPARE(phone.next(u"kicked"_s).value("reason"_L1).toString(), u"admin"_s);
    QVERIFY(closed.size() > 0 || closed.wait(5000));
    QCOMPARE(int(phone.socket().closeCode()), 4000);
    QTRY_COMPARE(admin("GET", "stats=1").json().value("officePhones"_L1).toInt(), 0);
}

void tst_Admin::vnumOverviewWithBearer()
{
    QCOMPARE(
        admin("POST", "virtualnumbers=1",
              R"({"number":"7100","name":"Staff Only Line","mode":"ai","visibility":"internal"})")
            .status,
        201);
    QCOMPARE(admin("POST", "virtualnumbers=1",
                   R"({"number":"7101","name":"Open Line","mode":"ai","visibility":"anonymous"})")
                 .status,
             201);
    auto numbers = [this](const QByteArray &host, const Headers &headers) {
        const Reply r = http(port(), "GET", "vnum-overview=1", host, headers);
        QStringList out;
        for (const QJsonValue &v : r.json().value("virtualNumbers"_L1).toArray())
            out.append(v.toObject().value("number"_L1).toString());
        return r.status == 200 ? out : QStringList{u"status %1"_s.arg(r.status)};
    };
    auto bearer = [](const QByteArray &token) {
        return Headers{{"Authorization", "Bearer " + token}};
    };
    const QByteArray staff = m_issuer.token(u"k1"_s, m_issuer.claims(u"Staff"_s, {u"staff"_s}));
    QJsonObject expiredClaims = m_issuer.claims(u"Staff"_s);
    expiredClaims.insert(u"exp"_s, QDateTime::currentSecsSinceEpoch() - 3600);

    QCOMPARE(numbers(hostA, {}), QStringList{u"7101"_s});
    // Any valid token of the tenant's issuer, admin or not, also sees internal rows.
    QCOMPARE(numbers(hostA, bearer(staff)), QStringList({u"7100"_s, u"7101"_s}));
    // An invalid Bearer gets the anonymous answer, not an error.
    QCOMPARE(numbers(hostA, bearer(m_issuer.token(u"k1"_s, expiredClaims))),
             QStringList{u"7101"_s});
    QCOMPARE(numbers(hostA, bearer("garbage")), QStringList{u"7101"_s});
    QCOMPARE(numbers(hostB, bearer(staff)), QStringList());

    QCOMPARE(admin("DELETE", "virtualnumbers&number=7100").status, 200);
    QCOMPARE(admin("DELETE", "virtualnumbers&number=7101").status, 200);
}

void tst_Admin::privateValuesStayPrivate_data()
{
    // Admin-only values, planted through the admin API and the store, then looked for in every
    // public answer of both tenants.
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<bool>("withBearer");
    for (const QByteArray &host : {hostA, hostB}) {
        for (const QByteArray &q : {QByteArray("healthsummary=1"), QByteArray("vnum-overview=1"),
                                    QByteArray("cameras=1")}) {
            QTest::addRow("%s %s", host.constData(), q.constData()) << q << host << false;
            QTest::addRow("%s %s with a non-admin Bearer", host.constData(), q.constData())
                << q << host << true;
        }
    }
}

void tst_Admin::privateValuesStayPrivate()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, host);
    QFETCH(bool, withBearer);

    static bool planted = false;
    const QStringList secrets{u"TTS-PRIVATE-TEXT-7731"_s, u"+4915199887766"_s,
                              u"Private Alias Person"_s,  u"+4930444555666"_s,
                              u"note-private-4242"_s,     u"+4917012345999"_s,
                              u"+4930777888999"_s};
    if (!planted) {
        planted = true;
        QCOMPARE(admin("POST", "virtualnumbers=1",
                       compact({{u"number"_s, u"7001"_s},
                                {u"name"_s, u"Public Line"_s},
                                {u"mode"_s, u"tts"_s},
                                {u"text"_s, secrets[0]},
                                {u"startMs"_s, 987654},
                                {u"maxSec"_s, 4321},
                                {u"visibility"_s, u"anonymous"_s}}))
                     .status,
                 201);
        QCOMPARE(admin("POST", "aliases=1",
                       compact({{u"number"_s, secrets[1]}, {u"name"_s, secrets[2]}}))
                     .status,
                 201);
        QCOMPARE(admin("POST", "whitelist=1",
                       compact({{u"number"_s, secrets[3]}, {u"note"_s, secrets[4]}}))
                     .status,
                 201);
        CdrRecord c;
        c.callId = u"leak-call"_s;
        c.direction = u"in"_s;
        c.from = secrets[5];
        c.to = u"*"_s;
        c.startedAt = QDateTime::currentDateTimeUtc();
        c.endedAt = c.startedAt;
        c.result = u"missed"_s;
        QVERIFY(m_app->store().addCdr(u"a.test"_s, c) > 0);
        DialLogRecord d;
        d.at = QDateTime::currentDateTimeUtc();
        d.number = secrets[6];
        d.outcome = u"forbidden"_s;
        QVERIFY(m_app->store().addDial(u"a.test"_s, d) > 0);
        // The admin side does show them, so the check below can fail.
        const QByteArray adminView = admin("GET", "virtualnumbers=1").body
            + admin("GET", "aliases=1").body + admin("GET", "whitelist=1").body
            + admin("GET", "cdrlog=1").body + admin("GET", "diallog=1").body;
        for (const QString &s : secrets)
            QVERIFY2(adminView.contains(s.toUtf8()), qPrintable(s));
    }

    QList<QPair<QByteArray, QByteArray>> headers;
    if (withBearer)
        headers.append(
            {"Authorization",
             "Bearer " + m_issuer.token(u"k1"_s, m_issuer.claims(u"Staff"_s, {u"staff"_s}))});
    const Reply r = http(port(), "GET", query, host, headers);
    QCOMPARE(r.status, 200);
    for (const QString &s : secrets)
        QVERIFY2(!r.body.contains(s.toUtf8()), qPrintable(s));
    for (const QByteArray &s : {secretA, secretB, QByteArray("987654"), QByteArray("4321")})
        QVERIFY2(!r.body.contains(s), s.constData());
}

QTEST_GUILESS_MAIN(tst_Admin)
#include "tst_admin.moc"
