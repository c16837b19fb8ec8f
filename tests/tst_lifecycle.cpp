#include "DataRows.h"
#include "ServerChild.h"
#include "TestClient.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace Qt::StringLiterals;

// Runs the real server binary: signals, reload and exit codes are process-level behaviour.
class tst_Lifecycle : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString writeConfig(const QString &extraHost)
    {
        QStringList hosts{u"localhost"_s};
        if (!extraHost.isEmpty())
            hosts.append(extraHost);
        return serverchild::writeConfig(m_dir.path(), hosts);
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void terminate_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addRow("SIGTERM") << int(SIGTERM);
        QTest::addRow("SIGINT") << int(SIGINT);
    }
    void terminate()
    {
        QFETCH(int, signal);
        QProcess p;
        const quint16 port = serverchild::start(p, {u"--config"_s, writeConfig({})});
        QVERIFY(port);
        TestClient c;
        QVERIFY(c.open(port));
        QVERIFY(!c.join(u"r"_s, u"A"_s).isEmpty());
        QElapsedTimer t;
        t.start();
        ::kill(pid_t(p.processId()), signal);
        QCOMPARE(c.waitFor(u"kicked"_s).value(u"reason"_s).toString(), u"shutdown"_s);
        QVERIFY(c.waitClosed());
        QCOMPARE(int(c.socket.closeCode()), 1001);
        QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 6000);
        QVERIFY(t.elapsed() < 5000);
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
    }

    void reloadKeepsConnections()
    {
        QProcess p;
        const QString config = writeConfig({});
        const quint16 port = serverchild::start(p, {u"--config"_s, config});
        QVERIFY(port);
        TestClient c;
        QVERIFY(c.open(port));
        QVERIFY(!c.join(u"r"_s, u"A"_s).isEmpty());
        TestClient before;
        QVERIFY(before.open(port, "127.0.0.1"));
        QCOMPARE(before.waitFor(u"error"_s).value(u"code"_s).toString(), u"forbidden"_s);

        writeConfig(u"127.0.0.1"_s);
        ::kill(pid_t(p.processId()), SIGHUP);
        TestClient after;
        QTRY_VERIFY_WITH_TIMEOUT(after.open(port, "127.0.0.1")
                                     && after.join(u"r2"_s, u"B"_s).contains(u"peerId"_s),
                                 5000);
        c.send(u"{\"type\":\"ping\"}"_s);
        QVERIFY(!c.waitFor(u"pong"_s).isEmpty()); // the old connection survived
        p.terminate();
        QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 6000);
    }

    void badConfigStops_data()
    {
        addColumns<QByteArray, QString>("json", "key");
        QTest::addRow("unknown key") << QByteArray(
            "{\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"a\",\"bridgeSecret\":\"b\",\"x\":1}]}")
                                     << u"tenants[0].x"_s;
        QTest::addRow("unreadable secret")
            << QByteArray("{\"tenants\":[{\"host\":\"a\",\"adminSecret\":\"file:/"
                          "nonexistent\",\"bridgeSecret\":\"b\"}]}")
            << u"tenants[0].adminSecret"_s;
    }
    void badConfigStops()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, key);
        const QString path = m_dir.filePath(u"bad.json"_s);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(json);
        f.close();
        for (const QStringList &args : {QStringList{u"--config"_s, path},
                                        QStringList{u"--config"_s, path, u"--check-config"_s}}) {
            QProcess p;
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(QStringLiteral(SWITCHBOARD_SERVER_BIN), args);
            QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 10000);
            QVERIFY(p.exitCode() != 0);
            QVERIFY(QString::fromUtf8(p.readAll()).contains(key));
        }
    }

    void checkConfigAcceptsGood()
    {
        QProcess p;
        p.start(QStringLiteral(SWITCHBOARD_SERVER_BIN),
                {u"--config"_s, writeConfig({}), u"--check-config"_s});
        QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 10000);
        QCOMPARE(p.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_Lifecycle)
#include "tst_lifecycle.moc"
