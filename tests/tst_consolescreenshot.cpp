// Renders the console's main window with live data from a real server (offscreen) to
// build/console-screenshot.png, then its History and Dashboard tabs over a store seeded with a
// day of call records (build/console-history.png, build/console-dashboard.png), and checks each
// picture is not blank. The PNGs in docs/ are these files.

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "CallStats.h"
#include "DashboardPage.h"
#include "HistoryFilter.h"
#include "HistoryModel.h"
#include "HistoryPage.h"
#include "MainWindow.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "SecretStore.h"
#include "ServerView.h"
#include "TestClient.h"
#include "TestServer.h"
#include "TrendHistory.h"
#include "TrunksModel.h"
#include "admin/AdminSocket.h"
#include "app/Application.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QSet>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <memory>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
// Not blank: many distinct colours (text antialiasing, the state colours).
QSet<QRgb> coloursOf(const QImage &shot)
{
    QSet<QRgb> colours;
    for (int y = 0; y < shot.height(); y += 2) {
        for (int x = 0; x < shot.width(); x += 2)
            colours.insert(shot.pixel(x, y));
    }
    return colours;
}

QImage save(QWidget &window, const QString &name)
{
    const QImage shot = window.grab().toImage();
    const QString out = QStringLiteral(SB_BUILD_DIR) + u'/' + name;
    if (!shot.save(out))
        qWarning("cannot write %s", qPrintable(out));
    return shot;
}

// The last 20 hours of calls, as the server's store keeps them (more by day than by night);
// returns how many started today (local time).
int seedCalls(Store &store, const QDateTime &now)
{
    const QStringList callers{u"+4930555010"_s, u"+4940555020"_s, u"+4989555030"_s,
                              u"+4969555040"_s, u"+4922155050"_s};
    int n = 0;
    int today = 0;
    for (QDateTime t = now.addSecs(-20 * 3600); t < now;) {
        const int hour = t.time().hour();
        const int pick = (n * 7 + hour) % 10;
        CdrRecord c;
        c.callId = u"call-%1"_s.arg(1000 + n);
        c.direction = n % 6 == 5 ? u"out"_s : u"in"_s;
        c.from = c.direction == u"in"_s ? callers[n % callers.size()] : u"10"_s;
        c.to = c.direction == u"in"_s ? u"1%1"_s.arg(n % 3) : callers[n % callers.size()];
        c.room = u"call-%1"_s.arg(1000 + n);
        c.startedAt = t.toUTC();
        c.result = pick < 6 ? u"answered"_s : pick < 9 ? u"missed"_s : u"declined"_s;
        if (c.result == u"answered"_s)
            c.answeredAt = c.startedAt.addSecs(6 + n % 9);
        c.endedAt = c.startedAt.addSecs(c.result == u"answered"_s ? 60 + 37 * (n % 11) : 25);
        store.addCdr(u"localhost"_s, c);
        today += t.date() == now.date() ? 1 : 0;
        ++n;
        const bool office = hour >= 8 && hour < 18;
        t = t.addSecs(office ? 420 + 113 * (n % 5) : 1500 + 300 * (n % 3));
    }
    for (int i = 0; i < 6; ++i) {
        DialLogRecord d;
        d.at = now.addSecs(-1800 * (6 - i)).toUTC();
        d.callId = i == 3 ? QString() : u"dial-%1"_s.arg(i);
        d.room = u"reception"_s;
        d.peerId = u"peer-%1"_s.arg(i);
        d.number = i % 2 ? u"2000"_s : callers[i % callers.size()];
        d.outcome = i == 3 ? u"forbidden"_s : u"dialing"_s;
        store.addDial(u"localhost"_s, d);
    }
    return today;
}
} // namespace

class tst_ConsoleScreenshot : public QObject {
    Q_OBJECT
private slots:
    void mainWindowWithLiveData();
    void twoServersEachWithItsOwnState();
};

void tst_ConsoleScreenshot::mainWindowWithLiveData()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ServerConfig config = testserver::config(dir.path());
    config.tenants = {testserver::tenant({u"localhost"_s, u"127.0.0.1"_s}, "shot-secret", "b")};
    const auto server = testserver::start(config);
    QVERIFY(server);
    Application &app = *server;
    const QDateTime started = QDateTime::currentDateTime();
    const int callsToday = seedCalls(app.store(), started);
    app.store().createAlias(u"localhost"_s, {u"+4930555010"_s, u"Anna Weber"_s});
    app.store().createAlias(u"localhost"_s, {u"+4940555020"_s, u"Hamburg office"_s});

    // Three people in two rooms.
    std::vector<std::unique_ptr<TestClient>> peers;
    const QList<QPair<QString, QString>> joins{{u"reception"_s, u"Anna Weber"_s},
                                               {u"reception"_s, u"Ben Ortiz"_s},
                                               {u"board-room"_s, u"Chloé Martin"_s}};
    for (const auto &[room, name] : joins) {
        peers.push_back(std::make_unique<TestClient>());
        QVERIFY(peers.back()->open(app.httpPort()));
        QVERIFY(!peers.back()->join(room, name).isEmpty());
    }

    SecretStore secrets;
    MainWindow window(secrets);
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ServerView *view
        = window.openConnection(QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(app.adminPort())),
                                {u"localhost"_s, "shot-secret", {}});
    AdminClient &client = *view->client();
    QTRY_COMPARE(client.state(), AdminClient::State::Online);
    QTRY_COMPARE(client.rooms()->peerCount(), 3);
    QCOMPARE(window.serverTabs()->count(), 1);

    // Telephony traffic as the ring dispatcher publishes it.
    Tenant *tenant = app.tenants().first();
    AdminSocket &admin = app.adminSocket();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    admin.publish(tenant, AP::trunkStatus,
                  {{u"trunks"_s,
                    QJsonArray{QJsonObject{{u"id"_s, u"sipgate"_s},
                                           {u"host"_s, u"sip.example.net"_s},
                                           {u"registered"_s, true},
                                           {u"lastSeen"_s, AP::timestamp(now)}},
                               QJsonObject{{u"id"_s, u"backup"_s},
                                           {u"host"_s, u"sip.backup.example"_s},
                                           {u"registered"_s, true},
                                           {u"lastSeen"_s, AP::timestamp(now)}}}}});
    const QList<std::tuple<QString, QString, QString>> rings{
        {u"c-1001"_s, u"+4930555010"_s, u"answered"_s},
        {u"c-1002"_s, u"+4940555020"_s, u"timeout"_s},
        {u"c-1003"_s, u"+4989555030"_s, u"ringing"_s}};
    int i = 0;
    for (const auto &[callId, from, state] : rings) {
        admin.publish(tenant, AP::ring,
                      {{u"ring"_s,
                        QJsonObject{{u"callId"_s, callId},
                                    {u"from"_s, from},
                                    {u"to"_s, u"*"_s},
                                    {u"room"_s, QString(u"call-"_s + callId)},
                                    {u"at"_s, AP::timestamp(now + 1000 * i++)}}}});
        if (state == u"answered"_s)
            admin.publish(tenant, AP::ringAnswered, {{u"callId"_s, callId}});
        else if (state == u"timeout"_s)
            admin.publish(tenant, AP::ringTimeout, {{u"callId"_s, callId}});
    }
    admin.publish(tenant, AP::dial,
                  {{u"dial"_s,
                    QJsonObject{{u"callId"_s, u"d-2001"_s},
                                {u"room"_s, u"reception"_s},
                                {u"number"_s, u"2000"_s},
                                {u"outcome"_s, u"dialing"_s},
                                {u"at"_s, AP::timestamp(now + 5000)}}}});
    QTRY_COMPARE(client.ringLog()->rowCount(), 4);
    QTRY_COMPARE(client.trunks()->rowCount(), 2);
    view->trends()->clear(); // the few live samples so far make way for a seeded hour
    // The last hour of counters, as a console open since then would have sampled them; the
    // live ticks of this server follow.
    const qint64 nowMs = started.toMSecsSinceEpoch();
    for (int s = 3600; s > 0; s -= 5) {
        const int minute = (3600 - s) / 60;
        const int peers = 3 + (minute % 17) / 3 + (minute > 30 ? 4 : 0) - (minute > 50 ? 3 : 0);
        view->trends()->record(nowMs - qint64(s) * 1000,
                               {{u"peers"_s, peers},
                                {u"rooms"_s, 1 + peers / 3},
                                {u"ringing"_s, (minute * 7) % 11 == 0 ? 1 + minute % 2 : 0}});
    }
    view->trends()->recordTrunks(nowMs - 3500 * 1000, 1, 2); // the live report (2 of 2) ends it
    view->trends()->recordTrunks(nowMs - 2400 * 1000, 2, 2);
    view->trends()->recordTrunks(nowMs - 1300 * 1000, 1, 2);
    view->trends()->recordTrunks(nowMs - 1100 * 1000, 2, 2);
    view->dashboard()->rebuild();
    QSignalSpy counters(&client, &AdminClient::countersChanged);
    QVERIFY(counters.wait(3000)); // the status bar shows a live tick
    view->roomsView()->expandAll();

    const QImage shot = save(window, u"console-screenshot.png"_s);
    QVERIFY(!shot.isNull());
    const QSet<QRgb> colours = coloursOf(shot);
    QVERIFY2(colours.size() > 50, qPrintable(u"only %1 colours"_s.arg(colours.size())));
    QVERIFY(colours.contains(qRgb(0xd8, 0xf5, 0xd0))); // an answered ring's background
    QVERIFY(colours.contains(qRgb(0xfb, 0xd5, 0xd5))); // a timed-out ring's background

    // History: the first page of today's records came over the admin socket, paged.
    HistoryPage *history = view->historyPage();
    view->tabs()->setCurrentWidget(history);
    QTRY_VERIFY(history->view()->model()->rowCount() >= 20);
    const auto namedRows = [history] {
        const QAbstractItemModel *m = history->view()->model();
        int named = 0;
        for (int r = 0; r < m->rowCount(); ++r)
            named += m->index(r, 3).data().toString() == u"Anna Weber"_s ? 1 : 0;
        return named;
    };
    QTRY_VERIFY(namedRows() > 0); // names come from the server's aliases
    history->view()->resizeColumnsToContents();
    const QImage historyShot = save(window, u"console-history.png"_s);
    const QSet<QRgb> historyColours = coloursOf(historyShot);
    QVERIFY2(historyColours.size() > 50, qPrintable(u"%1 colours"_s.arg(historyColours.size())));
    QVERIFY(historyColours.contains(qRgb(0xfb, 0xd5, 0xd5))); // a missed call
    QVERIFY(historyColours.contains(qRgb(0xd8, 0xf5, 0xd0))); // an answered call

    // Export CSV of the missed calls shown: a header and one line per row the filter lets through.
    history->filter()->setResult(u"missed"_s);
    const int missed = history->view()->model()->rowCount();
    QVERIFY(missed > 0);
    QString exportError;
    const QString csvPath = dir.filePath(u"missed.csv"_s);
    QVERIFY2(history->exportCsv(csvPath, &exportError), qPrintable(exportError));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QByteArray csvBytes = csv.readAll();
    QVERIFY(csvBytes.startsWith("Started,Dir.,Number,Name,To,Room,Result,Talk (s),Call ID\r\n"));
    QCOMPARE(csvBytes.count("\r\n"), missed + 1);
    QCOMPARE(csvBytes.count(",missed,"), missed);
    history->filter()->setResult(QString());

    // Dashboard: calls per hour from the same records.
    view->tabs()->setCurrentWidget(view->dashboard());
    const auto countedToday = [&] {
        int total = 0;
        for (const auto &h : view->callStats()->hours())
            total += h.answered + h.missed + h.declined;
        return total;
    };
    QTRY_COMPARE(countedToday(), callsToday);
    QVERIFY(view->trends()->samples().size() > 700);
    const QImage dashboardShot = save(window, u"console-dashboard.png"_s);
    const QSet<QRgb> dashColours = coloursOf(dashboardShot);
    QVERIFY2(dashColours.size() > 50, qPrintable(u"%1 colours"_s.arg(dashColours.size())));
    QVERIFY(dashColours.contains(qRgb(0x1f, 0x6f, 0xeb))); // the peers line
}

void tst_ConsoleScreenshot::twoServersEachWithItsOwnState()
{
    // Two servers in two tabs: one goes away and comes back; the other never notices.
    // B's admin port is fixed once known, so that the console finds B again after a restart.
    auto start = [](const QString &dir, quint16 adminPort) {
        ServerConfig config = testserver::config(dir);
        config.adminPort = adminPort;
        config.tenants = {testserver::tenant({u"localhost"_s}, "two-secret", "b")};
        return testserver::start(config);
    };
    QTemporaryDir dirA, dirB;
    auto a = start(dirA.path(), 0);
    auto b = start(dirB.path(), 0);
    QVERIFY(a && b);
    const quint16 portB = b->adminPort();

    SecretStore secrets;
    MainWindow window(secrets);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ServerView *viewA = window.openConnection(
        QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(a->adminPort())), {u"localhost"_s, "two-secret", {}});
    ServerView *viewB = window.openConnection(QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(portB)),
                                              {u"localhost"_s, "two-secret", {}});
    QVERIFY(viewA != viewB);
    QCOMPARE(window.serverTabs()->count(), 2);
    QCOMPARE(window.currentView(), viewB);
    viewB->client()->setReconnectDelays(50, 400);
    QTRY_COMPARE(viewA->client()->state(), AdminClient::State::Online);
    QTRY_COMPARE(viewB->client()->state(), AdminClient::State::Online);
    QVERIFY(window.serverTabs()->tabText(1).contains(QString::number(portB)));

    QSignalSpy retries(viewB->client(), &AdminClient::reconnectScheduled);
    b.reset();
    QTRY_COMPARE(viewB->client()->state(), AdminClient::State::Offline);
    QVERIFY(retries.wait(5000));
    QTRY_VERIFY(retries.size() >= 2); // backing off: each try failed and the next was scheduled
    QVERIFY(retries.at(1).at(0).toInt() > retries.at(0).at(0).toInt());
    QCOMPARE(viewA->client()->state(), AdminClient::State::Online);
    QVERIFY(viewB->offlineBanner()->isVisible()); // B says so, A does not
    QVERIFY(viewB->offlineBanner()->text().contains(u"reconnecting"_s, Qt::CaseInsensitive));
    QVERIFY(viewA->offlineBanner()->isHidden());
    QSignalSpy ticksA(viewA->client(), &AdminClient::countersChanged);
    QVERIFY(ticksA.wait(3000)); // A still gets its once-a-second counters

    b = start(dirB.path(), portB);
    QVERIFY(b);
    QTRY_COMPARE_WITH_TIMEOUT(viewB->client()->state(), AdminClient::State::Online, 10000);
    QCOMPARE(viewA->client()->state(), AdminClient::State::Online);
}

QTEST_MAIN(tst_ConsoleScreenshot)
#include "tst_consolescreenshot.moc"
