// The tenant's bridge session (DESIGN.md "The SIP bridge"): bridge-hello, replacement, what the
// session may say, and the bridge simulator end to end, against a real Application.

#include "TelephonyFixture.h"

class tst_BridgeLink : public TelephonyFixture {
    Q_OBJECT
private slots:
    void initTestCase() { startServer(); }
    void cleanupTestCase() { stopServer(); }
    void init() { beforeEach(); }
    void cleanup() { afterEach(); }

    void bridgeHello_data();
    void bridgeHello();
    void bridgeHelloReplayed();
    void bridgeHelloNotFirst();
    void bridgeRefusedByConfig_data();
    void bridgeRefusedByConfig();
    void bridgeReplaced();
    void bridgeOnlySpeaksBridge();
    void bridgeSimulator();
};

// --- the bridge session ---------------------------------------------------------------------

void tst_BridgeLink::bridgeHello_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<qint64>("skew");
    QTest::addColumn<bool>("accepted");
    QTest::addRow("good") << QByteArray(secretA) << qint64(0) << true;
    QTest::addRow("inside the window") << QByteArray(secretA) << qint64(-290) << true;
    QTest::addRow("previous secret inside the rotation window")
        << QByteArray(previousSecretA) << qint64(0) << true;
    QTest::addRow("other tenant's previous secret")
        << QByteArray(previousSecretB) << qint64(0) << false;
    QTest::addRow("other tenant's secret") << QByteArray(secretB) << qint64(0) << false;
    QTest::addRow("wrong secret") << "nope"_ba << qint64(0) << false;
    QTest::addRow("stale") << QByteArray(secretA) << qint64(-301) << false;
    // +305, not +301: a second may tick before the server reads its clock.
    QTest::addRow("future") << QByteArray(secretA) << qint64(305) << false;
}

void tst_BridgeLink::bridgeHello()
{
    QFETCH(QByteArray, secret);
    QFETCH(qint64, skew);
    QFETCH(bool, accepted);
    Client b(m_port);
    QVERIFY(b.waitConnected());
    const QJsonObject answer
        = b.bridgeHello("127.0.0.1", secret, skew == 0 ? Client::freshHelloTime() : now() + skew);
    if (accepted) {
        const QJsonObject &welcome = answer;
        QCOMPARE(welcome.value(u"type"_s).toString(), u"bridge-welcome"_s);
        QCOMPARE(welcome.value(u"tenant"_s).toString(), hostA);
        QCOMPARE(welcome.value(u"keepaliveSec"_s).toInt(), 25);
        QVERIFY(tenantA()->bridge().isConnected());
    } else {
        const QJsonObject &error = answer;
        QCOMPARE(error.value(u"type"_s).toString(), u"error"_s);
        QCOMPARE(error.value(u"code"_s).toString(), u"forbidden"_s);
        QCOMPARE(error.value(u"ref"_s).toString(), u"bridge-hello"_s);
        QVERIFY(b.waitClosed());
        QCOMPARE(b.closeCode(), 1008);
        QVERIFY(!tenantA()->bridge().isConnected());
    }
}

void tst_BridgeLink::bridgeHelloReplayed()
{
    const qint64 t = Client::freshHelloTime();
    const QByteArray sig = hexMac(secretA, Signing::bridgeHello("127.0.0.1", t));
    const QJsonObject hello{
        {u"type"_s, u"bridge-hello"_s}, {u"time"_s, t}, {u"sig"_s, QString::fromLatin1(sig)}};
    Client first(m_port);
    QVERIFY(first.waitConnected());
    first.send(hello);
    QVERIFY(!first.take(u"bridge-welcome"_s).isEmpty());
    // The same signature again (even in upper case) is refused.
    QJsonObject upper = hello;
    upper.insert(u"sig"_s, QString::fromLatin1(sig.toUpper()));
    Client second(m_port);
    QVERIFY(second.waitConnected());
    second.send(upper);
    QCOMPARE(second.take(u"error"_s).value(u"code"_s).toString(), u"forbidden"_s);
    QVERIFY(second.waitClosed());
    QCOMPARE(second.closeCode(), 1008);
    // The first session is untouched.
    QVERIFY(first.barrier());
    QCOMPARE(first.count(u"kicked"_s), 0);
}

void tst_BridgeLink::bridgeHelloNotFirst()
{
    Client b(m_port);
    QVERIFY(b.waitConnected());
    QVERIFY(b.barrier());
    QCOMPARE(b.bridgeHello("127.0.0.1", secretA).value(u"code"_s).toString(), u"forbidden"_s);
    QVERIFY(b.waitClosed());
    QCOMPARE(b.closeCode(), 1008);
}

void tst_BridgeLink::bridgeRefusedByConfig_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<QByteArray>("secret");
    QTest::addRow("address outside bridgeAllowFrom") << u"allow-from"_s << QByteArray(secretA);
    // Once the rotation window has closed the previous secret is refused like any other.
    QTest::addRow("previous secret after the rotation window")
        << u"window-closed"_s << QByteArray(previousSecretA);
}

void tst_BridgeLink::bridgeRefusedByConfig()
{
    QFETCH(QString, change);
    QFETCH(QByteArray, secret);
    const TenantConfig saved = tenantA()->config();
    TenantConfig changed = saved;
    if (change == u"allow-from"_s)
        changed.bridgeAllowFrom = {*ServerConfig::parseCidr(u"10.0.0.0/8"_s)};
    else
        changed.previousSecretsUntil = now() - 1;
    tenantA()->reconfigure(changed);
    Client b(m_port);
    QVERIFY(b.waitConnected());
    const QJsonObject answer = b.bridgeHello("127.0.0.1", secret);
    tenantA()->reconfigure(saved);
    QCOMPARE(answer.value(u"type"_s).toString(), u"error"_s);
    QCOMPARE(answer.value(u"code"_s).toString(), u"forbidden"_s);
    QVERIFY(b.waitClosed());
    QCOMPARE(b.closeCode(), 1008);
}

void tst_BridgeLink::bridgeReplaced()
{
    auto older = bridge();
    QVERIFY(older);
    auto newer = bridge();
    QVERIFY(newer);
    const QJsonObject kicked = older->take(u"kicked"_s);
    QCOMPARE(kicked.value(u"reason"_s).toString(), u"replaced"_s);
    QVERIFY(older->waitClosed());
    QCOMPARE(older->closeCode(), 4001);
    QVERIFY(tenantA()->bridge().isConnected());
    // The newer one is the session the server talks to: it gets ring-answered.
    QString peerId;
    auto p = phone(u"100"_s, &peerId);
    QVERIFY(p);
    QCOMPARE(ring(u"replaced-1"_s, u"100"_s), 1);
    QVERIFY(!p->take(u"ring"_s).isEmpty());
    p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, u"replaced-1"_s}});
    QCOMPARE(newer->take(u"ring-answered"_s).value(u"peerId"_s).toString(), peerId);
    clear(u"replaced-1"_s);
    newer.reset();
    QTRY_VERIFY(!tenantA()->bridge().isConnected());
}

void tst_BridgeLink::bridgeOnlySpeaksBridge()
{
    auto b = bridge();
    QVERIFY(b);
    b->send({{u"type"_s, u"join"_s}, {u"room"_s, u"x"_s}, {u"name"_s, u"n"_s}});
    QCOMPARE(b->take(u"error"_s).value(u"code"_s).toString(), u"bad-frame"_s);
    b->send({{u"type"_s, u"dial-status"_s}, {u"callId"_s, u"c"_s}, {u"state"_s, u"weird"_s}});
    QCOMPARE(b->take(u"error"_s).value(u"ref"_s).toString(), u"dial-status"_s);
    b->send({{u"type"_s, u"registrar"_s},
             {u"entries"_s,
              QJsonArray{QJsonObject{{u"extension"_s, u"100"_s},
                                     {u"contact"_s, u"sip:100@10.0.0.5"_s},
                                     {u"userAgent"_s, u"Phone"_s}}}}});
    QVERIFY(b->barrier());
    QCOMPARE(b->count(u"error"_s), 0);
    QCOMPARE(tenantA()->bridge().registrar().size(), 1);
    QCOMPARE(tenantA()->bridge().registrar().first().toObject().value(u"extension"_s).toString(),
             u"100"_s);
    // A browser cannot send bridge frames.
    Client c(m_port);
    QVERIFY(c.waitConnected());
    c.send({{u"type"_s, u"dial-status"_s}, {u"callId"_s, u"c"_s}, {u"state"_s, u"ended"_s}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"bad-frame"_s);
}

// --- office phones and rings ----------------------------------------------------------------

void tst_BridgeLink::bridgeSimulator()
{
    // The simulator the docs and demos use, driven end to end: session, ring, answer, dial.
    // A bridge-hello signature covers a whole second and is accepted once: start the simulator
    // in a second after the earlier tests' hellos, or it is (rightly) refused as a replay.
    const qint64 second = QDateTime::currentSecsSinceEpoch();
    QTRY_VERIFY(QDateTime::currentSecsSinceEpoch() > second);
    QProcess sim;
    sim.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    sim.start(QStringLiteral(SB_BRIDGE_SIM),
              {u"--server"_s, u"http://127.0.0.1:%1"_s.arg(m_port), u"--secret"_s,
               QString::fromLatin1(secretA), u"--answer-after"_s, u"0"_s});
    QVERIFY(sim.waitForStarted());
    // A hello signed in the same second as an earlier test's is a replay: the simulator then
    // retries after 2 s, so allow for that under load.
    QTRY_VERIFY_WITH_TIMEOUT(tenantA()->bridge().isConnected(), 20000);

    QString peerId;
    auto p = phone(u"100"_s, &peerId);
    QVERIFY(p);
    const QString callId = u"sim-"_s + Crypto::randomId();
    sim.write(u"ring %1 +4930777888 100\n"_s.arg(callId).toUtf8());
    const QJsonObject r = p->take(u"ring"_s);
    QCOMPARE(r.value(u"callId"_s).toString(), callId);
    const QString room = r.value(u"room"_s).toString();
    QVERIFY(!p->join(room).isEmpty());
    p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(p->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered"_s);
    // The simulator joins the call room as the bridge peer.
    QCOMPARE(p->take(u"peer-joined"_s).value(u"kind"_s).toString(), u"bridge"_s);

    Client c(m_port);
    QVERIFY(c.waitConnected());
    QVERIFY(!c.join(u"sim-dial-room"_s).isEmpty());
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, u"2000"_s}});
    QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"dialing"_s);
    QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"ringing"_s);
    QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"answered"_s);
    QCOMPARE(c.take(u"peer-joined"_s).value(u"kind"_s).toString(), u"bridge"_s);

    // The caller hangs up: the bridge leaves the room and the ring's CDR is written.
    sim.write(u"clear %1 caller-hung-up\n"_s.arg(callId).toUtf8());
    QCOMPARE(p->take(u"peer-left"_s).value(u"reason"_s).toString(), u"left"_s);
    QTRY_COMPARE_WITH_TIMEOUT(cdrsFor(*m_app, hostA, callId).size(), 1, waitMs);
    QCOMPARE(cdrsFor(*m_app, hostA, callId).first().result, u"answered"_s);

    sim.write("quit\n");
    QTRY_COMPARE_WITH_TIMEOUT(sim.state(), QProcess::NotRunning, waitMs);
    QCOMPARE(sim.exitCode(), 0);
    QTRY_VERIFY(!tenantA()->bridge().isConnected());
}

QTEST_GUILESS_MAIN(tst_BridgeLink)
#include "tst_bridgelink.moc"
