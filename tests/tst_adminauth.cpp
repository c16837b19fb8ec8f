// Admin auth over real HTTP (DESIGN.md "Admin requests"): HMAC (replay, window, tampering,
// rotation) and Bearer, the bounded replay cache, no CORS, and what a Bearer sees in
// vnum-overview.

#include "AdminFixture.h"
#include "DataRows.h"

class tst_AdminAuth : public AdminFixture {
    Q_OBJECT
private slots:
    void auth_data();
    void auth();
    void replay();
    void replayCacheBounded();
    void noCors();
    void vnumOverviewWithBearer();
};

void tst_AdminAuth::auth_data()
{
    addColumns<QByteArray, QByteArray, QByteArray, QByteArray, Headers, int>(
        "method", "query", "host", "body", "headers", "status");

    const QByteArray t = nowText();
    auto hmac = [](const QByteArray &time, const QByteArray &sig) {
        return Headers{{"X-Admin-Time", time}, {"X-Admin-Sig", sig}};
    };
    const QByteArray q = "stats=1";
    const QByteArray kickBody = R"({"peerId":"nobody-here"})";

    // Most rows GET the stats (no body) from `host` with other headers.
    const auto get = [&](const char *name, const QByteArray &host, const Headers &headers,
                         int status) {
        QTest::addRow("%s", name) << "GET"_ba << q << host << QByteArray() << headers << status;
    };
    // That GET signed with `secret` at `time` for `signedHost`.
    const auto signedGet = [&](const QByteArray &secret, const QByteArray &time,
                               const QByteArray &signedHost = hostA) {
        return hmac(time, sign(secret, "GET", q, signedHost, time, {}));
    };

    get("valid signature", hostA, signedGet(secretA, t), 200);
    // Each accepted row signs a different message: a signature is accepted once.
    const QByteArray t2 = nowText(-2);
    get("upper-case hex", hostA, hmac(t2, sign(secretA, "GET", q, hostA, t2, {}).toUpper()), 200);
    get("time with a fraction, signed as sent", hostA, signedGet(secretA, t + ".250"), 200);
    get("time 200 s old", hostA, signedGet(secretA, nowText(-200)), 200);
    get("tenant B with its own secret", hostB, signedGet(secretB, t, hostB), 200);
    QTest::addRow("body signed (kick of nobody: 404)")
        << QByteArray("POST") << QByteArray("kick=1") << hostA << kickBody
        << hmac(t, sign(secretA, "POST", "kick=1", hostA, t, kickBody)) << 404;

    const QByteArray t3 = nowText(-3);
    get("previous secret inside the rotation window", hostA, signedGet(previousSecretA, t3), 200);
    get("previous secret after the rotation window", hostB, signedGet(previousSecretB, t3, hostB),
        401);
    get("no credentials", hostA, Headers{}, 401);
    get("wrong secret", hostA, signedGet("not-the-secret", t), 401);
    get("other tenant's secret", hostA, signedGet(secretB, t), 401);
    get("signed for the other host", hostA, signedGet(secretA, t, hostB), 401);
    get("stale time", hostA, signedGet(secretA, nowText(-301)), 401);
    // Whole seconds: 301 s ahead of a truncated now is within 300 s once the rows before it took
    // the rest of that second, so the margin must outlast the run.
    get("time too far ahead", hostA, signedGet(secretA, nowText(Signing::windowSec + 30)), 401);
    get("time not a number", hostA, signedGet(secretA, "soon"), 401);
    get("time differs from the signed one", hostA,
        hmac(t + ".0", sign(secretA, "GET", q, hostA, t, {})), 401);
    QTest::addRow("body altered") << QByteArray("POST") << QByteArray("kick=1") << hostA
                                  << QByteArray(R"({"peerId":"somebody-else"})")
                                  << hmac(t, sign(secretA, "POST", "kick=1", hostA, t, kickBody))
                                  << 401;
    QTest::addRow("method altered")
        << QByteArray("DELETE") << QByteArray("whitelist&number=12") << hostA << QByteArray()
        << hmac(t, sign(secretA, "GET", "whitelist&number=12", hostA, t, {})) << 401;
    QTest::addRow("query altered") << QByteArray("GET") << QByteArray("stats=1&x=1") << hostA
                                   << QByteArray() << signedGet(secretA, t) << 401;
    get("signature not hex", hostA, hmac(t, QByteArray(64, 'z')), 401);
    get("signature truncated", hostA, hmac(t, sign(secretA, "GET", q, hostA, t, {}).left(62)), 401);
    get("time without signature", hostA, Headers{{"X-Admin-Time", t}}, 401);

    // A Bearer token of the test issuer's key with these claims (and alg).
    const auto bearer = [&](const QJsonObject &claims, const QString &alg = {}) {
        return Headers{{"Authorization", "Bearer " + m_issuer.token(u"k1"_s, claims, alg)}};
    };
    const QJsonObject root = m_issuer.claims(u"Root"_s, {u"sb-admins"_s});
    get("Bearer with the admin group", hostA,
        bearer(m_issuer.claims(u"Root"_s, {u"staff"_s, u"sb-admins"_s})), 200);
    get("Bearer without the admin group", hostA, bearer(m_issuer.claims(u"Staff"_s, {u"staff"_s})),
        401);
    QJsonObject expired = root;
    expired.insert(u"exp"_s, QDateTime::currentSecsSinceEpoch() - 3600);
    get("Bearer expired", hostA, bearer(expired), 401);
    get("Bearer alg none", hostA, bearer(root, u"none"_s), 401);
    get("Bearer garbage", hostA, Headers{{"Authorization", "Bearer garbage"}}, 401);
    get("Bearer at a tenant without OIDC", hostB, bearer(root), 401);
    get("Basic auth", hostA, Headers{{"Authorization", "Basic " + secretA.toBase64()}}, 401);
}

void tst_AdminAuth::auth()
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

void tst_AdminAuth::replay()
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

void tst_AdminAuth::replayCacheBounded()
{
    // AdminAuth alone, with room for one signature: a full cache refuses (fails closed) and an
    // entry is forgotten once its time has left the window, freeing the room.
    TenantConfig tc;
    tc.host = u"c.test"_s;
    tc.hosts = {tc.host};
    tc.adminSecret = "c-secret";
    ServerConfig sc;
    Store store; // closed: AdminAuth reads only the tenant's secrets
    Tenant tenant(tc, sc, store);
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

void tst_AdminAuth::noCors()
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

void tst_AdminAuth::vnumOverviewWithBearer()
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

QTEST_GUILESS_MAIN(tst_AdminAuth)
#include "tst_adminauth.moc"
