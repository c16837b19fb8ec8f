// The bridge webhooks (DESIGN.md "Webhooks"): order of checks (404, 403, 405, 413, signature
// 401, body 400, time 401), the signature envelope, and the answers of each flag.

#include "TelephonyHarness.h"

using namespace Qt::StringLiterals;
using namespace harness;

class tst_Webhooks : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void checks_data();
    void checks();
    void allowFrom();
    void trunkStatusKeepsLatest();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;
};

void tst_Webhooks::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const auto c = config(m_dir.path());
    QVERIFY(c);
    m_app = std::make_unique<Application>(*c);
    QString error;
    QVERIFY2(m_app->start(&error), qPrintable(error));
    m_port = m_app->httpPort();
}

void tst_Webhooks::cleanupTestCase()
{
    m_app.reset();
}

void tst_Webhooks::checks_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("flag");
    QTest::addColumn<QByteArray>("body"); // @NOW@ becomes the current unix time
    QTest::addColumn<QString>("sig"); // how X-Sig is made
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("answer"); // expected JSON body (compact), or the error code

    const QByteArray ring = R"({"time":@NOW@,"callId":"hook-1","from":"+4930123456","to":"*"})";
    const QByteArray clear = R"({"time":@NOW@,"callId":"hook-unknown","reason":"caller-hung-up"})";
    const QByteArray trunks
        = R"({"time":@NOW@,"trunks":[{"id":"t1","host":"sip.example.net","registered":true}]})";

    QTest::addRow("ring: good") << "127.0.0.1"_ba
                                << "POST"_ba
                                << "office-ring"_ba << ring << "good" << 200
                                << R"({"delivered":0})";
    QTest::addRow("ring: upper-case hex accepted")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":@NOW@,"callId":"hook-2","from":"100","to":"100"})"_ba
        << "upper" << 200 << R"({"delivered":0})";
    QTest::addRow("ring: missing signature")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "missing" << 401 << "unauthorized";
    QTest::addRow("ring: bad signature")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "bad" << 401 << "unauthorized";
    QTest::addRow("ring: other tenant's secret")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "other-tenant" << 401 << "unauthorized";
    QTest::addRow("ring: signed for another flag")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "other-flag" << 401 << "unauthorized";
    QTest::addRow("ring: signed for another host")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "other-host" << 401 << "unauthorized";
    QTest::addRow("ring: truncated signature")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "short" << 401 << "unauthorized";
    QTest::addRow("ring: body altered after signing")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "altered" << 401 << "unauthorized";
    QTest::addRow("ring: unknown host") << "nobody.test"_ba
                                        << "POST"_ba
                                        << "office-ring"_ba << ring << "good" << 404 << "not-found";
    QTest::addRow("ring: GET") << "127.0.0.1"_ba
                               << "GET"_ba
                               << "office-ring"_ba << QByteArray() << "good" << 405
                               << "method-not-allowed";
    QTest::addRow("ring: bad signature beats bad body") << "127.0.0.1"_ba
                                                        << "POST"_ba
                                                        << "office-ring"_ba
                                                        << "not json"_ba
                                                        << "bad" << 401 << "unauthorized";
    QTest::addRow("ring: not JSON") << "127.0.0.1"_ba
                                    << "POST"_ba
                                    << "office-ring"_ba
                                    << "not json"_ba
                                    << "good" << 400 << "bad-request";
    QTest::addRow("ring: array") << "127.0.0.1"_ba
                                 << "POST"_ba
                                 << "office-ring"_ba
                                 << "[1]"_ba
                                 << "good" << 400 << "bad-request";
    QTest::addRow("ring: duplicate key")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":@NOW@,"callId":"a","callId":"b","from":"1","to":"*"})"_ba
        << "good" << 400 << "bad-request";
    QTest::addRow("ring: callId missing") << "127.0.0.1"_ba
                                          << "POST"_ba
                                          << "office-ring"_ba
                                          << R"({"time":@NOW@,"from":"1","to":"*"})"_ba
                                          << "good" << 400 << "bad-request";
    QTest::addRow("ring: callId too long")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << (R"({"time":@NOW@,"callId":")" + QByteArray(129, 'x') + R"(","from":"1","to":"*"})")
        << "good" << 400 << "bad-request";
    QTest::addRow("ring: callId a number") << "127.0.0.1"_ba
                                           << "POST"_ba
                                           << "office-ring"_ba
                                           << R"({"time":@NOW@,"callId":7,"from":"1","to":"*"})"_ba
                                           << "good" << 400 << "bad-request";
    QTest::addRow("ring: to not an extension")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":@NOW@,"callId":"x","from":"1","to":"1234567"})"_ba
        << "good" << 400 << "bad-request";
    QTest::addRow("ring: room not a room id")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":@NOW@,"callId":"x","from":"1","to":"*","room":"a b"})"_ba
        << "good" << 400 << "bad-request";
    QTest::addRow("ring: time not a number")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":"now","callId":"x","from":"1","to":"*"})"_ba
        << "good" << 400 << "bad-request";
    QTest::addRow("ring: time missing") << "127.0.0.1"_ba
                                        << "POST"_ba
                                        << "office-ring"_ba
                                        << R"({"callId":"x","from":"1","to":"*"})"_ba
                                        << "good" << 401 << "unauthorized";
    QTest::addRow("ring: time stale") << "127.0.0.1"_ba
                                      << "POST"_ba
                                      << "office-ring"_ba
                                      << R"({"time":@PAST@,"callId":"x","from":"1","to":"*"})"_ba
                                      << "good" << 401 << "unauthorized";
    QTest::addRow("ring: time in the future")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":@FUTURE@,"callId":"x","from":"1","to":"*"})"_ba
        << "good" << 401 << "unauthorized";
    QTest::addRow("ring: oversized body")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba << (R"({"time":@NOW@,"pad":")" + QByteArray(70000, 'x') + R"("})")
        << "good" << 413 << "payload-too-large";
    QTest::addRow("ring: tenant B with B's secret")
        << "localhost"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "good-b" << 200 << R"({"delivered":0})";
    QTest::addRow("ring: previous secret inside the rotation window")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring"_ba
        << R"({"time":@NOW@,"callId":"hook-rotated","from":"1","to":"*"})"_ba
        << "previous" << 200 << R"({"delivered":0})";
    QTest::addRow("ring: previous secret after the rotation window")
        << "localhost"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "previous-b" << 401 << "unauthorized";
    QTest::addRow("ring: tenant B with A's secret")
        << "localhost"_ba
        << "POST"_ba
        << "office-ring"_ba << ring << "good" << 401 << "unauthorized";
    QTest::addRow("clear: unknown callId is ok")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring-clear"_ba << clear << "good" << 200 << R"({"ok":true})";
    QTest::addRow("clear: missing signature")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "office-ring-clear"_ba << clear << "missing" << 401 << "unauthorized";
    QTest::addRow("clear: callId missing") << "127.0.0.1"_ba
                                           << "POST"_ba
                                           << "office-ring-clear"_ba
                                           << R"({"time":@NOW@})"_ba
                                           << "good" << 400 << "bad-request";
    QTest::addRow("clear: reason not a string") << "127.0.0.1"_ba
                                                << "POST"_ba
                                                << "office-ring-clear"_ba
                                                << R"({"time":@NOW@,"callId":"x","reason":5})"_ba
                                                << "good" << 400 << "bad-request";
    QTest::addRow("trunks: good") << "127.0.0.1"_ba
                                  << "POST"_ba
                                  << "trunk-status"_ba << trunks << "good" << 200
                                  << R"({"ok":true})";
    QTest::addRow("trunks: bad signature")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "trunk-status"_ba << trunks << "bad" << 401 << "unauthorized";
    QTest::addRow("trunks: not an array") << "127.0.0.1"_ba
                                          << "POST"_ba
                                          << "trunk-status"_ba
                                          << R"({"time":@NOW@,"trunks":{}})"_ba
                                          << "good" << 400 << "bad-request";
    QTest::addRow("trunks: registered not a bool")
        << "127.0.0.1"_ba
        << "POST"_ba
        << "trunk-status"_ba
        << R"({"time":@NOW@,"trunks":[{"id":"t","host":"h","registered":1}]})"_ba
        << "good" << 400 << "bad-request";
    QTest::addRow("trunks: stale") << "127.0.0.1"_ba
                                   << "POST"_ba
                                   << "trunk-status"_ba
                                   << R"({"time":@PAST@,"trunks":[]})"_ba
                                   << "good" << 401 << "unauthorized";
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
