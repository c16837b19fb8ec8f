#include "DataRows.h"
#include "LoopbackTcp.h"
#include "app/Application.h"
#include "app/EpollEventDispatcher.h"
#include "config/ServerConfig.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

// The server's epoll event dispatcher, installed for this whole test process (see main below):
// timers, socket notifiers, posted events and a full signaling exchange run on it.
class tst_EpollDispatcher : public QObject {
    Q_OBJECT
private slots:
    void isInstalled();
    void singleShotTimers_data();
    void singleShotTimers();
    void repeatingTimerAndKill();
    void remainingTime();
    void zeroTimerDoesNotStarve();
    void postedEventsAndDeleteLater();
    void socketNotifierReadAndDisable();
    void writeNotifier_data();
    void writeNotifier();
    void netChangeOnly_data();
    void netChangeOnly();
    void writesOfOneRoundCoalesce_data();
    void writesOfOneRoundCoalesce();
    void tcpEcho();
    void signalingOverDispatcher();
};

void tst_EpollDispatcher::isInstalled()
{
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
}

void tst_EpollDispatcher::singleShotTimers_data()
{
    addRows<int>("ms", {{"0 ms", 0}, {"1 ms", 1}, {"30 ms", 30}});
}

void tst_EpollDispatcher::singleShotTimers()
{
    QFETCH(int, ms);
    QElapsedTimer clock;
    clock.start();
    bool fired = false;
    QTimer::singleShot(ms, this, [&] { fired = true; });
    QTRY_VERIFY_WITH_TIMEOUT(fired, 5000);
    QVERIFY(clock.elapsed() >= ms);
}

void tst_EpollDispatcher::repeatingTimerAndKill()
{
    QTimer timer;
    int count = 0;
    timer.setInterval(5);
    connect(&timer, &QTimer::timeout, this, [&] {
        if (++count == 3)
            timer.stop();
    });
    timer.start();
    QTRY_COMPARE_WITH_TIMEOUT(count, 3, 5000);
    QTest::qWait(30); // stopped: no more timeouts may arrive
    QCOMPARE(count, 3);
    QVERIFY(!timer.isActive());
}

void tst_EpollDispatcher::remainingTime()
{
    QTimer timer;
    timer.setSingleShot(true);
    timer.start(10000);
    const int left = timer.remainingTime();
    QVERIFY2(left > 9000 && left <= 10000, qPrintable(QString::number(left)));
    timer.stop();
    QCOMPARE(timer.remainingTime(), -1);
}

void tst_EpollDispatcher::zeroTimerDoesNotStarve()
{
    // A zero-interval timer runs every round, yet other timers and events still come.
    QTimer busy;
    int spins = 0;
    connect(&busy, &QTimer::timeout, this, [&] { ++spins; });
    busy.start(0);
    bool other = false;
    QTimer::singleShot(20, this, [&] { other = true; });
    QTRY_VERIFY_WITH_TIMEOUT(other, 5000);
    busy.stop();
    QVERIFY(spins > 1);
}

void tst_EpollDispatcher::postedEventsAndDeleteLater()
{
    bool invoked = false;
    QMetaObject::invokeMethod(
        this, [&] { invoked = true; }, Qt::QueuedConnection);
    QTRY_VERIFY(invoked);
    auto *victim = new QObject;
    QSignalSpy destroyed(victim, &QObject::destroyed);
    victim->deleteLater();
    QTRY_COMPARE(destroyed.size(), 1);
}

void tst_EpollDispatcher::socketNotifierReadAndDisable()
{
    int fds[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    {
        QSocketNotifier notifier(fds[0], QSocketNotifier::Read);
        int activations = 0;
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            ++activations;
            char buf[16];
            QVERIFY(::read(fds[0], buf, sizeof buf) > 0);
        });
        QCOMPARE(::write(fds[1], "x", 1), 1);
        QTRY_COMPARE(activations, 1);
        // Disabled: readiness must not be delivered (and must not spin the loop).
        notifier.setEnabled(false);
        QCOMPARE(::write(fds[1], "y", 1), 1);
        QTest::qWait(30);
        QCOMPARE(activations, 1);
        notifier.setEnabled(true);
        QTRY_COMPARE(activations, 2);
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

namespace {
EpollEventDispatcher &dispatcher()
{
    return *qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

// A non-blocking socketpair, closed when it goes out of scope.
struct SocketPair {
    int fds[2] = {-1, -1};
    SocketPair()
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0)
            fds[0] = fds[1] = -1;
    }
    ~SocketPair()
    {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    bool fill() const // writes into fds[0] until its send buffer is full
    {
        const QByteArray chunk(4096, 'f');
        for (int i = 0; i < 100000; ++i) {
            if (::write(fds[0], chunk.constData(), size_t(chunk.size())) < 0)
                return errno == EAGAIN;
        }
        return false;
    }
    void drain() const
    {
        char buf[4096];
        while (::read(fds[1], buf, sizeof buf) > 0) { }
    }
};
} // namespace

void tst_EpollDispatcher::writeNotifier_data()
{
    addColumns<bool, quint64, quint64>("full", "minEpollCtls", "maxEpollCtls");
    // Writable: activated without the kernel; no epoll_ctl at all (the fd is not even added).
    QTest::addRow("writable: activated without epoll_ctl") << false << quint64(0) << quint64(0);
    // Full send buffer: the first activation finds EAGAIN and leaves the notifier on, so the
    // dispatcher asks the kernel (EPOLL_CTL_ADD with EPOLLOUT), which reports the drain.
    QTest::addRow("full: falls back to EPOLLOUT") << true << quint64(1) << quint64(4);
}

void tst_EpollDispatcher::writeNotifier()
{
    QFETCH(bool, full);
    QFETCH(quint64, minEpollCtls);
    QFETCH(quint64, maxEpollCtls);
    SocketPair pair;
    QVERIFY(pair.fds[0] >= 0);
    if (full)
        QVERIFY(pair.fill());
    QTest::qWait(5); // earlier tests' sockets leave epoll first
    const auto before = dispatcher().stats();
    int activations = 0;
    int written = 0;
    QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Write);
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        ++activations;
        if (::write(pair.fds[0], "w", 1) == 1) {
            ++written;
            notifier.setEnabled(false); // as QAbstractSocket does once its buffer is flushed
        }
    });
    if (full) {
        QTRY_VERIFY(activations >= 1);
        QTest::qWait(20); // rounds pass: still full, so no write may have succeeded
        QCOMPARE(written, 0);
        pair.drain();
    }
    QTRY_COMPARE(written, 1);
    const auto after = dispatcher().stats();
    QVERIFY(after.assumedWrites - before.assumedWrites >= 1);
    const quint64 ctls = after.epollCtls - before.epollCtls;
    QVERIFY2(ctls >= minEpollCtls && ctls <= maxEpollCtls, qPrintable(QString::number(ctls)));
    if (!full)
        QCOMPARE(activations, 1);
}

void tst_EpollDispatcher::netChangeOnly_data()
{
    addColumns<bool, int>("full", "toggles");
    // Writable socket: on/off within one round cancels the pending activation, too.
    QTest::addRow("write on/off x1") << false << 1;
    QTest::addRow("write on/off x50") << false << 50;
    // Full send buffer: the write notifier is in the kernel (EPOLLOUT); off/on keeps it there.
    QTest::addRow("in kernel: write off/on x1") << true << 1;
    QTest::addRow("in kernel: write off/on x50") << true << 50;
}

void tst_EpollDispatcher::netChangeOnly()
{
    // Notifiers switched on and off again (or off and on) within one round cost no epoll_ctl,
    // the way Qt toggles a connected socket's write notifier around each write.
    QFETCH(bool, full);
    QFETCH(int, toggles);
    SocketPair pair;
    QVERIFY(pair.fds[0] >= 0);
    if (full)
        QVERIFY(pair.fill());
    QSocketNotifier reader(pair.fds[0], QSocketNotifier::Read); // as on any connected socket
    QSocketNotifier writer(pair.fds[0], QSocketNotifier::Write);
    int activations = 0;
    connect(&writer, &QSocketNotifier::activated, this, [&] { ++activations; });
    writer.setEnabled(full);
    QTest::qWait(5); // a few rounds: the read (and, when full, the write) interest is in epoll
    QCOMPARE(activations, full ? 1 : 0); // full: the one activation that found it not writable
    const auto before = dispatcher().stats();
    bool done = false;
    QMetaObject::invokeMethod(
        this,
        [&] {
            for (int i = 0; i < toggles; ++i) {
                writer.setEnabled(!writer.isEnabled());
                writer.setEnabled(!writer.isEnabled());
            }
            done = true;
        },
        Qt::QueuedConnection);
    QTRY_VERIFY(done);
    QTest::qWait(5);
    QCOMPARE(dispatcher().stats().epollCtls - before.epollCtls, quint64(0));
    QCOMPARE(dispatcher().stats().assumedWrites - before.assumedWrites, quint64(0));
    QCOMPARE(activations, full ? 1 : 0);
}

void tst_EpollDispatcher::writesOfOneRoundCoalesce_data()
{
    addRows<int>("writes", {{"1 write", 1}, {"3 writes", 3}, {"40 writes", 40}});
}

void tst_EpollDispatcher::writesOfOneRoundCoalesce()
{
    // Writes of one round leave in one flush: QAbstractSocket reports one bytesWritten with
    // all of them, and its write notifier is activated once, without an epoll_ctl.
    QFETCH(int, writes);
    QTcpServer server;
    QTcpSocket client;
    QByteArray received;
    const auto peer = connectLoopback(server, client, &received);
    QVERIFY(peer);
    QTest::qWait(5);
    QSignalSpy flushed(&client, &QTcpSocket::bytesWritten);
    const auto before = dispatcher().stats();
    const QByteArray frame(100, 'c');
    QMetaObject::invokeMethod(
        this,
        [&] {
            for (int i = 0; i < writes; ++i)
                client.write(frame);
        },
        Qt::QueuedConnection);
    QTRY_COMPARE(received.size(), writes * frame.size());
    QCOMPARE(flushed.size(), 1);
    QCOMPARE(flushed.at(0).at(0).toLongLong(), qint64(writes * frame.size()));
    const auto after = dispatcher().stats();
    QCOMPARE(after.assumedWrites - before.assumedWrites, quint64(1));
    QCOMPARE(after.epollCtls - before.epollCtls, quint64(0));
}

void tst_EpollDispatcher::tcpEcho()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *s = server.nextPendingConnection();
        connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
    });
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    const QByteArray payload(256 * 1024, 'z'); // more than one write: write notifiers toggle
    client.write(payload);
    QByteArray echoed;
    connect(&client, &QTcpSocket::readyRead, this, [&] { echoed += client.readAll(); });
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), payload.size(), 10000);
    QCOMPARE(echoed, payload);
    client.close();
}

void tst_EpollDispatcher::signalingOverDispatcher()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    auto config = ServerConfig::embeddedDefault(dir.path(), &error);
    QVERIFY2(config, qPrintable(error));
    config->listenHost = u"127.0.0.1"_s;
    config->listenPort = 0;
    config->adminPort = 0;
    Application app(*config);
    QVERIFY2(app.start(&error), qPrintable(error));
    const QUrl url(u"ws://127.0.0.1:%1/signal.ashx"_s.arg(app.httpPort()));
    QWebSocket a, b;
    QSignalSpy aFrames(&a, &QWebSocket::textMessageReceived);
    QSignalSpy bFrames(&b, &QWebSocket::textMessageReceived);
    a.open(url);
    b.open(url);
    QTRY_COMPARE(a.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(b.state(), QAbstractSocket::ConnectedState);
    a.sendTextMessage(u"{\"type\":\"join\",\"room\":\"epoll\",\"name\":\"A\"}"_s);
    QTRY_COMPARE(aFrames.size(), 1);
    b.sendTextMessage(u"{\"type\":\"join\",\"room\":\"epoll\",\"name\":\"B\"}"_s);
    QTRY_COMPARE(bFrames.size(), 1);
    const QString welcome = bFrames.at(0).at(0).toString();
    const qsizetype at = welcome.indexOf(u"\"peerId\":\""_s) + 10;
    const QString bId = welcome.mid(at, welcome.indexOf(u'"', at) - at);
    QVERIFY(!bId.isEmpty());
    QTRY_COMPARE(aFrames.size(), 2); // peer-joined
    const QString data = u"{\"sdp\":{\"type\":\"offer\",\"sdp\":\"%1\"}}"_s.arg(QString(600, u'v'));
    a.sendTextMessage(u"{\"type\":\"signal\",\"to\":\"%1\",\"data\":%2}"_s.arg(bId, data));
    QTRY_COMPARE(bFrames.size(), 2);
    QVERIFY(bFrames.at(1).at(0).toString().endsWith(u",\"data\":"_s + data + u'}'));
}

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    tst_EpollDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolldispatcher.moc"
