// HTTPS and WSS on the public port (DESIGN.md "TLS, service and metrics"), through the real
// binary: RSA and EC keys, a chain, SIGHUP renewals under a live WSS connection, a bad file on
// reload, "self-signed", httpRedirectListen, the handshake timeout and the per-address limit.

#include "DataRows.h"
#include "TestClient.h"
#include "TlsFixture.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <csignal>

using namespace Qt::StringLiterals;
using namespace tlsfixture;

namespace {
// Opens `client` over wss on `port`, trusting what `ssl` trusts; true once connected.
bool openWss(TestClient &client, quint16 port, const QSslConfiguration &ssl)
{
    client.socket.setSslConfiguration(ssl);
    QSignalSpy connected(&client.socket, &QWebSocket::connected);
    client.socket.open(QNetworkRequest(QUrl(u"wss://127.0.0.1:%1/signal.ashx"_s.arg(port))));
    return connected.wait(10000);
}
} // namespace

class tst_Tls : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void httpsAndWss_data();
    void httpsAndWss();
    void reloadSwapsCertificateUnderLiveSocket();
    void selfSigned();
    void redirectListener();
    void handshakeTimeout();
    void limitHoldsBeforeHandshake();
    void badFileStopsStart();

private:
    // Writes a config with `tls` (a JSON value) and `extra` top-level members, starts the
    // server; the returned pointer is alive until the test ends.
    Server *start(const QString &tlsJson, const QString &extra = {});
    // start() with the `name`.crt / `name`.key pair of the test PKI.
    Server *startWithPair(const QString &name, const QString &extra = {})
    {
        return start(u"{\"cert\":\"%1\",\"key\":\"%2\"}"_s.arg(file(name + u".crt"_s),
                                                               file(name + u".key"_s)),
                     extra);
    }
    QString file(const QString &name) const { return m_pki.filePath(name); }

    QTemporaryDir m_pki;
    std::unique_ptr<QTemporaryDir> m_run;
    std::unique_ptr<Server> m_server;
};

void tst_Tls::initTestCase()
{
    QVERIFY(m_pki.isValid());
    QVERIFY(makePki(m_pki.path()));
}

Server *tst_Tls::start(const QString &tlsJson, const QString &extra)
{
    m_server.reset();
    m_run = std::make_unique<QTemporaryDir>();
    const QString path = m_run->filePath(u"config.json"_s);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return nullptr;
    f.write(u"{\"listen\":\"127.0.0.1:0\",\"adminListen\":\"127.0.0.1:0\",\"dataDir\":\"%1\","
            "\"tls\":%2,%3\"tenants\":[{\"hosts\":[\"localhost\",\"127.0.0.1\"],"
            "\"adminSecret\":\"a\",\"bridgeSecret\":\"b\"}]}"_s
                .arg(m_run->path(), tlsJson, extra.isEmpty() ? QString() : extra + u',')
                .toUtf8());
    f.close();
    m_server = std::make_unique<Server>();
    if (!m_server->start({u"--config"_s, path}))
        return nullptr;
    return m_server.get();
}

void tst_Tls::httpsAndWss_data()
{
    // "chain": signed by an intermediate the client does not know; only the served chain makes
    // it pass.
    addRows<QString>("name", {{"rsa", u"rsa"_s}, {"ec", u"ec"_s}, {"chain", u"chained"_s}});
}

void tst_Tls::httpsAndWss()
{
    QFETCH(QString, name);
    Server *s = startWithPair(name);
    QVERIFY(s);
    const quint16 port = s->port();
    QVERIFY(port != 0);
    const HttpsAnswer a = httpsGet(port, "/signal.ashx", trusting(file(u"ca.crt"_s)));
    QVERIFY(a.encrypted);
    QVERIFY2(a.response.startsWith("HTTP/1.1 200"), a.response.constData());
    QVERIFY(a.response.contains("switchboard " SWITCHBOARD_VERSION));
    QCOMPARE(a.peer, certificate(file(name + u".crt"_s)));

    TestClient client;
    QVERIFY(openWss(client, port, trusting(file(u"ca.crt"_s))));
    const QJsonObject welcome = client.join(u"tls-room"_s, u"Ann"_s);
    QCOMPARE(welcome.value(u"room"_s).toString(), u"tls-room"_s);

    // The admin socket takes the same pair (wss).
    const quint16 admin = s->adminPort();
    const HttpsAnswer m = httpsGet(admin, "/metrics", trusting(file(u"ca.crt"_s)));
    QVERIFY(m.encrypted);
    QCOMPARE(m.peer, certificate(file(name + u".crt"_s)));
}

void tst_Tls::reloadSwapsCertificateUnderLiveSocket()
{
    // The config names fixed paths; a renewal overwrites the files and sends SIGHUP.
    QTemporaryDir live;
    QVERIFY(QFile::copy(file(u"rsa.crt"_s), live.filePath(u"cert.pem"_s)));
    QVERIFY(QFile::copy(file(u"rsa.key"_s), live.filePath(u"key.pem"_s)));
    Server *s = start(u"{\"cert\":\"%1\",\"key\":\"%2\"}"_s.arg(live.filePath(u"cert.pem"_s),
                                                                live.filePath(u"key.pem"_s)));
    QVERIFY(s);
    const quint16 port = s->port();
    const QSslConfiguration ca = trusting(file(u"ca.crt"_s));
    QCOMPARE(httpsGet(port, "/signal.ashx", ca).peer, certificate(file(u"rsa.crt"_s)));

    TestClient first;
    QVERIFY(openWss(first, port, ca));
    QVERIFY(!first.join(u"renewal"_s, u"Ann"_s).isEmpty());
    QSignalSpy closed(&first.socket, &QWebSocket::disconnected);

    // A renewal to an EC pair.
    QVERIFY(QFile::remove(live.filePath(u"cert.pem"_s))
            && QFile::remove(live.filePath(u"key.pem"_s)));
    QVERIFY(QFile::copy(file(u"ec2.crt"_s), live.filePath(u"cert.pem"_s)));
    QVERIFY(QFile::copy(file(u"ec2.key"_s), live.filePath(u"key.pem"_s)));
    ::kill(pid_t(s->process.processId()), SIGHUP);
    QVERIFY(!s->waitFor(u"certificate reloaded"_s).isEmpty());
    QCOMPARE(httpsGet(port, "/signal.ashx", ca).peer, certificate(file(u"ec2.crt"_s)));

    // The connection made before the renewal is open and still carries frames.
    TestClient second;
    QVERIFY(openWss(second, port, ca));
    QCOMPARE(second.socket.sslConfiguration().peerCertificate(), certificate(file(u"ec2.crt"_s)));
    QVERIFY(!second.join(u"renewal"_s, u"Bob"_s).isEmpty());
    QVERIFY(!first.waitFor(u"peer-joined"_s).isEmpty());
    QCOMPARE(first.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(closed.count(), 0);

    // A bad file on reload: logged, the previous pair kept.
    QFile broken(live.filePath(u"cert.pem"_s));
    QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
    broken.write("not a certificate\n");
    broken.close();
    ::kill(pid_t(s->process.processId()), SIGHUP);
    QVERIFY(!s->waitFor(u"reload failed, keeping the previous certificate"_s).isEmpty());
    QCOMPARE(httpsGet(port, "/signal.ashx", ca).peer, certificate(file(u"ec2.crt"_s)));
    QCOMPARE(first.socket.state(), QAbstractSocket::ConnectedState);
}

void tst_Tls::selfSigned()
{
    Server *s = start(u"\"self-signed\""_s);
    QVERIFY(s);
    const quint16 port = s->port();
    const QString fingerprint = s->waitFor(u"SHA-256 fingerprint ([0-9A-F:]{95})"_s);
    QVERIFY(!fingerprint.isEmpty());
    const QString key = m_run->filePath(u"tls-self-signed.key"_s);
    const QString crt = m_run->filePath(u"tls-self-signed.crt"_s);
    // 0600: the owner reads and writes, group and others nothing.
    const QFileDevice::Permissions mode = QFile::permissions(key);
    QVERIFY(mode.testFlag(QFileDevice::ReadOwner) && mode.testFlag(QFileDevice::WriteOwner));
    QCOMPARE(int(mode & 0x00ff), 0);
    const QSslCertificate cert = certificate(crt);
    QVERIFY(!cert.isNull());
    QCOMPARE(cert.digest(QCryptographicHash::Sha256).toHex(':').toUpper(), fingerprint.toLatin1());
    QCOMPARE(cert.subjectAlternativeNames().values(QSsl::DnsEntry), QStringList{u"localhost"_s});
    QCOMPARE(cert.subjectAlternativeNames().values(QSsl::IpAddressEntry),
             QStringList{u"127.0.0.1"_s});
    // A client that trusts exactly this certificate gets through.
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.setCaCertificates({cert});
    const HttpsAnswer a = httpsGet(port, "/signal.ashx", trust);
    QVERIFY2(a.response.startsWith("HTTP/1.1 200"), a.response.constData());
    QCOMPARE(a.peer, cert);

    // Made once: a restart keeps the pair.
    const QByteArray before = cert.toPem();
    m_server->stop();
    auto again = std::make_unique<Server>();
    QVERIFY(again->start({u"--config"_s, m_run->filePath(u"config.json"_s)}));
    QCOMPARE(again->waitFor(u"SHA-256 fingerprint ([0-9A-F:]{95})"_s), fingerprint);
    QCOMPARE(certificate(crt).toPem(), before);
}

void tst_Tls::redirectListener()
{
    Server *s = startWithPair(u"rsa"_s, u"\"httpRedirectListen\":\"127.0.0.1:0\""_s);
    QVERIFY(s);
    const quint16 port = s->port();
    const quint16 redirect
        = quint16(s->waitFor(u"redirecting http on \"127.0.0.1\" (\\d+)"_s).toUInt());
    QVERIFY(redirect != 0);
    const auto get = [&](const QByteArray &request) { return plainExchange(redirect, request); };
    const QByteArray moved = get("GET /room.html?r=a HTTP/1.1\r\nHost: localhost:80\r\n\r\n");
    QVERIFY2(moved.startsWith("HTTP/1.1 308"), moved.constData());
    const QByteArray location
        = "Location: https://localhost:" + QByteArray::number(port) + "/room.html?r=a\r\n";
    QVERIFY(moved.contains(location));
    const QByteArray live = get("GET /signal.ashx HTTP/1.1\r\nHost: anything\r\n\r\n");
    QVERIFY2(live.startsWith("HTTP/1.1 200"), live.constData());
    QVERIFY(live.contains("switchboard " SWITCHBOARD_VERSION));
    QVERIFY(get("GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 400"));
}

void tst_Tls::handshakeTimeout()
{
    Server *s = startWithPair(u"ec"_s, u"\"tlsHandshakeTimeoutSec\":1"_s);
    QVERIFY(s);
    QTcpSocket idle;
    idle.connectToHost(QHostAddress::LocalHost, s->port());
    QVERIFY(idle.waitForConnected(5000));
    QElapsedTimer t;
    t.start();
    // No ClientHello: the server hangs up after the handshake timeout (1 s), not the HTTP idle
    // timeout (30 s).
    QTRY_COMPARE_WITH_TIMEOUT(idle.state(), QAbstractSocket::UnconnectedState, 8000);
    QVERIFY(t.elapsed() < 8000);
}

void tst_Tls::limitHoldsBeforeHandshake()
{
    Server *s = startWithPair(u"ec"_s, u"\"limits\":{\"maxConnectionsPerIp\":2}"_s);
    QVERIFY(s);
    const quint16 port = s->port();
    QTcpSocket a, b, c;
    for (QTcpSocket *t : {&a, &b, &c}) {
        t->connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(t->waitForConnected(5000));
    }
    // The third is cut before any handshake; the first two stay until their own timeout.
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(a.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(b.state(), QAbstractSocket::ConnectedState);
    a.abort();
    b.abort();
    // Once they are gone, a real client gets in again.
    QTRY_VERIFY_WITH_TIMEOUT(httpsGet(port, "/signal.ashx", trusting(file(u"ca.crt"_s)))
                                 .response.startsWith("HTTP/1.1 200"),
                             10000);
}

void tst_Tls::badFileStopsStart()
{
    QTemporaryDir dir;
    QFile cfg(dir.filePath(u"config.json"_s));
    QVERIFY(cfg.open(QIODevice::WriteOnly));
    // The EC key of another certificate: refused by name, not a "not valid PEM".
    cfg.write(u"{\"listen\":\"127.0.0.1:0\",\"adminListen\":\"127.0.0.1:0\",\"dataDir\":\"%1\","
              "\"tls\":{\"cert\":\"%2\",\"key\":\"%3\"},\"tenants\":[{\"hosts\":[\"localhost\"],"
              "\"adminSecret\":\"a\",\"bridgeSecret\":\"b\"}]}"_s
                  .arg(dir.path(), file(u"ec.crt"_s), file(u"ec2.key"_s))
                  .toUtf8());
    cfg.close();
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(SWITCHBOARD_SERVER_BIN), {u"--config"_s, cfg.fileName()});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(p.readAll().contains("does not belong to the certificate"), "no clear error");
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
