#include "DataRows.h"
#include "RawHttp.h"
#include "TestClient.h"
#include "TestServer.h"
#include "app/Application.h"
#include "config/ServerConfig.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
ServerConfig testConfig(const QString &dataDir)
{
    ServerConfig c = testserver::config(dataDir);
    c.limits.maxPeersPerRoom = 3;
    c.limits.maxFrameBytes = 4096;
    c.limits.maxBodyBytes = 2048;
    c.firstFrameTimeoutSec = 1;
    // 127.0.0.1 is the "unknown host" of these tests.
    TenantConfig t = testserver::tenant({u"localhost"_s}, "admin-secret", "bridge-secret");
    t.allowedOrigins = {u"https://app.example.com"_s};
    t.turn = TurnConfig{"turn-secret", {u"turn:127.0.0.1:3478?transport=udp"_s}, 3600};
    c.tenants = {t};
    return c;
}

// The final status of one raw HTTP exchange (0 without an answer); *response gets what was read.
int rawRequest(quint16 port, const QByteArray &request, QByteArray *response = nullptr)
{
    const RawResponse r = rawHttp(port, request);
    if (response)
        *response = r.raw;
    return r.status;
}

} // namespace

class tst_Signaling : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;

    static QJsonObject frame(const QString &type, const QJsonObject &rest = {})
    {
        QJsonObject o = rest;
        o.insert(u"type"_s, type);
        return o;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_app = testserver::start(testConfig(m_dir.path()));
        QVERIFY(m_app);
        m_port = m_app->httpPort();
    }
    void cleanupTestCase() { m_app.reset(); }

    void http_data()
    {
        addColumns<QByteArray, int, QByteArray>("request", "status", "contains");
        QTest::addRow("liveness") << closingRequest("GET", "/signal.ashx") << 200
                                  << QByteArray("switchboard ");
        QTest::addRow("liveness any host")
            << closingRequest("GET", "/signal.ashx", "nobody.example") << 200
            << QByteArray("text/plain");
        QTest::addRow("head") << closingRequest("HEAD", "/signal.ashx") << 200
                              << QByteArray("Content-Length");
        QTest::addRow("post no flag")
            << QByteArray("POST /signal.ashx HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                          "0\r\nConnection: close\r\n\r\n")
            << 405 << QByteArray("Allow: GET, HEAD");
        QTest::addRow("unknown flag") << closingRequest("GET", "/signal.ashx?nope=1") << 400
                                      << QByteArray("\"error\":\"bad-request\"");
        QTest::addRow("unknown host flag")
            << closingRequest("GET", "/signal.ashx?nope=1", "nobody.example") << 404
            << QByteArray("\"error\":\"not-found\"");
        QTest::addRow("root redirects")
            << closingRequest("GET", "/") << 302 << QByteArray("Location: /status.html");
        QTest::addRow("page") << closingRequest("GET", "/status.html") << 200
                              << QByteArray("Content-Security-Policy");
        QTest::addRow("no such page")
            << closingRequest("GET", "/nope.html") << 404 << QByteArray("application/json");
        QTest::addRow("traversal")
            << closingRequest("GET", "/../etc/passwd") << 404 << QByteArray("application/json");
        QTest::addRow("two hosts")
            << QByteArray("GET /signal.ashx HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400
            << QByteArray("application/json");
        QTest::addRow("absolute form mismatch")
            << QByteArray("GET http://evil.example/signal.ashx HTTP/1.1\r\nHost: localhost\r\n\r\n")
            << 400 << QByteArray("application/json");
        QTest::addRow("garbage") << QByteArray("HELLO\r\n\r\n") << 400
                                 << QByteArray("application/json");
        QTest::addRow("head too large")
            << (QByteArray("GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\nX-Pad: ")
                + QByteArray(9000, 'a') + "\r\n\r\n")
            << 431 << QByteArray("headers-too-large");
        QTest::addRow("body too large") << QByteArray(
            "POST /signal.ashx?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n")
                                        << 413 << QByteArray("payload-too-large");
        QTest::addRow("expect 100-continue")
            << QByteArray("POST /signal.ashx?nope=1 HTTP/1.1\r\nHost: localhost\r\nExpect: "
                          "100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            << 400 << QByteArray("bad-request");
        QTest::addRow("chunked") << QByteArray("POST /signal.ashx?x=1 HTTP/1.1\r\nHost: "
                                               "localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
                                 << 411 << QByteArray("length-required");
        QTest::addRow("cross-origin upgrade")
            << upgradeRequest("/signal.ashx", "Origin: http://evil.example\r\n") << 403
            << QByteArray("forbidden");
        QTest::addRow("null origin upgrade")
            << upgradeRequest("/signal.ashx", "Origin: null\r\n") << 403 << QByteArray("forbidden");
        QTest::addRow("allowed origin upgrade")
            << upgradeRequest("/signal.ashx", "Origin: https://app.example.com\r\n") << 101
            << QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        QTest::addRow("upgrade elsewhere")
            << upgradeRequest("/other") << 404 << QByteArray("not-found");
    }
    void http()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QByteArray, contains);
        QByteArray response;
        QCOMPARE(rawRequest(m_port, request, &response), status);
        QVERIFY2(response.contains(contains), response.constData());
    }

    void keepAlive()
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        QTRY_COMPARE(s.state(), QAbstractSocket::ConnectedState);
        s.write("GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\n\r\nGET /signal.ashx "
                "HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QByteArray all;
        QTRY_VERIFY((all += s.readAll()).count("HTTP/1.1 200 OK") == 2);
        QCOMPARE(s.state(), QAbstractSocket::ConnectedState);
    }

    void joinSignalLeave()
    {
        TestClient a, b;
        QVERIFY(a.open(m_port));
        QVERIFY(b.open(m_port));
        const QJsonObject wa = a.join(u"r1"_s, u"Ann"_s);
        QCOMPARE(wa.value(u"room"_s).toString(), u"r1"_s);
        QCOMPARE(wa.value(u"peers"_s).toArray().size(), 0);
        QCOMPARE(wa.value(u"resumed"_s).toBool(true), false);
        QCOMPARE(wa.value(u"keepaliveSec"_s).toInt(), 25);
        const QString aId = wa.value(u"peerId"_s).toString();
        QVERIFY(QRegularExpression(u"^[A-Za-z0-9_-]{22}$"_s).match(aId).hasMatch());
        QVERIFY(!wa.value(u"resumeToken"_s).toString().isEmpty());
        const QJsonArray ice = wa.value(u"iceServers"_s).toArray();
        QCOMPARE(ice.size(), 1);
        QVERIFY(ice[0].toObject().value(u"username"_s).toString().endsWith(u':' + aId));
        QVERIFY(a.raw.first().startsWith(u"{\"type\":\"welcome\""_s));

        const QJsonObject wb = b.join(u"r1"_s, u"  Bob "_s);
        const QString bId = wb.value(u"peerId"_s).toString();
        QCOMPARE(wb.value(u"peers"_s).toArray().size(), 1);
        const QJsonObject peerA = wb.value(u"peers"_s).toArray().first().toObject();
        QCOMPARE(peerA.value(u"peerId"_s).toString(), aId);
        QCOMPARE(peerA.value(u"name"_s).toString(), u"Ann"_s);
        QCOMPARE(peerA.value(u"kind"_s).toString(), u"browser"_s);
        const QJsonObject joined = a.waitFor(u"peer-joined"_s);
        QCOMPARE(joined.value(u"peerId"_s).toString(), bId);
        QCOMPARE(joined.value(u"name"_s).toString(), u"Bob"_s);

        // data is relayed byte for byte; nothing else of the client frame is forwarded
        const QString data
            = u"{ \"sdp\" : {\"type\":\"offer\", \"sdp\":\"v=0\\r\\n\"}, \"n\": 1.50 }"_s;
        b.send(u"{\"type\":\"signal\",\"secret\":\"x\",\"to\":\""_s + aId + u"\",\"data\":"_s + data
               + u"}"_s);
        a.waitFor(u"signal"_s);
        QCOMPARE(a.raw.last(),
                 u"{\"type\":\"signal\",\"from\":\""_s + bId + u"\",\"data\":"_s + data + u"}"_s);

        b.send(frame(u"leave"_s));
        const QJsonObject left = a.waitFor(u"peer-left"_s);
        QCOMPARE(left.value(u"peerId"_s).toString(), bId);
        QCOMPARE(left.value(u"reason"_s).toString(), u"left"_s);
        QCOMPARE(b.socket.state(), QAbstractSocket::ConnectedState); // the socket may join again
        const QJsonObject again = b.join(u"r1"_s, u"Bob"_s);
        QVERIFY(again.value(u"peerId"_s).toString() != bId);
        a.waitFor(u"peer-joined"_s);
        b.socket.close(QWebSocketProtocol::CloseCodeGoingAway);
        const QJsonObject closed = a.waitFor(u"peer-left"_s);
        QCOMPARE(closed.value(u"reason"_s).toString(), u"closed"_s);
    }

    void randomRoom()
    {
        TestClient a;
        QVERIFY(a.open(m_port));
        const QJsonObject w = a.join(u"random"_s, u"Ann"_s);
        QVERIFY(QRegularExpression(u"^room-[A-Za-z0-9_-]{22}$"_s)
                    .match(w.value(u"room"_s).toString())
                    .hasMatch());
    }

    void badFrames_data()
    {
        addColumns<QString, bool, QString, QString>("text", "joinFirst", "code", "ref");
        QTest::addRow("invalid json") << u"{nope"_s << false << u"bad-frame"_s << QString();
        QTest::addRow("not an object") << u"[1]"_s << false << u"bad-frame"_s << QString();
        QTest::addRow("wrong type of field") << u"{\"type\":\"join\",\"room\":1,\"name\":\"A\"}"_s
                                             << false << u"bad-frame"_s << u"join"_s;
        QTest::addRow("unknown type")
            << u"{\"type\":\"dance\"}"_s << false << u"bad-frame"_s << u"dance"_s;
        QTest::addRow("duplicate key")
            << u"{\"type\":\"ping\",\"type\":\"ping\"}"_s << false << u"bad-frame"_s << u"ping"_s;
        QTest::addRow("signal before join") << u"{\"type\":\"signal\",\"to\":\"x\",\"data\":{}}"_s
                                            << false << u"not-joined"_s << u"signal"_s;
        QTest::addRow("leave before join")
            << u"{\"type\":\"leave\"}"_s << false << u"not-joined"_s << u"leave"_s;
        QTest::addRow("bad room") << u"{\"type\":\"join\",\"room\":\"a b\",\"name\":\"A\"}"_s
                                  << false << u"bad-frame"_s << u"join"_s;
        QTest::addRow("bad name") << u"{\"type\":\"join\",\"room\":\"ok\",\"name\":\"\\u0000\"}"_s
                                  << false << u"bad-frame"_s << u"join"_s;
        QTest::addRow("token without provider")
            << u"{\"type\":\"join\",\"room\":\"ok\",\"name\":\"A\",\"idToken\":\"x.y.z\"}"_s
            << false << u"invalid-token"_s << u"join"_s;
        QTest::addRow("unknown resume token")
            << u"{\"type\":\"join\",\"room\":\"ok\",\"name\":\"A\",\"resume\":\"nope\"}"_s << false
            << u"invalid-token"_s << u"join"_s;
        QTest::addRow("already joined")
            << u"{\"type\":\"join\",\"room\":\"other\",\"name\":\"A\"}"_s << true
            << u"already-joined"_s << u"join"_s;
        QTest::addRow("unknown peer") << u"{\"type\":\"signal\",\"to\":\"nobody\",\"data\":{}}"_s
                                      << true << u"unknown-peer"_s << u"signal"_s;
        QTest::addRow("bad ticket")
            << u"{\"type\":\"join\",\"room\":\"ok\",\"name\":\"A\",\"bridgeTicket\":{\"time\":1,\"sig\":\"00\"}}"_s
            << false << u"forbidden"_s << u"join"_s;
    }
    void badFrames()
    {
        QFETCH(QString, text);
        QFETCH(bool, joinFirst);
        QFETCH(QString, code);
        QFETCH(QString, ref);
        TestClient c;
        QVERIFY(c.open(m_port));
        if (joinFirst)
            QVERIFY(!c.join(u"bad-frames"_s, u"X"_s).isEmpty());
        c.send(text);
        const QJsonObject err = c.waitFor(u"error"_s);
        QCOMPARE(err.value(u"code"_s).toString(), code);
        QCOMPARE(err.value(u"ref"_s).toString(), ref);
        QCOMPARE(err.contains(u"ref"_s), !ref.isEmpty());
        QVERIFY(!err.value(u"message"_s).toString().isEmpty());
        // the connection survives: it still answers
        c.send(frame(u"ping"_s));
        QVERIFY(!c.waitFor(u"pong"_s).isEmpty());
    }

    void binaryFrameIsBad()
    {
        TestClient c;
        QVERIFY(c.open(m_port));
        c.socket.sendBinaryMessage("{\"type\":\"ping\"}");
        QCOMPARE(c.waitFor(u"error"_s).value(u"code"_s).toString(), u"bad-frame"_s);
    }

    void roomFull()
    {
        TestClient c[4];
        for (int i = 0; i < 3; ++i) {
            QVERIFY(c[i].open(m_port));
            QVERIFY(!c[i].join(u"full"_s, u"P"_s).isEmpty());
        }
        QVERIFY(c[3].open(m_port));
        c[3].send(frame(u"join"_s, {{u"room"_s, u"full"_s}, {u"name"_s, u"P"_s}}));
        QCOMPARE(c[3].waitFor(u"error"_s).value(u"code"_s).toString(), u"room-full"_s);
    }

    void oversizedFrameCloses1009()
    {
        TestClient c;
        QVERIFY(c.open(m_port));
        c.send(u"{\"type\":\"ping\",\"pad\":\""_s + QString(5000, u'x') + u"\"}"_s);
        QVERIFY(c.waitClosed());
        QCOMPARE(int(c.socket.closeCode()), 1009);
    }

    void unknownHostForbidden()
    {
        TestClient c;
        QVERIFY(c.open(m_port, "127.0.0.1"));
        QCOMPARE(c.waitFor(u"error"_s).value(u"code"_s).toString(), u"forbidden"_s);
        QVERIFY(c.waitClosed());
        QCOMPARE(int(c.socket.closeCode()), 1008);
    }

    void sameOriginAllowed()
    {
        TestClient c;
        QVERIFY(c.open(m_port, "localhost", "http://localhost:" + QByteArray::number(m_port)));
        QVERIFY(!c.join(u"origin"_s, u"A"_s).isEmpty());
    }

    void firstFrameTimeout()
    {
        TestClient c;
        QVERIFY(c.open(m_port));
        QVERIFY(c.waitClosed(5000));
        QCOMPARE(int(c.socket.closeCode()), 1008);
    }

    void resumeAfterDrop()
    {
        TestClient a, b;
        QVERIFY(a.open(m_port));
        QVERIFY(b.open(m_port));
        const QJsonObject wa = a.join(u"resume"_s, u"Ann"_s);
        const QString aId = wa.value(u"peerId"_s).toString();
        const QString token = wa.value(u"resumeToken"_s).toString();
        const QString bId = b.join(u"resume"_s, u"Bob"_s).value(u"peerId"_s).toString();
        a.waitFor(u"peer-joined"_s);
        a.socket.abort(); // no close frame: the peer is held
        QTRY_COMPARE(m_app->sessions().size() >= 1, true);
        b.send(u"{\"type\":\"signal\",\"to\":\""_s + aId + u"\",\"data\":{\"candidate\":null}}"_s);
        TestClient a2;
        QVERIFY(a2.open(m_port));
        a2.send(frame(u"join"_s,
                      {{u"room"_s, u"resume"_s}, {u"name"_s, u"Ann"_s}, {u"resume"_s, token}}));
        const QJsonObject w2 = a2.waitFor(u"welcome"_s);
        QCOMPARE(w2.value(u"peerId"_s).toString(), aId);
        QCOMPARE(w2.value(u"resumed"_s).toBool(), true);
        QVERIFY(w2.value(u"resumeToken"_s).toString() != token);
        const QJsonObject queued = a2.waitFor(u"signal"_s);
        QCOMPARE(queued.value(u"from"_s).toString(), bId);
        QVERIFY(!b.hasFrame(u"peer-left"_s));
        // the spent token cannot be used again
        TestClient a3;
        QVERIFY(a3.open(m_port));
        a3.send(frame(u"join"_s,
                      {{u"room"_s, u"resume"_s}, {u"name"_s, u"Ann"_s}, {u"resume"_s, token}}));
        QCOMPARE(a3.waitFor(u"error"_s).value(u"code"_s).toString(), u"invalid-token"_s);
        // takeover of a live socket: old gets kicked replaced + 4001, nobody sees peer-left
        TestClient a4;
        QVERIFY(a4.open(m_port));
        a4.send(frame(u"join"_s,
                      {{u"room"_s, u"resume"_s},
                       {u"name"_s, u"Ann"_s},
                       {u"resume"_s, w2.value(u"resumeToken"_s).toString()}}));
        QCOMPARE(a4.waitFor(u"welcome"_s).value(u"peerId"_s).toString(), aId);
        QCOMPARE(a2.waitFor(u"kicked"_s).value(u"reason"_s).toString(), u"replaced"_s);
        QVERIFY(a2.waitClosed());
        QCOMPARE(int(a2.socket.closeCode()), 4001);
        b.send(frame(u"ping"_s));
        b.waitFor(u"pong"_s);
        QVERIFY(!b.hasFrame(u"peer-left"_s));
    }

    void heldPeerExpires()
    {
        ServerConfig cfg = testConfig(m_dir.path());
        cfg.resumeGraceSec = 1;
        cfg.keepaliveSec = 1;
        Application app(cfg);
        TestClient b;
        QVERIFY(testserver::startAndOpen(app, b));
        b.join(u"expire"_s, u"Bob"_s);
        // a raw client that joins and then never answers pings: dropped with 4002, then expires
        QTcpSocket raw;
        QVERIFY(rawWebSocketOpen(raw, app.httpPort()));
        raw.write(maskedTextFrame("{\"type\":\"join\",\"room\":\"expire\",\"name\":\"Silent\"}"));
        const QJsonObject joined = b.waitFor(u"peer-joined"_s);
        const QJsonObject left = b.waitFor(u"peer-left"_s, 10000);
        QCOMPARE(left.value(u"peerId"_s).toString(), joined.value(u"peerId"_s).toString());
        QCOMPARE(left.value(u"reason"_s).toString(), u"timeout"_s);
    }
};

QTEST_GUILESS_MAIN(tst_Signaling)
#include "tst_signaling.moc"
