// The systemd notify protocol of the real binary (DESIGN.md "TLS, service and metrics"): a
// datagram socket stands in for systemd (NOTIFY_SOCKET, WATCHDOG_USEC) and records READY=1,
// WATCHDOG=1 from the event loop, RELOADING=1 on SIGHUP and STOPPING=1 on SIGTERM.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

class tst_SystemdNotify : public QObject {
    Q_OBJECT
private slots:
    void notifyProtocol();
};

void tst_SystemdNotify::notifyProtocol()
{
#ifndef SB_HAVE_SYSTEMD
    QSKIP("built with SB_SYSTEMD=OFF: the notify calls do nothing");
#endif
    QTemporaryDir dir;
    const QByteArray path = QDir(dir.path()).filePath(u"notify"_s).toLocal8Bit();
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    QVERIFY(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    QVERIFY(size_t(path.size()) < sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path.constData(), size_t(path.size()));
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
    QStringList messages;
    const auto drain = [&] {
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
            messages += QString::fromUtf8(buf, n).split(u'\n', Qt::SkipEmptyParts);
    };
    const auto count = [&](const QString &m) { return messages.count(m); };

    QFile cfg(dir.filePath(u"config.json"_s));
    QVERIFY(cfg.open(QIODevice::WriteOnly));
    cfg.write(u"{\"listen\":\"127.0.0.1:0\",\"adminListen\":\"127.0.0.1:0\",\"dataDir\":\"%1\","
              "\"tenants\":[{\"hosts\":[\"localhost\"],\"adminSecret\":\"a\","
              "\"bridgeSecret\":\"b\"}]}"_s.arg(dir.path())
                  .toUtf8());
    cfg.close();
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"NOTIFY_SOCKET"_s, QString::fromLocal8Bit(path));
    env.insert(u"WATCHDOG_USEC"_s, u"400000"_s); // pings every 200 ms
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(SWITCHBOARD_SERVER_BIN), {u"--config"_s, cfg.fileName()});
    QVERIFY(p.waitForStarted(5000));

    QTRY_VERIFY_WITH_TIMEOUT((drain(), count(u"READY=1"_s) == 1), 10000);
    // READY=1 is sent after both listeners are up, whose ports main() has printed by then.
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAll()).contains("admin socket on"), 5000);
    QVERIFY2(out.contains("listening on http://"), out.constData());
    QTRY_VERIFY_WITH_TIMEOUT((drain(), count(u"WATCHDOG=1"_s) >= 3), 5000);

    ::kill(pid_t(p.processId()), SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT((drain(), count(u"RELOADING=1"_s) == 1 && count(u"READY=1"_s) == 2),
                             5000);
    QVERIFY(messages.lastIndexOf(u"RELOADING=1"_s) < messages.lastIndexOf(u"READY=1"_s));

    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    drain();
    QCOMPARE(count(u"STOPPING=1"_s), 1);
    // No watchdog ping after STOPPING=1.
    QCOMPARE(messages.lastIndexOf(u"WATCHDOG=1"_s) < messages.indexOf(u"STOPPING=1"_s), true);
    ::close(fd);
}

QTEST_GUILESS_MAIN(tst_SystemdNotify)
#include "tst_systemdnotify.moc"
