#include "Signing.h"
#include "TestClient.h"
#include "TestServer.h"
#include "app/Application.h"
#include "config/ServerConfig.h"

#include <QDateTime>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// The limits of DESIGN.md "Limits" and the abuse cases of the reliability issue.
class tst_Limits : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    ServerConfig config()
    {
        ServerConfig c = testserver::config(m_dir.path());
        c.limits.rateLimitCloseSec = 2;
        c.limits.maxConnectionsPerIp = 1000;
        c.httpIdleTimeoutSec = 1;
        c.trustedProxies = {*ServerConfig::parseCidr(u"127.0.0.1"_s)};
        TenantConfig t = testserver::tenant({u"localhost"_s}, "admin", "bridge");
        c.tenants = {t};
        return c;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void signalRateLimit()
    {
        ServerConfig cfg = config();
        cfg.limits.signalPerSec = 5;
        cfg.limits.signalBurst = 10;
        Application app(cfg);
        QVERIFY(app.start());
        TestClient c;
        QVERIFY(c.open(app.httpPort()));
        for (int i = 0; i < 40; ++i)
            c.send(u"{\"type\":\"ping\"}"_s);
        QCOMPARE(c.waitFor(u"error"_s).value(u"code"_s).toString(), u"rate-limited"_s);
        QTRY_VERIFY(c.raw.size() >= 11);
        // the burst passed, the rest was dropped with exactly one rate-limited error (within a
        // second)
        QTRY_COMPARE(c.raw.count(u"{\"type\":\"pong\"}"_s), 10);
        int limited = 0;
        for (const auto &f : c.frames)
            limited += f.value(u"code"_s).toString() == u"rate-limited"_s;
        QCOMPARE(limited, 1);
    }

    void keepsExceedingCloses4008()
    {
        ServerConfig cfg = config();
        cfg.limits.signalPerSec = 1;
        cfg.limits.signalBurst = 1;
        Application app(cfg);
        QVERIFY(app.start());
        TestClient c;
        QVERIFY(c.open(app.httpPort()));
        QTimer flood;
        flood.setInterval(20);
        connect(&flood, &QTimer::timeout, &c, [&c] { c.send(u"{\"type\":\"ping\"}"_s); });
        flood.start();
        QVERIFY(c.waitClosed(10000));
        flood.stop();
        QCOMPARE(int(c.socket.closeCode()), 4008);
        int limited = 0;
        for (const auto &f : c.frames)
            limited += f.value(u"code"_s).toString() == u"rate-limited"_s;
        QVERIFY2(limited >= 2 && limited <= 4,
                 qPrintable(QString::number(limited))); // ~one a second
    }

    void joinRateLimit()
    {
        Application app(config());
        QVERIFY(app.start());
        TestClient c;
        QVERIFY(c.open(app.httpPort()));
        // joins into an invalid room: each is an error, none succeeds; the 6th is rate limited
        for (int i = 0; i < 6; ++i)
            c.send(u"{\"type\":\"join\",\"room\":\"bad room\",\"name\":\"A\"}"_s);
        QCOMPARE(c.waitFor(u"error"_s).value(u"code"_s).toString(), u"bad-frame"_s);
        QTRY_VERIFY(c.frames.size() == 6);
        QCOMPARE(c.frames.last().value(u"code"_s).toString(), u"rate-limited"_s);
        QCOMPARE(c.frames.last().value(u"ref"_s).toString(), u"join"_s);
    }

    void connectionsPerIp()
    {
        ServerConfig cfg = config();
        cfg.limits.maxConnectionsPerIp = 2;
        Application app(cfg);
        QVERIFY(app.start());
        TestClient a, b;
        QVERIFY(a.open(app.httpPort()));
        QVERIFY(b.open(app.httpPort()));
        QTcpSocket third;
        third.connectToHost(QHostAddress::LocalHost, app.httpPort());
        QByteArray answer;
        QTRY_VERIFY((answer += third.readAll()).contains("\r\n\r\n"));
        QVERIFY(answer.startsWith("HTTP/1.1 429"));
        QVERIFY(answer.contains("too-many-requests"));
        a.socket.close();
        QVERIFY(a.waitClosed());
        // a slot is free again once a socket is gone
        const auto probe = [&] {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, app.httpPort());
            s.write("GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            QByteArray got;
            const bool answered
                = QTest::qWaitFor([&] { return (got += s.readAll()).contains("\r\n\r\n"); }, 2000);
            return answered && got.startsWith("HTTP/1.1 200");
        };
        QTRY_VERIFY_WITH_TIMEOUT(probe(), 10000);
    }

    void httpIdleTimeout()
    {
        Application app(config());
        QVERIFY(app.start());
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, app.httpPort());
        QTRY_COMPARE(s.state(), QAbstractSocket::ConnectedState);
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::UnconnectedState, 5000);
    }

    void slowReaderDropped4003()
    {
        ServerConfig cfg = config();
        cfg.limits.signalPerSec = 100000;
        cfg.limits.signalBurst = 100000;
        cfg.limits.maxWriteBufferBytes = 65536;
        cfg.resumeGraceSec = 0; // a dropped peer leaves at once, so the test can see it
        Application app(cfg);
        QVERIFY(app.start());
        TestClient sender;
        QVERIFY(sender.open(app.httpPort()));
        sender.join(u"slow"_s, u"F"_s);
        // A raw client that joins and then reads nothing more.
        QTcpSocket slow;
        slow.setReadBufferSize(4096);
        QVERIFY(rawWebSocketOpen(slow, app.httpPort()));
        slow.write(maskedTextFrame("{\"type\":\"join\",\"room\":\"slow\",\"name\":\"S\"}"));
        const QString slowId = sender.waitFor(u"peer-joined"_s).value(u"peerId"_s).toString();
        QVERIFY(!slowId.isEmpty());
        const QString payload = u"{\"type\":\"signal\",\"to\":\""_s + slowId
            + u"\",\"data\":{\"sdp\":\""_s + QString(60000, u'x') + u"\"}}"_s;
        int sent = 0;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     for (int i = 0; i < 10 && sent < 3000; ++i, ++sent)
                                         sender.send(payload);
                                     return sender.hasFrame(u"peer-left"_s);
                                 }()),
                                 60000);
        QVERIFY2(sent < 3000, "the slow reader was never dropped");
        // the sender itself is unaffected
        sender.send(u"{\"type\":\"ping\"}"_s);
        QVERIFY(!sender.waitFor(u"pong"_s).isEmpty());
    }

    void readingClientIsNeverDropped()
    {
        // A client that reads may receive far more than the write-buffer bound in total.
        ServerConfig cfg = config();
        cfg.limits.signalPerSec = 100000;
        cfg.limits.signalBurst = 100000;
        cfg.limits.maxWriteBufferBytes = 65536;
        Application app(cfg);
        QVERIFY(app.start());
        TestClient a, b;
        QVERIFY(a.open(app.httpPort()));
        QVERIFY(b.open(app.httpPort()));
        const QString aId = a.join(u"reader"_s, u"A"_s).value(u"peerId"_s).toString();
        b.join(u"reader"_s, u"B"_s);
        const QString frame = u"{\"type\":\"signal\",\"to\":\""_s + aId
            + u"\",\"data\":{\"sdp\":\""_s + QString(4000, u'x') + u"\"}}"_s;
        for (int round = 0; round < 10; ++round) {
            for (int i = 0; i < 30; ++i)
                b.send(frame);
            QTRY_COMPARE_WITH_TIMEOUT(a.raw.count() - 2, (round + 1) * 30,
                                      10000); // minus welcome, peer-joined
        }
        QCOMPARE(a.socket.state(), QAbstractSocket::ConnectedState);
        QVERIFY(!b.hasFrame(u"peer-left"_s));
    }

    void trustedProxyAddressIsTheClient()
    {
        Application app(config());
        QVERIFY(app.start());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QByteArray sig
            = Signing::sign("bridge", Signing::bridgeTicket("localhost", "call1", now));
        const QString join
            = u"{\"type\":\"join\",\"room\":\"call1\",\"name\":\"Bridge\",\"bridgeTicket\":{\"time\":%1,\"sig\":\"%2\"}}"_s
                  .arg(now)
                  .arg(QString::fromLatin1(sig));
        // Through the trusted proxy for a client outside bridgeAllowFrom: refused.
        TestClient proxied;
        QNetworkRequest req(QUrl(u"ws://localhost:%1/signal.ashx"_s.arg(app.httpPort())));
        req.setRawHeader("X-Forwarded-For", "203.0.113.7");
        QSignalSpy connected(&proxied.socket, &QWebSocket::connected);
        proxied.socket.open(req);
        QVERIFY(connected.wait());
        proxied.send(join);
        QCOMPARE(proxied.waitFor(u"error"_s).value(u"code"_s).toString(), u"forbidden"_s);
        // Directly from loopback: the same ticket shape is accepted as a bridge peer.
        TestClient direct;
        QVERIFY(direct.open(app.httpPort()));
        direct.send(join);
        QVERIFY(!direct.waitFor(u"welcome"_s).isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_Limits)
#include "tst_limits.moc"
