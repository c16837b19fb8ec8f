// Renders the console's main window with live data from a real server (offscreen) to
// build/console-screenshot.png, kept as a CI artifact, and checks the picture is not blank.

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "MainWindow.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "SecretStore.h"
#include "TrunksModel.h"
#include "admin/AdminSocket.h"
#include "app/Application.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QWebSocket>
#include <memory>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

class tst_ConsoleScreenshot : public QObject {
    Q_OBJECT
private slots:
    void mainWindowWithLiveData();
};

void tst_ConsoleScreenshot::mainWindowWithLiveData()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    auto config = ServerConfig::parse(
        R"({"listen":"127.0.0.1:0","adminListen":"127.0.0.1:0","tenants":[{"host":"localhost",
                "hosts":["localhost","127.0.0.1"],"adminSecret":"shot-secret","bridgeSecret":"b"}]})",
        &error);
    QVERIFY2(config, qPrintable(error));
    config->dataDir = dir.path();
    Application app(*config);
    QVERIFY2(app.start(&error), qPrintable(error));

    // Three people in two rooms.
    std::vector<std::unique_ptr<QWebSocket>> peers;
    const QList<QPair<QString, QString>> joins{{u"reception"_s, u"Anna Weber"_s},
                                               {u"reception"_s, u"Ben Ortiz"_s},
                                               {u"board-room"_s, u"Chloé Martin"_s}};
    for (const auto &[room, name] : joins) {
        auto ws = std::make_unique<QWebSocket>();
        QSignalSpy frames(ws.get(), &QWebSocket::textMessageReceived);
        ws->open(QUrl(u"ws://127.0.0.1:%1/signal.ashx"_s.arg(app.httpPort())));
        QTRY_COMPARE(ws->state(), QAbstractSocket::ConnectedState);
        ws->sendTextMessage(
            u"{\"type\":\"join\",\"room\":\"%1\",\"name\":\"%2\"}"_s.arg(room, name));
        QVERIFY(frames.wait());
        peers.push_back(std::move(ws));
    }

    AdminClient client;
    SecretStore secrets;
    MainWindow window(client, secrets);
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    client.connectTo(QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(app.adminPort())),
                     {u"localhost"_s, "shot-secret", {}});
    QTRY_COMPARE(client.state(), AdminClient::State::Online);
    QTRY_COMPARE(client.rooms()->peerCount(), 3);

    // Telephony traffic as the ring dispatcher publishes it.
    Tenant *tenant = app.tenants().first();
    AdminSocket &admin = app.adminSocket();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    admin.publish(tenant, AP::trunkStatus,
                  {{u"trunks"_s,
                    QJsonArray{QJsonObject{{u"id"_s, u"sipgate"_s},
                                           {u"host"_s, u"sip.example.net"_s},
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
    QTRY_COMPARE(client.trunks()->rowCount(), 1);
    QSignalSpy counters(&client, &AdminClient::countersChanged);
    QVERIFY(counters.wait(3000)); // the status bar shows a live tick
    window.roomsView()->expandAll();

    const QImage shot = window.grab().toImage();
    QVERIFY(!shot.isNull());
    const QString out = QStringLiteral(SB_BUILD_DIR) + u"/console-screenshot.png"_s;
    QVERIFY2(shot.save(out), qPrintable(out));

    // Not blank: many distinct colours (text antialiasing, the ring-state colours), and the
    // ring log's colours among them.
    QSet<QRgb> colours;
    for (int y = 0; y < shot.height(); y += 2) {
        for (int x = 0; x < shot.width(); x += 2)
            colours.insert(shot.pixel(x, y));
    }
    QVERIFY2(colours.size() > 50, qPrintable(u"only %1 colours"_s.arg(colours.size())));
    QVERIFY(colours.contains(qRgb(0xd8, 0xf5, 0xd0))); // an answered ring's background
    QVERIFY(colours.contains(qRgb(0xfb, 0xd5, 0xd5))); // a timed-out ring's background
}

QTEST_MAIN(tst_ConsoleScreenshot)
#include "tst_consolescreenshot.moc"
