#include "DataRows.h"
#include "config/CommandLine.h"
#include "config/ServerConfig.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_ServerConfig : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_secretFile;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_secretFile = m_dir.filePath(u"bridge.secret"_s);
        QFile f(m_secretFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("from-file\r\n");
        qputenv("SB_TEST_ADMIN_SECRET", "from-env");
    }

    void parse_data()
    {
        // errorKey: empty: must parse
        addColumns<QString, QString>("json", "errorKey");
        const QString base = u"\"adminSecret\":\"a\",\"bridgeSecret\":\"b\""_s;
        const auto tenant = [&](const QString &extra) -> QString {
            return u"{\"tenants\":[{\"host\":\"Phone.Example.com.\","_s + base + extra + u"}]}"_s;
        };
        QTest::addRow("minimal") << tenant(QString()) << QString();
        QTest::addRow("full") << QString(
            u"{\"listen\":\"0.0.0.0:9000\",\"adminListen\":\"[::1]:9001\","
            "\"limits\":{\"maxFrameBytes\":4096,\"maxPeersPerRoom\":4},"
            "\"keepaliveSec\":5,\"resumeGraceSec\":0,\"retentionDays\":7,"
            "\"trustedProxies\":[\"10.0.0.0/8\"],\"tenants\":[{\"hosts\":[\"a\",\"b:8080\"],"_s
            + base
            + u",\"turn\":{\"secret\":\"t\",\"urls\":[\"turn:x\"],\"ttlSec\":600},"
              "\"cameras\":[{\"name\":\"lobby\",\"streamId\":\"lobby\"}],"
              "\"oidc\":{\"issuer\":\"https://id\",\"audience\":\"sb\",\"jwksFile\":\"/j\"}}]}"_s)
                              << QString();
        QTest::addRow("not json") << u"{"_s << u"config"_s;
        QTest::addRow("no tenants") << u"{\"tenants\":[]}"_s << u"tenants"_s;
        QTest::addRow("unknown top key") << u"{\"tenants\":[],\"bogus\":1}"_s << u"tenants"_s;
        QTest::addRow("unknown tenant key")
            << tenant(u",\"colour\":\"red\""_s) << u"tenants[0].colour"_s;
        QTest::addRow("missing admin secret")
            << u"{\"tenants\":[{\"host\":\"a\",\"bridgeSecret\":\"b\"}]}"_s
            << u"tenants[0].adminSecret"_s;
        QTest::addRow("missing host")
            << u"{\"tenants\":[{"_s + base + u"}]}"_s << u"tenants[0].host"_s;
        QTest::addRow("wrong type")
            << tenant(u",\"ringTimeoutSec\":\"45\""_s) << u"tenants[0].ringTimeoutSec"_s;
        QTest::addRow("bad env secret")
            << u"{\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"env:SB_TEST_NOT_SET\",\"bridgeSecret\":\"b\"}]}"_s
            << u"tenants[0].adminSecret"_s;
        QTest::addRow("bad file secret")
            << u"{\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"a\",\"bridgeSecret\":\"file:/nonexistent/x\"}]}"_s
            << u"tenants[0].bridgeSecret"_s;
        QTest::addRow("rotation window")
            << tenant(u",\"previousAdminSecret\":\"old\",\"previousBridgeSecret\":\"env:SB_TEST_"
                      u"ADMIN_SECRET\","
                      "\"previousSecretsUntil\":\"2026-12-01T00:00:00Z\""_s)
            << QString();
        QTest::addRow("previous secret without the window end")
            << tenant(u",\"previousAdminSecret\":\"old\""_s)
            << u"tenants[0].previousSecretsUntil"_s;
        QTest::addRow("window end without a zone") << tenant(
            u",\"previousBridgeSecret\":\"old\",\"previousSecretsUntil\":\"2026-12-01T00:00:00\""_s)
                                                   << u"tenants[0].previousSecretsUntil"_s;
        QTest::addRow("window end not a date")
            << tenant(u",\"previousBridgeSecret\":\"old\",\"previousSecretsUntil\":\"soon\""_s)
            << u"tenants[0].previousSecretsUntil"_s;
        QTest::addRow("bad previous secret") << tenant(
            u",\"previousBridgeSecret\":\"env:SB_TEST_NOT_SET\",\"previousSecretsUntil\":\"2026-12-01T00:00:00Z\""_s)
                                             << u"tenants[0].previousBridgeSecret"_s;
        QTest::addRow("bad limit")
            << u"{\"limits\":{\"maxFrameBytes\":-1},\"tenants\":[{\"host\":\"a\","_s + base
                + u"}]}"_s
            << u"limits.maxFrameBytes"_s;
        QTest::addRow("limit beyond 64 bits")
            << u"{\"limits\":{\"maxFrameBytes\":4096666666666666666666666666666666},\"tenants\":[{\"host\":\"a\","_s
                + base + u"}]}"_s
            << u"limits.maxFrameBytes"_s;
        QTest::addRow("limit with a fraction")
            << u"{\"limits\":{\"maxRooms\":10.5},\"tenants\":[{\"host\":\"a\","_s + base + u"}]}"_s
            << u"limits.maxRooms"_s;
        QTest::addRow("unknown limit")
            << u"{\"limits\":{\"maxFrames\":1},\"tenants\":[{\"host\":\"a\","_s + base + u"}]}"_s
            << u"limits.maxFrames"_s;
        QTest::addRow("bad listen") << u"{\"listen\":\"nope\",\"tenants\":[{\"host\":\"a\","_s
                + base + u"}]}"_s << u"listen"_s;
        QTest::addRow("bad cidr") << tenant(u",\"bridgeAllowFrom\":[\"300.1.1.1/8\"]"_s)
                                  << u"tenants[0].bridgeAllowFrom[0]"_s;
        QTest::addRow("turn without urls")
            << tenant(u",\"turn\":{\"secret\":\"t\"}"_s) << u"tenants[0].turn.urls"_s;
        const auto withCluster = [&](const QString &cluster) -> QString {
            return u"{\"cluster\":"_s + cluster + u",\"tenants\":[{\"host\":\"a\","_s + base
                + u"}]}"_s;
        };
        QTest::addRow("cluster") << withCluster(
            u"{\"nats\":\"nats://10.0.0.5:4222\",\"node\":\"sb-1\"}"_s)
                                 << QString();
        QTest::addRow("cluster, defaults") << withCluster(u"{}"_s) << QString();
        QTest::addRow("cluster, two servers")
            << withCluster(u"{\"nats\":\"nats://a:4222,nats://b:4222\"}"_s) << QString();
        QTest::addRow("cluster, bad url")
            << withCluster(u"{\"nats\":\"http://a\"}"_s) << u"cluster.nats"_s;
        QTest::addRow("cluster, bad node")
            << withCluster(u"{\"node\":\"a.b\"}"_s) << u"cluster.node"_s;
        QTest::addRow("cluster, unknown key")
            << withCluster(u"{\"nodes\":1}"_s) << u"cluster.nodes"_s;
        QTest::addRow("cluster not an object") << withCluster(u"true"_s) << u"cluster"_s;
        QTest::addRow("duplicate host") << u"{\"tenants\":[{\"host\":\"a\","_s + base
                + u"},{\"host\":\"A:80\","_s + base
                + u"}]}"_s << u"tenants[1].hosts"_s;
    }
    void parse()
    {
        QFETCH(QString, json);
        QFETCH(QString, errorKey);
        QString error;
        const auto c = ServerConfig::parse(json.toUtf8(), &error);
        if (errorKey.isEmpty()) {
            QVERIFY2(c.has_value(), qPrintable(error));
        } else {
            QVERIFY(!c.has_value());
            QVERIFY2(error.startsWith(errorKey), qPrintable(error));
        }
    }

    void clusterNodeDefault()
    {
        // Without `node`: the host name reduced to [A-Za-z0-9_-] and a random suffix.
        QString error;
        const QByteArray json
            = "{\"cluster\":{},\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"a\","
              "\"bridgeSecret\":\"b\"}]}";
        const auto a = ServerConfig::parse(json, &error);
        const auto b = ServerConfig::parse(json, &error);
        QVERIFY(a && a->cluster && b && b->cluster);
        QCOMPARE(a->cluster->nats, u"nats://127.0.0.1:4222"_s);
        QVERIFY(QRegularExpression(u"^[A-Za-z0-9_-]+-[A-Za-z0-9_-]{8}$"_s)
                    .match(a->cluster->node)
                    .hasMatch());
        QVERIFY(a->cluster->node != b->cluster->node);
        QVERIFY(
            !ServerConfig::parse(QByteArray(json).replace("\"cluster\":{},", ""), &error)->cluster);
    }

    void rotationWindow_data()
    {
        // at: unix seconds
        addColumns<qint64, int, int>("at", "adminKeys", "bridgeKeys");
        const qint64 end = 1796083200; // 2026-12-01T00:00:00Z = 01:00:00+01:00
        QTest::addRow("inside the window") << end - 1 << 2 << 1;
        QTest::addRow("at its end") << end << 1 << 1;
        QTest::addRow("after it") << end + 86400 << 1 << 1;
    }
    void rotationWindow()
    {
        QFETCH(qint64, at);
        QFETCH(int, adminKeys);
        QFETCH(int, bridgeKeys);
        const QString json
            = u"{\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"new\",\"bridgeSecret\":\"b\","
              "\"previousAdminSecret\":\"old\",\"previousSecretsUntil\":\"2026-12-01T01:00:00+01:00\"}]}"_s;
        QString error;
        const auto c = ServerConfig::parse(json.toUtf8(), &error);
        QVERIFY2(c, qPrintable(error));
        const TenantConfig &t = c->tenants.first();
        const QList<QByteArrayView> admin = t.adminSecrets(at);
        QCOMPARE(admin.size(), adminKeys);
        QCOMPARE(admin.first(), "new"_ba); // the current secret is always first
        if (adminKeys == 2)
            QCOMPARE(admin.at(1), "old"_ba);
        QCOMPARE(t.bridgeSecrets(at).size(), bridgeKeys); // no previous bridge secret given
    }

    void load_data()
    {
        // file: "good", "missing" or empty (embedded default)
        // error: start of the error; empty: must load
        addColumns<QString, QString, QString, QString>("file", "listen", "dataDir", "error");
        QTest::addRow("file") << u"good"_s << QString() << QString() << QString();
        QTest::addRow("file, overrides")
            << u"good"_s << u"[::1]:9443"_s << u"override"_s << QString();
        QTest::addRow("embedded default") << QString() << QString() << u"default"_s << QString();
        QTest::addRow("missing file") << u"missing"_s << QString() << QString() << u"--config"_s;
        QTest::addRow("bad listen override")
            << u"good"_s << u"nope"_s << QString() << u"--listen"_s;
    }
    void load()
    {
        QFETCH(QString, file);
        QFETCH(QString, listen);
        QFETCH(QString, dataDir);
        QFETCH(QString, error);
        const QString path = m_dir.filePath(u"load.json"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{\"listen\":\"127.0.0.1:7000\",\"dataDir\":\"/from/file\","
                "\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"x\",\"bridgeSecret\":\"y\"}]}");
        f.close();
        ConfigSource source;
        if (file == u"good"_s)
            source.configFile = path;
        else if (file == u"missing"_s)
            source.configFile = m_dir.filePath(u"absent.json"_s);
        if (!dataDir.isEmpty())
            source.dataDir = m_dir.filePath(dataDir);
        source.listen = listen;
        QString message;
        const auto c = ServerConfig::load(source, &message);
        if (!error.isEmpty()) {
            QVERIFY(!c);
            QVERIFY2(message.startsWith(error), qPrintable(message));
            return;
        }
        QVERIFY2(c, qPrintable(message));
        QCOMPARE(c->dataDir, dataDir.isEmpty() ? u"/from/file"_s : m_dir.filePath(dataDir));
        if (listen.isEmpty() && file == u"good"_s)
            QCOMPARE(c->listenPort, quint16(7000));
        if (!listen.isEmpty()) {
            QCOMPARE(c->listenHost, u"::1"_s);
            QCOMPARE(c->listenPort, quint16(9443));
        }
        if (file.isEmpty())
            QCOMPARE(c->generatedSecretFiles.size(), 4);
    }

    void defaultsAndSecrets()
    {
        const QString json = u"{\"tenants\":[{\"host\":\"Phone.Example.com.\",\"adminSecret\":"
                             u"\"env:SB_TEST_ADMIN_SECRET\","
                             "\"bridgeSecret\":\"file:"_s
            + m_secretFile + u"\",\"officeKeys\":[\"k1\"]}]}"_s;
        QString error;
        const auto c = ServerConfig::parse(json.toUtf8(), &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->listenHost, u"127.0.0.1"_s);
        QCOMPARE(c->listenPort, quint16(8080));
        QCOMPARE(c->adminPort, quint16(8081));
        QCOMPARE(c->limits.maxFrameBytes, 65536);
        QCOMPARE(c->limits.maxPeersPerRoom, 16);
        QCOMPARE(c->keepaliveSec, 25);
        QCOMPARE(c->resumeGraceSec, 30);
        QCOMPARE(c->retentionDays, 90);
        const TenantConfig &t = c->tenants.first();
        QCOMPARE(t.host, u"phone.example.com"_s);
        QCOMPARE(t.adminSecret, QByteArray("from-env"));
        QCOMPARE(t.bridgeSecret, QByteArray("from-file")); // one trailing \r\n dropped
        QCOMPARE(t.officeKeys, QList<QByteArray>{"k1"});
        QCOMPARE(t.ringTimeoutSec, 45);
        QVERIFY(t.bridgeAllowFrom.first().contains(QHostAddress(u"127.0.0.2"_s)));
        QVERIFY(t.bridgeAllowFrom.last().contains(QHostAddress::LocalHostIPv6));
        QVERIFY(!t.bridgeAllowFrom.first().contains(QHostAddress(u"10.0.0.1"_s)));
        QVERIFY(!t.turn.has_value());
    }

    void normaliseHost_data()
    {
        addColumns<QString, QString>("in", "out");
        QTest::addRow("lower") << u"Phone.Example.COM"_s << u"phone.example.com"_s;
        QTest::addRow("port") << u"localhost:8080"_s << u"localhost"_s;
        QTest::addRow("trailing dot") << u"example.com.:443"_s << u"example.com"_s;
        QTest::addRow("v6 with port") << u"[::1]:8080"_s << u"::1"_s;
        QTest::addRow("v6 bare") << u"[::1]"_s << u"::1"_s;
        QTest::addRow("junk") << u"a b"_s << QString();
        QTest::addRow("empty") << QString() << QString();
    }
    void normaliseHost()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(ServerConfig::normaliseHost(in), out);
    }

    void embeddedDefault()
    {
        const QString dir = m_dir.filePath(u"data"_s);
        QString error;
        const auto first = ServerConfig::embeddedDefault(dir, &error);
        QVERIFY2(first, qPrintable(error));
        QCOMPARE(first->tenants.size(), 1);
        QVERIFY(first->tenants.first().hosts.contains(u"localhost"_s));
        QVERIFY(first->tenants.first().hosts.contains(u"127.0.0.1"_s));
        QCOMPARE(first->generatedSecretFiles.size(), 4);
        for (const QString &f : first->generatedSecretFiles) {
            QCOMPARE(
                QFile::permissions(f)
                    & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                QFile::Permissions());
        }
        QVERIFY(first->tenants.first().adminSecret.size() >= 32);
        QCOMPARE(first->tenants.first().officeKeys.size(), 1);
        // Generated once: a second start keeps the same secrets.
        const auto second = ServerConfig::embeddedDefault(dir, &error);
        QVERIFY(second);
        QCOMPARE(second->tenants.first().adminSecret, first->tenants.first().adminSecret);
        QCOMPARE(second->tenants.first().turn->secret, first->tenants.first().turn->secret);
        QVERIFY(first->tenants.first().adminSecret != first->tenants.first().bridgeSecret);
    }

    // Each option lands in its own ConfigSource field (a swap would start on the wrong address).
    void commandLine_data()
    {
        // source: configFile, dataDir, listen, adminListen
        addColumns<QStringList, QStringList, bool>("arguments", "source", "checkOnly");
        QTest::addRow("none") << QStringList{} << QStringList{{}, {}, {}, {}} << false;
        QTest::addRow("all") << QStringList{u"--config"_s,       u"/c.json"_s,
                                            u"--data-dir"_s,     u"/d"_s,
                                            u"--listen"_s,       u"0.0.0.0:1"_s,
                                            u"--admin-listen"_s, u"[::1]:2"_s,
                                            u"--check-config"_s}
                             << QStringList{u"/c.json"_s, u"/d"_s, u"0.0.0.0:1"_s, u"[::1]:2"_s}
                             << true;
        QTest::addRow("= form") << QStringList{u"--listen=h:3"_s, u"--data-dir=/x"_s}
                                << QStringList{{}, u"/x"_s, u"h:3"_s, {}} << false;
    }
    void commandLine()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, source);
        QFETCH(bool, checkOnly);
        const CommandLine cli
            = CommandLine::parse(QStringList{u"switchboard-server"_s} + arguments);
        QCOMPARE(QStringList({cli.source.configFile, cli.source.dataDir, cli.source.listen,
                              cli.source.adminListen}),
                 source);
        QCOMPARE(cli.checkOnly, checkOnly);
    }
};

QTEST_GUILESS_MAIN(tst_ServerConfig)
#include "tst_serverconfig.moc"
