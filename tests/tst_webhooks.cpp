// The bridge webhooks (DESIGN.md "Webhooks"): order of checks (404, 403, 405, 413, signature
// 401, body 400, time 401), the signature envelope, and the answers of each flag.

#include "DataRows.h"
#include "TelephonyServer.h"

using namespace Qt::StringLiterals;
using namespace harness;

class tst_Webhooks : public TelephonyServer {
    Q_OBJECT
private slots:
    void checks_data();
    void checks();
    void allowFrom();
    void trunkStatusKeepsLatest();
};

void tst_Webhooks::checks_data()
{
    // body: @NOW@ becomes the current unix time
    // sig: how X-Sig is made
    // answer: expected JSON body (compact), or the error code
    addColumns<QByteArray, QByteArray, QByteArray, QByteArray, QString, int, QString>(
        "host", "method", "flag", "body", "sig", "status", "answer");

    const QByteArray ring = R"({"time":@NOW@,"callId":"hook-1","from":"+4930123456","to":"*"})";
    const QByteArray clear = R"({"time":@NOW@,"callId":"hook-unknown","reason":"caller-hung-up"})";
    const QByteArray trunks
        = R"({"time":@NOW@,"trunks":[{"id":"t1","host":"sip.example.net","registered":true}]})";

    // A row: a POST of `flag` to tenant A (127.0.0.1) unless it names another host or method.
    const auto row = [](const QByteArray &flag, const char *name, const QByteArray &body,
                        const char *sig, int status, const char *answer,
                        const QByteArray &host = "127.0.0.1", const QByteArray &method = "POST") {
        QTest::addRow("%s", name) << host << method << flag << body << QString::fromLatin1(sig)
                                  << status << QString::fromLatin1(answer);
    };
    row("office-ring", "ring: good", ring, "good", 200, R"({"delivered":0})");
    row("office-ring", "ring: upper-case hex accepted",
        R"({"time":@NOW@,"callId":"hook-2","from":"100","to":"100"})"_ba, "upper", 200,
        R"({"delivered":0})");
    row("office-ring", "ring: missing signature", ring, "missing", 401, "unauthorized");
    row("office-ring", "ring: bad signature", ring, "bad", 401, "unauthorized");
    row("office-ring", "ring: other tenant's secret", ring, "other-tenant", 401, "unauthorized");
    row("office-ring", "ring: signed for another flag", ring, "other-flag", 401, "unauthorized");
    row("office-ring", "ring: signed for another host", ring, "other-host", 401, "unauthorized");
    row("office-ring", "ring: truncated signature", ring, "short", 401, "unauthorized");
    row("office-ring", "ring: body altered after signing", ring, "altered", 401, "unauthorized");
    row("office-ring", "ring: unknown host", ring, "good", 404, "not-found", "nobody.test");
    row("office-ring", "ring: GET", QByteArray(), "good", 405, "method-not-allowed", "127.0.0.1",
        "GET");
    row("office-ring", "ring: bad signature beats bad body", "not json"_ba, "bad", 401,
        "unauthorized");
    row("office-ring", "ring: not JSON", "not json"_ba, "good", 400, "bad-request");
    row("office-ring", "ring: array", "[1]"_ba, "good", 400, "bad-request");
    row("office-ring", "ring: duplicate key",
        R"({"time":@NOW@,"callId":"a","callId":"b","from":"1","to":"*"})"_ba, "good", 400,
        "bad-request");
    row("office-ring", "ring: callId missing", R"({"time":@NOW@,"from":"1","to":"*"})"_ba, "good",
        400, "bad-request");
    row("office-ring", "ring: callId too long",
        (R"({"time":@NOW@,"callId":")" + QByteArray(129, 'x') + R"(","from":"1","to":"*"})"),
        "good", 400, "bad-request");
    row("office-ring", "ring: callId a number",
        R"({"time":@NOW@,"callId":7,"from":"1","to":"*"})"_ba, "good", 400, "bad-request");
    row("office-ring", "ring: to not an extension",
        R"({"time":@NOW@,"callId":"x","from":"1","to":"1234567"})"_ba, "good", 400, "bad-request");
    row("office-ring", "ring: room not a room id",
        R"({"time":@NOW@,"callId":"x","from":"1","to":"*","room":"a b"})"_ba, "good", 400,
        "bad-request");
    row("office-ring", "ring: time not a number",
        R"({"time":"now","callId":"x","from":"1","to":"*"})"_ba, "good", 400, "bad-request");
    row("office-ring", "ring: time missing", R"({"callId":"x","from":"1","to":"*"})"_ba, "good",
        401, "unauthorized");
    row("office-ring", "ring: time stale", R"({"time":@PAST@,"callId":"x","from":"1","to":"*"})"_ba,
        "good", 401, "unauthorized");
    row("office-ring", "ring: time in the future",
        R"({"time":@FUTURE@,"callId":"x","from":"1","to":"*"})"_ba, "good", 401, "unauthorized");
    row("office-ring", "ring: oversized body",
        (R"({"time":@NOW@,"pad":")" + QByteArray(70000, 'x') + R"("})"), "good", 413,
        "payload-too-large");
    row("office-ring", "ring: tenant B with B's secret", ring, "good-b", 200, R"({"delivered":0})",
        "localhost");
    row("office-ring", "ring: previous secret inside the rotation window",
        R"({"time":@NOW@,"callId":"hook-rotated","from":"1","to":"*"})"_ba, "previous", 200,
        R"({"delivered":0})");
    row("office-ring", "ring: previous secret after the rotation window", ring, "previous-b", 401,
        "unauthorized", "localhost");
    row("office-ring", "ring: tenant B with A's secret", ring, "good", 401, "unauthorized",
        "localhost");
    row("office-ring-clear", "clear: unknown callId is ok", clear, "good", 200, R"({"ok":true})");
    row("office-ring-clear", "clear: missing signature", clear, "missing", 401, "unauthorized");
    row("office-ring-clear", "clear: callId missing", R"({"time":@NOW@})"_ba, "good", 400,
        "bad-request");
    row("office-ring-clear", "clear: reason not a string",
        R"({"time":@NOW@,"callId":"x","reason":5})"_ba, "good", 400, "bad-request");
    row("trunk-status", "trunks: good", trunks, "good", 200, R"({"ok":true})");
    row("trunk-status", "trunks: bad signature", trunks, "bad", 401, "unauthorized");
    row("trunk-status", "trunks: not an array", R"({"time":@NOW@,"trunks":{}})"_ba, "good", 400,
        "bad-request");
    row("trunk-status", "trunks: registered not a bool",
        R"({"time":@NOW@,"trunks":[{"id":"t","host":"h","registered":1}]})"_ba, "good", 400,
        "bad-request");
    row("trunk-status", "trunks: stale", R"({"time":@PAST@,"trunks":[]})"_ba, "good", 401,
        "unauthorized");
}

void tst_Webhooks::checks()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, flag);
    QFETCH(QByteArray, body);
    QFETCH(QString, sig);
    QFETCH(int, status);
    QFETCH(QString, answer);

    const qint64 t = now();
    body.replace("@NOW@", QByteArray::number(t));
    body.replace("@PAST@", QByteArray::number(t - 301));
    body.replace("@FUTURE@", QByteArray::number(t + 301));
    QByteArray secret(secretA);
    QByteArray signedFlag = flag;
    QByteArray signedHost = host;
    QByteArray signedBody = body;
    if (sig == u"other-tenant"_s)
        secret = QByteArray(secretB);
    else if (sig == u"good-b"_s)
        secret = QByteArray(secretB);
    else if (sig == u"previous"_s)
        secret = QByteArray(previousSecretA);
    else if (sig == u"previous-b"_s)
        secret = QByteArray(previousSecretB);
    else if (sig == u"other-flag"_s)
        signedFlag = flag == "office-ring" ? "office-ring-clear" : "office-ring";
    else if (sig == u"other-host"_s)
        signedHost = "localhost";
    else if (sig == u"altered"_s)
        body.replace("+4930123456", "+4930999999");
    QByteArray x = hexMac(secret, Signing::webhook(signedFlag, signedHost, signedBody));
    if (sig == u"upper"_s)
        x = x.toUpper();
    else if (sig == u"bad"_s)
        x = hexMac("wrong secret", Signing::webhook(signedFlag, signedHost, signedBody));
    else if (sig == u"short"_s)
        x.chop(2);
    QList<QPair<QByteArray, QByteArray>> headers;
    if (sig != u"missing"_s)
        headers.append({"X-Sig", x});

    const HttpReply r = http(m_port, method, host, flag, body, headers);
    QCOMPARE(r.status, status);
    if (status == 200) {
        QCOMPARE(QString::fromUtf8(r.body), answer);
        QVERIFY(r.head.contains("Content-Type: application/json"));
    } else {
        QCOMPARE(r.json().value(u"error"_s).toString(), answer);
    }
    // Webhooks never send CORS headers.
    QVERIFY(!r.head.toLower().contains("access-control-allow-origin"));
}

void tst_Webhooks::allowFrom()
{
    // bridgeAllowFrom is checked before anything else (after the tenant): 403 even when signed.
    Tenant *a = m_app->tenantForHost(u"127.0.0.1"_s);
    QVERIFY(a);
    const TenantConfig saved = a->config();
    TenantConfig narrowed = saved;
    narrowed.bridgeAllowFrom = {*ServerConfig::parseCidr(u"10.0.0.0/8"_s)};
    a->reconfigure(narrowed);
    const QByteArray body
        = R"({"time":)" + QByteArray::number(now()) + R"(,"callId":"far","from":"1","to":"*"})";
    const HttpReply signedReply = webhook(m_port, "127.0.0.1", "office-ring", body, secretA);
    const HttpReply unsignedReply = http(m_port, "POST", "127.0.0.1", "office-ring", body);
    const HttpReply wrongMethod = http(m_port, "GET", "127.0.0.1", "office-ring", {});
    a->reconfigure(saved);
    QCOMPARE(signedReply.status, 403);
    QCOMPARE(unsignedReply.status, 403);
    QCOMPARE(wrongMethod.status, 403);
    QCOMPARE(signedReply.json().value(u"error"_s).toString(), u"forbidden"_s);
}

void tst_Webhooks::trunkStatusKeepsLatest()
{
    Tenant *a = m_app->tenantForHost(u"127.0.0.1"_s);
    const qint64 t = now();
    const auto post = [&](qint64 time, const char *id, bool registered) {
        const QByteArray body = R"({"time":)" + QByteArray::number(time) + R"(,"trunks":[{"id":")"
            + id + R"(","host":"sip.example.net","registered":)" + (registered ? "true" : "false")
            + "}]}";
        return webhook(m_port, "127.0.0.1", "trunk-status", body, secretA).status;
    };
    QCOMPARE(post(t, "newer", true), 200);
    QCOMPARE(a->trunks().size(), 1);
    QCOMPARE(a->trunks().first().id, u"newer"_s);
    QVERIFY(a->trunks().first().registered);
    // An older report is answered ok but ignored.
    QCOMPARE(post(t - 10, "older", false), 200);
    QCOMPARE(a->trunks().first().id, u"newer"_s);
    QCOMPARE(post(t + 1, "newest", false), 200);
    QCOMPARE(a->trunks().first().id, u"newest"_s);
    QVERIFY(!a->trunks().first().registered);
    // Tenant B saw none of it.
    QVERIFY(m_app->tenantForHost(u"localhost"_s)->trunks().isEmpty());
}

QTEST_GUILESS_MAIN(tst_Webhooks)
#include "tst_webhooks.moc"
