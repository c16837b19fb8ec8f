// Camera rooms (DESIGN.md "Cameras") against a local fake go2rtc: a QTcpServer in this test that
// speaks go2rtc's WebRTC handler (POST /api/webrtc?src=<stream>, JSON offer in, JSON answer out)
// and can be told to answer slowly, wrongly, or not at all. The server runs in this thread.

#include "DataRows.h"
#include "TestClient.h"
#include "TestIssuer.h"
#include "TestServer.h"
#include "TestVectors.h"
#include "app/Application.h"
#include "camera/CandidateFilter.h"
#include "camera/Go2rtcClient.h"
#include "config/ServerConfig.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
constexpr int cameraTimeoutMs = 1500;

// An answer as go2rtc (pion) writes it, with candidates of every kind.
const QString answerSdp = u"v=0\r\n"
                          "o=- 4215775240449105457 1 IN IP4 0.0.0.0\r\n"
                          "s=- \"quoted\" \\ ünïcode\r\n"
                          "t=0 0\r\n"
                          "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                          "c=IN IP4 0.0.0.0\r\n"
                          "a=candidate:1 1 udp 2130706431 192.168.1.20 8555 typ host\r\n"
                          "a=candidate:2 1 udp 2130706431 10.0.0.7 8555 typ host\r\n"
                          "a=candidate:3 1 udp 2130706431 172.20.1.1 8555 typ host\r\n"
                          "a=candidate:4 1 udp 2130706431 fd00::1234 8555 typ host\r\n"
                          "a=candidate:5 1 udp 2130706431 fe80::1 8555 typ host\r\n"
                          "a=candidate:6 1 udp 2130706431 127.0.0.1 8555 typ host\r\n"
                          "a=candidate:7 1 udp 2130706431 a1b2c3.local 8555 typ host\r\n"
                          "a=candidate:8 1 udp 2130706431 169.254.3.4 8555 typ host\r\n"
                          "a=candidate:9 1 udp 1694498815 203.0.113.9 8555 typ srflx raddr "
                          "192.168.1.20 rport 8555\r\n"
                          "a=candidate:10 1 tcp 1518280447 2001:db8::9 8555 typ host tcptype "
                          "passive\r\n"
                          "a=end-of-candidates\r\n"
                          "a=rtpmap:96 VP8/90000\r\n"_s;
const QString answerPublicOnly = u"v=0\r\n"
                                 "o=- 4215775240449105457 1 IN IP4 0.0.0.0\r\n"
                                 "s=- \"quoted\" \\ ünïcode\r\n"
                                 "t=0 0\r\n"
                                 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                 "c=IN IP4 0.0.0.0\r\n"
                                 "a=candidate:9 1 udp 1694498815 203.0.113.9 8555 typ srflx "
                                 "raddr 0.0.0.0 rport 0\r\n"
                                 "a=candidate:10 1 tcp 1518280447 2001:db8::9 8555 typ host "
                                 "tcptype passive\r\n"
                                 "a=end-of-candidates\r\n"
                                 "a=rtpmap:96 VP8/90000\r\n"_s;
const QString offerSdp = u"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                         "a=candidate:1 1 udp 1 192.168.5.5 5000 typ host\r\n"_s;

// A stand-in for go2rtc's HTTP API with a switchable behaviour.
class FakeGo2rtc : public QObject {
public:
    enum class Mode {
        Json,
        RawSdp201,
        NotFound,
        ServerError,
        Garbage,
        WrongType,
        Redirect,
        Slow,
        Hangup,
        Huge
    };

    struct Request {
        QByteArray method;
        QByteArray target; // path and query
        QByteArray contentType;
        QByteArray body;
    };

    FakeGo2rtc()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    bool listen(quint16 port = 0) { return m_server.listen(QHostAddress::LocalHost, port); }
    void stop() { m_server.close(); }
    quint16 port() const { return m_port ? m_port : m_server.serverPort(); }
    QString url() const { return u"http://127.0.0.1:%1/"_s.arg(port()); }
    void remember() { m_port = m_server.serverPort(); }

    Mode mode = Mode::Json;
    QString answer = answerSdp;
    QList<Request> requests;
    int open = 0; // connections that got a full request and no answer (slow mode)
    QPointer<QTcpSocket> lastSlow;

private:
    void onData(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        const qsizetype headEnd = buf.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        Request r;
        const QList<QByteArray> lines = buf.left(headEnd).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        r.method = first.value(0);
        r.target = first.value(1);
        qsizetype length = 0;
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            else if (name == "content-type")
                r.contentType = value;
        }
        if (buf.size() < headEnd + 4 + length)
            return;
        r.body = buf.mid(headEnd + 4, length);
        m_buffers.remove(s);
        requests.append(r);
        respond(s);
    }

    void respond(QTcpSocket *s)
    {
        const QByteArray sdp = answer.toUtf8();
        switch (mode) {
        case Mode::Json:
            send(s, "200 OK", "application/json",
                 QJsonDocument(QJsonObject{{u"type"_s, u"answer"_s}, {u"sdp"_s, answer}})
                     .toJson(QJsonDocument::Compact));
            return;
        case Mode::RawSdp201: send(s, "201 Created", "application/sdp", sdp); return;
        case Mode::NotFound: send(s, "404 Not Found", "text/plain", "stream not found"); return;
        case Mode::ServerError:
            send(s, "500 Internal Server Error", "text/plain", "streams: exec failed");
            return;
        case Mode::Garbage:
            send(s, "200 OK", "application/json", "{\"type\":\"answer\",sdp");
            return;
        case Mode::WrongType:
            send(s, "200 OK", "application/json",
                 QJsonDocument(QJsonObject{{u"type"_s, u"offer"_s}, {u"sdp"_s, answer}})
                     .toJson(QJsonDocument::Compact));
            return;
        case Mode::Redirect:
            send(s, "302 Found", "text/plain", "", "Location: http://127.0.0.1:1/\r\n");
            return;
        case Mode::Slow: // keep the connection, never answer
            ++open;
            lastSlow = s;
            return;
        case Mode::Hangup: s->abort(); return;
        case Mode::Huge:
            send(s, "200 OK", "application/json",
                 "{\"type\":\"answer\",\"sdp\":\"v=0" + QByteArray(400 * 1024, 'x') + "\"}");
            return;
        }
    }

    static void send(QTcpSocket *s, const QByteArray &status, const QByteArray &type,
                     const QByteArray &body, const QByteArray &extra = {})
    {
        s->write("HTTP/1.1 " + status + "\r\nContent-Type: " + type
                 + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" + extra
                 + "Connection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    quint16 m_port = 0;
};

QJsonObject frame(const QString &type, const QJsonObject &rest = {})
{
    QJsonObject o = rest;
    o.insert(u"type"_s, type);
    return o;
}

QJsonObject offerTo(const QString &to, const QString &sdp = offerSdp)
{
    return frame(
        u"signal"_s,
        {{u"to"_s, to},
         {u"data"_s,
          QJsonObject{{u"sdp"_s, QJsonObject{{u"type"_s, u"offer"_s}, {u"sdp"_s, sdp}}}}}});
}
} // namespace

class tst_Camera : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    TestIssuer m_issuer;
    FakeGo2rtc m_go2rtcA; // tenant localhost
    FakeGo2rtc m_go2rtcB; // tenant 127.0.0.1
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;

    // A viewer joined to `room` on `host`; the welcome is checked by the caller.
    std::unique_ptr<TestClient> viewer(const QString &room, QJsonObject *welcome,
                                       const QByteArray &host = "localhost",
                                       const QByteArray &idToken = {})
    {
        auto c = std::make_unique<TestClient>();
        if (!c->open(m_port, host))
            return nullptr;
        QJsonObject join = frame(u"join"_s, {{u"room"_s, room}, {u"name"_s, u"Viewer"_s}});
        if (!idToken.isEmpty())
            join.insert(u"idToken"_s, QString::fromLatin1(idToken));
        c->send(join);
        [[maybe_unused]] const bool answered = QTest::qWaitFor(
            [&] { return c->hasFrame(u"welcome"_s) || c->hasFrame(u"error"_s); }, 5000);
        *welcome = c->hasFrame(u"welcome"_s) ? c->waitFor(u"welcome"_s) : c->waitFor(u"error"_s);
        return c;
    }

    // A viewer in the lobby camera's room, go2rtc of tenant localhost answering in `mode` and
    // its request log cleared.
    std::unique_ptr<TestClient> lobbyViewer(FakeGo2rtc::Mode mode, QJsonObject *welcome)
    {
        m_go2rtcA.mode = mode;
        m_go2rtcA.requests.clear();
        return viewer(u"cam_lobby"_s, welcome);
    }

    // The code of the next error `v` gets, with " (ref X)" added unless it refers to a signal.
    static QString signalError(TestClient &v, int timeoutMs = 5000)
    {
        const QJsonObject e = v.waitFor(u"error"_s, timeoutMs);
        const QString ref = e.value(u"ref"_s).toString();
        const QString code = e.value(u"code"_s).toString();
        return ref == u"signal"_s ? code : code + u" (ref "_s + ref + u")"_s;
    }

private slots:
    void initTestCase();
    void cleanupTestCase() { m_app.reset(); }
    void config_data();
    void config();
    void candidateFilter_data();
    void candidateFilter();
    void offerUrl_data();
    void offerUrl();
    void join_data();
    void join();
    void answer_data();
    void answer();
    void slowGo2rtcKeepsTheLoopResponsive();
    void go2rtcDown();
    void viewerSignals_data();
    void viewerSignals();
    void oneOfferInFlight();
    void viewerLeavesWhileOfferInFlight();
    void perTenantGo2rtc();
};

void tst_Camera::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_go2rtcA.listen());
    QVERIFY(m_go2rtcB.listen());
    m_issuer.addKey(u"k1"_s, TestIssuer::KeyType::Ec);
    const QString jwks = m_dir.filePath(u"jwks.json"_s);
    QVERIFY(m_issuer.writeJwks(jwks));

    ServerConfig c = testserver::config(m_dir.path());
    c.cameraTimeoutMs = cameraTimeoutMs;
    TenantConfig a = testserver::tenant({u"localhost"_s}, "admin-secret", "bridge-secret");
    a.cameras = {CameraConfig{u"lobby"_s, u"lobby-stream"_s, u"anonymous"_s},
                 CameraConfig{u"vault"_s, u"vault-stream"_s, u"verified"_s}};
    a.go2rtcUrl = m_go2rtcA.url();
    OidcConfig oidc;
    oidc.issuer = m_issuer.issuer();
    oidc.audience = m_issuer.audience();
    oidc.jwksFile = jwks;
    a.oidc = oidc;
    TenantConfig b = a;
    b.hosts = {u"127.0.0.1"_s};
    b.host = b.hosts.first();
    b.oidc.reset();
    b.cameras = {CameraConfig{u"garage"_s, u"garage-stream"_s, u"anonymous"_s}};
    b.go2rtcUrl = m_go2rtcB.url().chopped(1) + u"/prefix"_s; // go2rtc behind a path prefix
    b.cameraLanCandidates = true;
    c.tenants = {a, b};
    m_app = testserver::start(c);
    QVERIFY(m_app);
    m_port = m_app->httpPort();
}

void tst_Camera::config_data()
{
    // timeoutMs: -1: refused
    addColumns<QString, QString, int, QString>("extraTop", "extraTenant", "timeoutMs", "go2rtcUrl");
    QTest::addRow("defaults") << QString() << QString() << 10000 << u"http://127.0.0.1:1984"_s;
    QTest::addRow("timeout") << u"\"cameraTimeoutMs\":2500,"_s << QString() << 2500
                             << u"http://127.0.0.1:1984"_s;
    QTest::addRow("timeout too short")
        << u"\"cameraTimeoutMs\":5,"_s << QString() << -1 << QString();
    QTest::addRow("https with a prefix")
        << QString() << u",\"go2rtcUrl\":\"https://cams.example/go2rtc\""_s << 10000
        << u"https://cams.example/go2rtc"_s;
    QTest::addRow("not http") << QString() << u",\"go2rtcUrl\":\"ftp://cams.example\""_s << -1
                              << QString();
    QTest::addRow("no host") << QString() << u",\"go2rtcUrl\":\"http://\""_s << -1 << QString();
    QTest::addRow("a query") << QString() << u",\"go2rtcUrl\":\"http://a/?x=1\""_s << -1
                             << QString();
}

void tst_Camera::config()
{
    QFETCH(QString, extraTop);
    QFETCH(QString, extraTenant);
    QFETCH(int, timeoutMs);
    QFETCH(QString, go2rtcUrl);
    const QString json = u"{"_s + extraTop
        + u"\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"x\",\"bridgeSecret\":\"y\""_s
        + extraTenant + u"}]}"_s;
    QString error;
    const auto c = ServerConfig::parse(json.toUtf8(), &error);
    if (timeoutMs < 0) {
        QVERIFY(!c);
        QVERIFY2(error.contains(u"camera"_s) || error.contains(u"go2rtc"_s), qPrintable(error));
        return;
    }
    QVERIFY2(c, qPrintable(error));
    QCOMPARE(c->cameraTimeoutMs, timeoutMs);
    QCOMPARE(c->tenants.first().go2rtcUrl, go2rtcUrl);
    QCOMPARE(c->tenants.first().cameraLanCandidates, false);
}

void tst_Camera::candidateFilter_data()
{
    addColumns<QString, bool>("address", "isPrivate");
    for (const char *a : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.1", "100.64.0.1",
                          "127.0.0.1", "169.254.1.1", "0.0.0.0", "::1", "::", "fd12::1", "fc00::1",
                          "fe80::1", "::ffff:192.168.1.1", "abc-def.local", "ABC.LOCAL"})
        QTest::addRow("private %s", a) << QString::fromLatin1(a) << true;
    for (const char *a : {"8.8.8.8", "172.32.0.1", "100.128.0.1", "203.0.113.9", "2001:db8::1",
                          "::ffff:8.8.8.8", "stun.example.com"})
        QTest::addRow("public %s", a) << QString::fromLatin1(a) << false;
}

void tst_Camera::candidateFilter()
{
    QFETCH(QString, address);
    QFETCH(bool, isPrivate);
    QCOMPARE(CandidateFilter::isPrivateText(address), isPrivate);
    // In a candidate line: kept (byte for byte) or removed.
    const QString sdp = u"v=0\na=candidate:1 1 udp 5 "_s + address + u" 9 typ host\r\nx=1"_s;
    int removed = -1;
    const QString out = CandidateFilter::withoutPrivateCandidates(sdp, &removed);
    QCOMPARE(removed, isPrivate ? 1 : 0);
    QCOMPARE(out, isPrivate ? u"v=0\nx=1"_s : sdp);
}

void tst_Camera::offerUrl_data()
{
    addColumns<QString, QString>("base", "url");
    QTest::addRow("bare") << u"http://127.0.0.1:1984"_s
                          << u"http://127.0.0.1:1984/api/webrtc?src=s-1"_s;
    QTest::addRow("slash") << u"http://127.0.0.1:1984/"_s
                           << u"http://127.0.0.1:1984/api/webrtc?src=s-1"_s;
    QTest::addRow("prefix") << u"https://cams.example/go2rtc/"_s
                            << u"https://cams.example/go2rtc/api/webrtc?src=s-1"_s;
}

void tst_Camera::offerUrl()
{
    QFETCH(QString, base);
    QFETCH(QString, url);
    QCOMPARE(Go2rtcClient::offerUrl(base, u"s-1"_s).toString(), url);
}

void tst_Camera::join_data()
{
    // expect: the camera's name in welcome, or the error code
    addVectorRows<QByteArray, QString, bool, QString>("camera_join.json", "host", "room",
                                                      "verified", "expect");
}

void tst_Camera::join()
{
    QFETCH(QByteArray, host);
    QFETCH(QString, room);
    QFETCH(bool, verified);
    QFETCH(QString, expect);
    const QByteArray token = verified ? m_issuer.token(u"k1"_s, m_issuer.claims()) : QByteArray();
    QJsonObject first;
    auto a = viewer(room, &first, host, token);
    QVERIFY(a);
    if (expect == u"unknown-camera"_s) {
        QCOMPARE(first.value(u"type"_s).toString(), u"error"_s);
        QCOMPARE(first.value(u"code"_s).toString(), expect);
        QCOMPARE(first.value(u"ref"_s).toString(), u"join"_s);
        // No room was made: a second try is refused the same way, and nobody got in.
        QVERIFY(!a->hasFrame(u"welcome"_s));
        return;
    }
    QCOMPARE(first.value(u"type"_s).toString(), u"welcome"_s);
    QCOMPARE(first.value(u"room"_s).toString(), room);
    const QJsonArray peers = first.value(u"peers"_s).toArray();
    QCOMPARE(peers.size(), 1);
    QCOMPARE(peers[0].toObject(),
             (QJsonObject{{u"peerId"_s, QString(u"cam:"_s + expect)},
                          {u"name"_s, expect},
                          {u"kind"_s, u"camera"_s}}));
    // A second viewer sees the camera first, then the first viewer.
    QJsonObject second;
    auto b = viewer(room, &second, host, token);
    QVERIFY(b);
    const QJsonArray peers2 = second.value(u"peers"_s).toArray();
    QCOMPARE(peers2.size(), 2);
    QCOMPARE(peers2[0].toObject().value(u"peerId"_s).toString(), u"cam:"_s + expect);
    QCOMPARE(peers2[1].toObject().value(u"peerId"_s), first.value(u"peerId"_s));
    QCOMPARE(peers2[1].toObject().value(u"kind"_s).toString(), u"browser"_s);
}

void tst_Camera::answer_data()
{
    // expectSdp: empty: camera-unavailable
    addColumns<int, QString>("mode", "expectSdp");
    QTest::addRow("json answer, private candidates removed")
        << int(FakeGo2rtc::Mode::Json) << answerPublicOnly;
    QTest::addRow("201 raw sdp") << int(FakeGo2rtc::Mode::RawSdp201) << answerPublicOnly;
    QTest::addRow("404 unknown stream") << int(FakeGo2rtc::Mode::NotFound) << QString();
    QTest::addRow("500") << int(FakeGo2rtc::Mode::ServerError) << QString();
    QTest::addRow("garbage") << int(FakeGo2rtc::Mode::Garbage) << QString();
    QTest::addRow("an offer for an answer") << int(FakeGo2rtc::Mode::WrongType) << QString();
    QTest::addRow("redirect") << int(FakeGo2rtc::Mode::Redirect) << QString();
    QTest::addRow("hangs up") << int(FakeGo2rtc::Mode::Hangup) << QString();
    QTest::addRow("huge answer") << int(FakeGo2rtc::Mode::Huge) << QString();
}

void tst_Camera::answer()
{
    QFETCH(int, mode);
    QFETCH(QString, expectSdp);
    QJsonObject welcome;
    auto v = lobbyViewer(FakeGo2rtc::Mode(mode), &welcome);
    QVERIFY(v);
    QCOMPARE(welcome.value(u"type"_s).toString(), u"welcome"_s);
    v->send(offerTo(u"cam:lobby"_s));
    QTRY_VERIFY_WITH_TIMEOUT(v->hasFrame(u"signal"_s) || v->hasFrame(u"error"_s),
                             cameraTimeoutMs + 3000);
    // What go2rtc got: go2rtc's JSON offer on its WebRTC endpoint.
    // Qt's HTTP stack sends a request once more when the connection closes before any answer:
    // still the same one offer (one reply) of this viewer.
    QVERIFY(m_go2rtcA.requests.size() == 1
            || (mode == int(FakeGo2rtc::Mode::Hangup) && m_go2rtcA.requests.size() == 2));
    const auto &r = m_go2rtcA.requests.first();
    QCOMPARE(r.method, QByteArray("POST"));
    QCOMPARE(r.target, QByteArray("/api/webrtc?src=lobby-stream"));
    QCOMPARE(r.contentType, QByteArray("application/json"));
    QCOMPARE(QJsonDocument::fromJson(r.body).object(),
             (QJsonObject{{u"type"_s, u"offer"_s}, {u"sdp"_s, offerSdp}}));
    if (expectSdp.isEmpty()) {
        QCOMPARE(signalError(*v), u"camera-unavailable"_s);
        QVERIFY(!v->hasFrame(u"signal"_s));
        // The message is fixed: no URL, host or port of go2rtc.
        const QString raw = v->raw.last();
        QVERIFY(!raw.contains(u"127.0.0.1"_s) && !raw.contains(QString::number(m_go2rtcA.port())));
        return;
    }
    const QJsonObject s = v->waitFor(u"signal"_s);
    QCOMPARE(s.value(u"from"_s).toString(), u"cam:lobby"_s);
    QCOMPARE(
        s.value(u"data"_s).toObject(),
        (QJsonObject{{u"sdp"_s, QJsonObject{{u"type"_s, u"answer"_s}, {u"sdp"_s, expectSdp}}}}));
    QCOMPARE(s.value(u"data"_s).toObject().value(u"sdp"_s).toObject().value(u"sdp"_s).toString(),
             expectSdp); // byte for byte
}

void tst_Camera::slowGo2rtcKeepsTheLoopResponsive()
{
    QJsonObject welcome;
    auto v = lobbyViewer(FakeGo2rtc::Mode::Slow, &welcome);
    QVERIFY(v);
    QElapsedTimer t;
    t.start();
    v->send(offerTo(u"cam:lobby"_s));
    QTRY_COMPARE(m_go2rtcA.requests.size(), 1);
    // While go2rtc says nothing, the same socket and others are served at once.
    v->send(frame(u"ping"_s));
    QVERIFY(!v->waitFor(u"pong"_s, cameraTimeoutMs).isEmpty());
    const qint64 pongMs = t.elapsed();
    QJsonObject other;
    auto w = viewer(u"an-ordinary-room"_s, &other);
    QVERIFY(w);
    QCOMPARE(other.value(u"type"_s).toString(), u"welcome"_s);
    QVERIFY2(pongMs < cameraTimeoutMs / 2, qPrintable(QString::number(pongMs)));
    QVERIFY(!v->hasFrame(u"error"_s) && !v->hasFrame(u"signal"_s));
    // Then the timeout ends the offer: camera-unavailable, never a hang.
    QCOMPARE(signalError(*v, cameraTimeoutMs + 3000), u"camera-unavailable"_s);
    QVERIFY2(t.elapsed() >= cameraTimeoutMs - 100, qPrintable(QString::number(t.elapsed())));
}

void tst_Camera::go2rtcDown()
{
    // Nothing listens on go2rtc's port: connection refused.
    m_go2rtcA.remember();
    m_go2rtcA.stop();
    m_go2rtcA.mode = FakeGo2rtc::Mode::Json;
    QJsonObject welcome;
    auto v = viewer(u"cam_lobby"_s, &welcome);
    QVERIFY(v);
    v->send(offerTo(u"cam:lobby"_s));
    QCOMPARE(signalError(*v, cameraTimeoutMs + 3000), u"camera-unavailable"_s);
    // go2rtc comes back: the next offer gets its answer.
    QVERIFY(m_go2rtcA.listen(m_go2rtcA.port()));
    v->send(offerTo(u"cam:lobby"_s));
    const QJsonObject s = v->waitFor(u"signal"_s, cameraTimeoutMs + 3000);
    QCOMPARE(s.value(u"from"_s).toString(), u"cam:lobby"_s);
}

void tst_Camera::viewerSignals_data()
{
    // data: raw JSON
    // expect: error code; empty: nothing at all
    addColumns<QString, QString, QString>("to", "data", "expect");
    const QString offer = u"{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}"_s;
    QTest::addRow("to the other viewer") << u"other"_s << offer << u"forbidden"_s;
    QTest::addRow("to another camera") << u"cam:vault"_s << offer << u"unknown-peer"_s;
    QTest::addRow("to nobody") << u"nobody"_s << offer << u"unknown-peer"_s;
    QTest::addRow("to itself") << u"self"_s << offer << u"unknown-peer"_s;
    QTest::addRow("candidate to the camera")
        << u"cam:lobby"_s
        << u"{\"candidate\":{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 "
           "typ host\",\"sdpMid\":\"0\"}}"_s
        << QString();
    QTest::addRow("end of candidates to the camera")
        << u"cam:lobby"_s << u"{\"candidate\":null}"_s << QString();
    QTest::addRow("an answer to the camera")
        << u"cam:lobby"_s << u"{\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}"_s
        << u"bad-frame"_s;
    QTest::addRow("not sdp") << u"cam:lobby"_s << u"{\"sdp\":{\"type\":\"offer\",\"sdp\":7}}"_s
                             << u"bad-frame"_s;
    QTest::addRow("a string") << u"cam:lobby"_s << u"\"hello\""_s << u"bad-frame"_s;
}

void tst_Camera::viewerSignals()
{
    QFETCH(QString, to);
    QFETCH(QString, data);
    QFETCH(QString, expect);
    QJsonObject wa, wb;
    auto a = lobbyViewer(FakeGo2rtc::Mode::Json, &wa);
    auto b = viewer(u"cam_lobby"_s, &wb);
    QVERIFY(a && b);
    QString target = to;
    if (to == u"other"_s)
        target = wb.value(u"peerId"_s).toString();
    else if (to == u"self"_s)
        target = wa.value(u"peerId"_s).toString();
    a->send(u"{\"type\":\"signal\",\"to\":\""_s + target + u"\",\"data\":"_s + data + u"}"_s);
    // A ping after it: once pong is there, the signal was handled.
    a->send(frame(u"ping"_s));
    QVERIFY(!a->waitFor(u"pong"_s).isEmpty());
    if (expect.isEmpty()) {
        QVERIFY(!a->hasFrame(u"error"_s));
    } else {
        QJsonObject e; // sent before the pong
        for (const QJsonObject &f : std::as_const(a->frames)) {
            if (f.value(u"type"_s) == u"error"_s)
                e = f;
        }
        QCOMPARE(e.value(u"code"_s).toString(), expect);
        QCOMPARE(e.value(u"ref"_s).toString(), u"signal"_s);
    }
    // Nothing reached the other viewer or go2rtc.
    QVERIFY(!b->hasFrame(u"signal"_s));
    QCOMPARE(m_go2rtcA.requests.size(), 0);
}

void tst_Camera::oneOfferInFlight()
{
    QJsonObject w;
    auto v = lobbyViewer(FakeGo2rtc::Mode::Slow, &w);
    QVERIFY(v);
    v->send(offerTo(u"cam:lobby"_s));
    QTRY_COMPARE(m_go2rtcA.requests.size(), 1);
    v->send(offerTo(u"cam:lobby"_s));
    QCOMPARE(signalError(*v), u"rate-limited"_s);
    // Another viewer has its own offer in flight.
    QJsonObject w2;
    auto v2 = viewer(u"cam_lobby"_s, &w2);
    QVERIFY(v2);
    v2->send(offerTo(u"cam:lobby"_s));
    QTRY_COMPARE(m_go2rtcA.requests.size(), 2);
    QCOMPARE(v->waitFor(u"error"_s, cameraTimeoutMs + 3000).value(u"code"_s).toString(),
             u"camera-unavailable"_s);
    // Once the first ended, the viewer may offer again.
    m_go2rtcA.mode = FakeGo2rtc::Mode::Json;
    v->send(offerTo(u"cam:lobby"_s));
    QCOMPARE(v->waitFor(u"signal"_s, cameraTimeoutMs + 3000).value(u"from"_s).toString(),
             u"cam:lobby"_s);
}

void tst_Camera::viewerLeavesWhileOfferInFlight()
{
    m_go2rtcA.open = 0;
    QJsonObject w;
    auto v = lobbyViewer(FakeGo2rtc::Mode::Slow, &w);
    QVERIFY(v);
    v->send(offerTo(u"cam:lobby"_s));
    QTRY_COMPARE(m_go2rtcA.open, 1);
    QVERIFY(m_go2rtcA.lastSlow);
    QSignalSpy closed(m_go2rtcA.lastSlow.data(), &QTcpSocket::disconnected);
    v->send(frame(u"leave"_s));
    // The server gives up the request at once (no answer is waited for nobody).
    QVERIFY(closed.wait(cameraTimeoutMs / 2));
    v.reset();
    // The room is gone or empty; a new viewer joins a fresh camera room.
    QJsonObject w2;
    auto v2 = viewer(u"cam_lobby"_s, &w2);
    QVERIFY(v2);
    QCOMPARE(w2.value(u"peers"_s).toArray().size(), 1);
}

void tst_Camera::perTenantGo2rtc()
{
    m_go2rtcA.requests.clear();
    m_go2rtcB.requests.clear();
    m_go2rtcB.mode = FakeGo2rtc::Mode::Json;
    QJsonObject w;
    auto v = viewer(u"cam_garage"_s, &w, "127.0.0.1");
    QVERIFY(v);
    QCOMPARE(w.value(u"type"_s).toString(), u"welcome"_s);
    v->send(offerTo(u"cam:garage"_s));
    const QJsonObject s = v->waitFor(u"signal"_s, cameraTimeoutMs + 3000);
    QCOMPARE(s.value(u"from"_s).toString(), u"cam:garage"_s);
    // Its own go2rtc, under its path prefix, and its stream id.
    QCOMPARE(m_go2rtcB.requests.size(), 1);
    QCOMPARE(m_go2rtcB.requests.first().target, QByteArray("/prefix/api/webrtc?src=garage-stream"));
    QCOMPARE(m_go2rtcA.requests.size(), 0);
    // cameraLanCandidates is set for this tenant: the answer is relayed whole.
    QCOMPARE(s.value(u"data"_s).toObject().value(u"sdp"_s).toObject().value(u"sdp"_s).toString(),
             answerSdp);
}

QTEST_GUILESS_MAIN(tst_Camera)
#include "tst_camera.moc"
