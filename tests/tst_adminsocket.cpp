// The admin socket end to end: a real Application on 127.0.0.1:0, the console's AdminClient and
// browser peers over QWebSocket, and raw sockets where a well-behaved client cannot misbehave.

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "AliasesModel.h"
#include "DataRows.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "TestServer.h"
#include "TrunksModel.h"
#include "VirtualNumbersModel.h"
#include "WhitelistModel.h"
#include "admin/AdminSocket.h"
#include "app/Application.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
const QByteArray s_secret = "admin-socket-test-secret";
const QByteArray s_previousSecret = "admin-socket-previous-secret"; // rotation window open

QJsonObject parseObject(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// A browser peer in a room of the signaling port.
struct Peer {
    std::unique_ptr<QWebSocket> socket = std::make_unique<QWebSocket>();
    QString peerId;
};
} // namespace

class tst_AdminSocket : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void helloCarriesVersionAndNonce();
    void authRefused_data();
    void authRefused();
    void previousSecretDuringRotation();
    void originRefused_data();
    void originRefused();
    void otherPathClosed();
    void snapshotAndLiveRooms();
    void kickFromConsole();
    void kickUnknownPeer();
    void countersEverySecond();
    void publishedTelephonyEvents();
    void edits_data();
    void edits();
    void trunkReportShown();
    void historyPages_data();
    void historyPages();
    void historyPagingWalksAll();
    void reconnectsAfterLoss();
    void slowConsoleDropped();
    void nonLoopbackNeedsTls();

private:
    std::unique_ptr<AdminClient> onlineClient();
    std::unique_ptr<Peer> join(const QString &room, const QString &name);
    QUrl adminUrl(const QString &path = u"/admin"_s) const
    {
        return QUrl(u"ws://127.0.0.1:%1%2"_s.arg(m_app->adminPort()).arg(path));
    }
    static ServerConfig makeConfig(const QString &dataDir, const QString &adminListen);

    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    std::unique_ptr<AdminClient> m_editor; // watches the edits of tst_AdminSocket::edits
    QDateTime m_historyBase; // the newest seeded call record starts here
    void seedHistory();
    // Sends a history command and waits for its answer: ok with the result, or the error.
    struct Answer {
        bool ok = false;
        QJsonObject result;
        QString code;
        QString field;
    };
    std::optional<Answer> ask(AdminClient &client, QLatin1StringView type, const QJsonObject &q);
};

ServerConfig tst_AdminSocket::makeConfig(const QString &dataDir, const QString &adminListen)
{
    const QByteArray json = R"({"listen":"127.0.0.1:0","adminListen":")" + adminListen.toUtf8()
        + R"(","keepaliveSec":5,"tenants":[{"host":"localhost","hosts":["localhost","127.0.0.1"],
            "adminSecret":")"
        + s_secret + R"(","bridgeSecret":"bridge-secret"}]})";
    auto config = testserver::fromJson(json, dataDir);
    if (!config)
        qFatal("invalid test config");
    // This test also listens elsewhere (a fixed port, a non-loopback address refused).
    ServerConfig::parseHostPort(adminListen, &config->adminHost, &config->adminPort);
    config->tenants[0].previousAdminSecret = s_previousSecret;
    config->tenants[0].previousSecretsUntil = QDateTime::currentSecsSinceEpoch() + 3600;
    return *config;
}

void tst_AdminSocket::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_app = std::make_unique<Application>(makeConfig(m_dir.path(), u"127.0.0.1:0"_s));
    QString error;
    QVERIFY2(m_app->start(&error), qPrintable(error));
    QVERIFY(m_app->adminPort() != 0);
    QVERIFY(m_app->adminPort() != m_app->httpPort());
}

void tst_AdminSocket::cleanupTestCase()
{
    m_app.reset();
}

std::unique_ptr<AdminClient> tst_AdminSocket::onlineClient()
{
    auto client = std::make_unique<AdminClient>();
    client->connectTo(adminUrl(), {u"localhost"_s, s_secret, {}});
    if (!QTest::qWaitFor([&] { return client->state() == AdminClient::State::Online; }, 5000))
        return {};
    return client;
}

std::unique_ptr<Peer> tst_AdminSocket::join(const QString &room, const QString &name)
{
    auto peer = std::make_unique<Peer>();
    QSignalSpy frames(peer->socket.get(), &QWebSocket::textMessageReceived);
    peer->socket->open(QUrl(u"ws://127.0.0.1:%1/signal.ashx"_s.arg(m_app->httpPort())));
    if (!QTest::qWaitFor([&] { return peer->socket->state() == QAbstractSocket::ConnectedState; },
                         5000))
        return {};
    peer->socket->sendTextMessage(
        u"{\"type\":\"join\",\"room\":\"%1\",\"name\":\"%2\"}"_s.arg(room, name));
    if (!QTest::qWaitFor([&] { return !frames.isEmpty(); }, 5000))
        return {};
    const QJsonObject welcome = parseObject(frames.first().first().toString());
    if (welcome.value(u"type"_s).toString() != u"welcome"_s)
        return {};
    peer->peerId = welcome.value(u"peerId"_s).toString();
    return peer;
}

void tst_AdminSocket::helloCarriesVersionAndNonce()
{
    QWebSocket a;
    QWebSocket b;
    QSignalSpy fa(&a, &QWebSocket::textMessageReceived);
    QSignalSpy fb(&b, &QWebSocket::textMessageReceived);
    a.open(adminUrl());
    b.open(adminUrl());
    QTRY_COMPARE(fa.size(), 1);
    QTRY_COMPARE(fb.size(), 1);
    const auto ha = AP::parse(fa.first().first().toString());
    const auto hb = AP::parse(fb.first().first().toString());
    QVERIFY(ha && hb);
    QCOMPARE(ha->type, u"hello"_s);
    QCOMPARE(ha->body.value(u"version"_s).toInt(), AP::version);
    QVERIFY(AP::isNonce(ha->body.value(u"nonce"_s).toString()));
    QVERIFY(ha->body.value(u"nonce"_s) != hb->body.value(u"nonce"_s));
}

void tst_AdminSocket::authRefused_data()
{
    addColumns<QString, QString, int>("how", "code", "closeCode");
    // Every refusal but another version answers unauthorized and closes with 1008.
    const auto unauthorized = [](const char *name, const QString &how) {
        QTest::addRow("%s", name) << how << u"unauthorized"_s << 1008;
    };
    unauthorized("wrong secret", u"wrong-secret"_s);
    unauthorized("another nonce signed", u"other-nonce"_s);
    unauthorized("unknown tenant", u"unknown-tenant"_s);
    unauthorized("signature for another tenant host", u"other-host"_s);
    unauthorized("bearer without OIDC", u"bearer"_s);
    unauthorized("no hmac", u"empty"_s);
    unauthorized("command before auth", u"command"_s);
    unauthorized("not JSON", u"garbage"_s);
    unauthorized("previous secret after the rotation window", u"previous-closed"_s);
    QTest::addRow("other version") << u"version"_s << u"unsupported-version"_s << 4010;
}

void tst_AdminSocket::authRefused()
{
    QFETCH(QString, how);
    QFETCH(QString, code);
    QFETCH(int, closeCode);
    QWebSocket ws;
    QSignalSpy frames(&ws, &QWebSocket::textMessageReceived);
    QSignalSpy closed(&ws, &QWebSocket::disconnected);
    ws.open(adminUrl());
    QTRY_COMPARE(frames.size(), 1);
    const QString nonce
        = AP::parse(frames.first().first().toString())->body.value(u"nonce"_s).toString();
    QJsonObject auth{{u"version"_s, AP::version}, {u"tenant"_s, u"localhost"_s}};
    if (how == u"wrong-secret"_s)
        auth.insert(u"hmac"_s, AP::signNonce("not-the-secret", u"localhost", nonce));
    else if (how == u"other-nonce"_s)
        auth.insert(u"hmac"_s, AP::signNonce(s_secret, u"localhost", AP::newNonce()));
    else if (how == u"unknown-tenant"_s) {
        auth.insert(u"tenant"_s, u"nowhere.example"_s);
        auth.insert(u"hmac"_s, AP::signNonce(s_secret, u"nowhere.example", nonce));
    } else if (how == u"other-host"_s) // signed for 127.0.0.1, presented as localhost
        auth.insert(u"hmac"_s, AP::signNonce(s_secret, u"127.0.0.1", nonce));
    else if (how == u"bearer"_s)
        auth.insert(u"bearer"_s, u"eyJhbGciOiJub25lIn0.e30."_s);
    else if (how == u"version"_s) {
        auth.insert(u"version"_s, 99);
        auth.insert(u"hmac"_s, AP::signNonce(s_secret, u"localhost", nonce));
    }
    Tenant *tenant = m_app->tenantForHost(u"localhost"_s);
    const TenantConfig saved = tenant->config();
    if (how == u"previous-closed"_s) {
        TenantConfig closedWindow = saved;
        closedWindow.previousSecretsUntil = QDateTime::currentSecsSinceEpoch() - 1;
        tenant->reconfigure(closedWindow);
        auth.insert(u"hmac"_s, AP::signNonce(s_previousSecret, u"localhost", nonce));
    }
    if (how == u"command"_s)
        ws.sendTextMessage(AP::make(AP::kick, {{u"id"_s, u"1"_s}, {u"peerId"_s, u"x"_s}}));
    else if (how == u"garbage"_s)
        ws.sendTextMessage(u"{nope"_s);
    else
        ws.sendTextMessage(AP::make(AP::auth, auth));
    QTRY_COMPARE(frames.size(), 2);
    tenant->reconfigure(saved);
    const auto answer = AP::parse(frames.at(1).first().toString());
    QVERIFY(answer);
    QCOMPARE(answer->type, u"error"_s);
    QCOMPARE(answer->body.value(u"code"_s).toString(), code);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(int(ws.closeCode()), closeCode);
}

void tst_AdminSocket::previousSecretDuringRotation()
{
    // While the rotation window is open a console still signing with the previous secret gets in.
    auto client = std::make_unique<AdminClient>();
    client->connectTo(adminUrl(), {u"localhost"_s, s_previousSecret, {}});
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), AdminClient::State::Online, 5000);
    auto current = onlineClient();
    QVERIFY(current);
}

void tst_AdminSocket::originRefused_data()
{
    addColumns<QByteArray, QByteArray>("originHeader", "status");
    QTest::addRow("no Origin") << QByteArray() << QByteArray("101");
    QTest::addRow("a web page") << QByteArray("Origin: http://evil.example\r\n")
                                << QByteArray("403");
    QTest::addRow("same host") << QByteArray("Origin: http://127.0.0.1\r\n") << QByteArray("403");
    QTest::addRow("null") << QByteArray("Origin: null\r\n") << QByteArray("403");
}

void tst_AdminSocket::originRefused()
{
    QFETCH(QByteArray, originHeader);
    QFETCH(QByteArray, status);
    QTcpSocket tcp;
    tcp.connectToHost(QHostAddress::LocalHost, m_app->adminPort());
    QVERIFY(tcp.waitForConnected(5000));
    tcp.write(
        "GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + originHeader + "\r\n");
    QByteArray response;
    QVERIFY(QTest::qWaitFor(
        [&] {
            response += tcp.readAll();
            return response.contains("\r\n");
        },
        5000));
    const QByteArray statusLine = response.left(response.indexOf("\r\n"));
    QVERIFY2(statusLine.startsWith(QByteArray("HTTP/1.1 " + status)), statusLine.constData());
}

void tst_AdminSocket::otherPathClosed()
{
    QWebSocket ws;
    QSignalSpy frames(&ws, &QWebSocket::textMessageReceived);
    QSignalSpy closed(&ws, &QWebSocket::disconnected);
    ws.open(adminUrl(u"/signal.ashx"_s));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(frames.size(), 0); // no hello, so no nonce to sign
    QCOMPARE(int(ws.closeCode()), 1008);
}

void tst_AdminSocket::snapshotAndLiveRooms()
{
    auto alice = join(u"lobby"_s, u"Alice"_s);
    QVERIFY(alice);
    auto client = onlineClient();
    QVERIFY(client);
    RoomsModel *rooms = client->rooms();
    // The snapshot has the room that existed before the console came.
    QTRY_VERIFY(rooms->peerIndex(u"lobby"_s, alice->peerId).isValid());
    QCOMPARE(rooms->peerIndex(u"lobby"_s, alice->peerId).data().toString(), u"Alice"_s);

    // Live: a second peer, a new room, a leave, a room removed.
    auto bob = join(u"lobby"_s, u"Bob"_s);
    QVERIFY(bob);
    QTRY_VERIFY(rooms->peerIndex(u"lobby"_s, bob->peerId).isValid());
    QCOMPARE(rooms->rowCount(rooms->roomIndex(u"lobby"_s)), 2);
    auto carol = join(u"other"_s, u"Carol"_s);
    QVERIFY(carol);
    QTRY_VERIFY(rooms->peerIndex(u"other"_s, carol->peerId).isValid());

    carol->socket->sendTextMessage(u"{\"type\":\"leave\"}"_s);
    QTRY_VERIFY(!rooms->roomIndex(u"other"_s).isValid());
    bob->socket->close();
    QTRY_VERIFY(!rooms->peerIndex(u"lobby"_s, bob->peerId).isValid());
    QVERIFY(rooms->peerIndex(u"lobby"_s, alice->peerId).isValid());
    alice->socket->close();
    QTRY_VERIFY(!rooms->roomIndex(u"lobby"_s).isValid());
}

void tst_AdminSocket::kickFromConsole()
{
    auto victim = join(u"kick-room"_s, u"Mallory"_s);
    QVERIFY(victim);
    auto stays = join(u"kick-room"_s, u"Trent"_s);
    QVERIFY(stays);
    auto client = onlineClient();
    QVERIFY(client);
    QTRY_VERIFY(client->rooms()->peerIndex(u"kick-room"_s, victim->peerId).isValid());

    QSignalSpy victimFrames(victim->socket.get(), &QWebSocket::textMessageReceived);
    QSignalSpy victimClosed(victim->socket.get(), &QWebSocket::disconnected);
    QSignalSpy stayFrames(stays->socket.get(), &QWebSocket::textMessageReceived);
    QSignalSpy finished(client.get(), &AdminClient::commandFinished);
    const QString id = client->kick(victim->peerId);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toString(), id);
    QCOMPARE(finished.first().at(1).toBool(), true);

    QTRY_COMPARE(victimClosed.size(), 1);
    QCOMPARE(int(victim->socket->closeCode()), 4000);
    QVERIFY(!victimFrames.isEmpty());
    const QJsonObject kicked = parseObject(victimFrames.first().first().toString());
    QCOMPARE(kicked.value(u"type"_s).toString(), u"kicked"_s);
    QCOMPARE(kicked.value(u"reason"_s).toString(), u"admin"_s);
    // The others see the peer leave as kicked, and so does the console.
    QTRY_VERIFY(!client->rooms()->peerIndex(u"kick-room"_s, victim->peerId).isValid());
    QTRY_VERIFY(!stayFrames.isEmpty());
    const QJsonObject left = parseObject(stayFrames.last().first().toString());
    QCOMPARE(left.value(u"type"_s).toString(), u"peer-left"_s);
    QCOMPARE(left.value(u"reason"_s).toString(), u"kicked"_s);
    QVERIFY(client->rooms()->peerIndex(u"kick-room"_s, stays->peerId).isValid());
}

void tst_AdminSocket::kickUnknownPeer()
{
    auto client = onlineClient();
    QVERIFY(client);
    QSignalSpy finished(client.get(), &AdminClient::commandFinished);
    const QString id = client->kick(u"no-such-peer"_s);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toString(), id);
    QCOMPARE(finished.first().at(1).toBool(), false);
    QCOMPARE(finished.first().at(2).toString(), u"not-found"_s);
    QCOMPARE(client->state(), AdminClient::State::Online); // a failed command keeps the console
}

void tst_AdminSocket::countersEverySecond()
{
    auto peer = join(u"counted"_s, u"Dave"_s);
    QVERIFY(peer);
    auto client = onlineClient();
    QVERIFY(client);
    QSignalSpy counters(client.get(), &AdminClient::countersChanged);
    QVERIFY(counters.wait(3000)); // the first tick after the snapshot
    QVERIFY(counters.wait(3000)); // and the next
    const QJsonObject c = client->counters();
    QCOMPARE(c.value(u"rooms"_s).toInt(), m_app->tenants().first()->rooms().count());
    QCOMPARE(c.value(u"peers"_s).toInt(), m_app->tenants().first()->rooms().peerCount());
    QVERIFY(c.value(u"peers"_s).toInt() >= 1);
    QVERIFY(c.value(u"consoles"_s).toInt() >= 1);
}

void tst_AdminSocket::publishedTelephonyEvents()
{
    // Rings and dials come from telephony through AdminSocket::publish; the console shows them.
    auto client = onlineClient();
    QVERIFY(client);
    Tenant *tenant = m_app->tenants().first();
    AdminSocket &admin = m_app->adminSocket();
    admin.publish(tenant, AP::ring,
                  {{u"ring"_s,
                    QJsonObject{{u"callId"_s, u"call-1"_s},
                                {u"from"_s, u"+4930123456"_s},
                                {u"to"_s, u"*"_s},
                                {u"room"_s, u"call-abc"_s},
                                {u"at"_s, AP::timestamp(0)}}}});
    RingLogModel *log = client->ringLog();
    QTRY_COMPARE(log->rowCount(), 1);
    QCOMPARE(log->index(0, RingLogModel::StateColumn).data().toString(), u"ringing"_s);
    admin.publish(tenant, AP::ringAnswered, {{u"callId"_s, u"call-1"_s}, {u"peerId"_s, u"x"_s}});
    QTRY_COMPARE(log->index(0, 0).data(RingLogModel::StateRole).toString(), u"answered"_s);
    admin.publish(
        tenant, AP::trunkStatus,
        {{u"trunks"_s, QJsonArray{QJsonObject{{u"id"_s, u"t1"_s}, {u"registered"_s, true}}}}});
    QTRY_COMPARE(client->trunks()->rowCount(), 1);
    // Another tenant's events never reach this console.
    admin.publish(nullptr, AP::ring, {{u"ring"_s, QJsonObject{{u"callId"_s, u"foreign"_s}}}});
    admin.publish(tenant, AP::ring, {{u"ring"_s, QJsonObject{{u"callId"_s, u"call-2"_s}}}});
    QTRY_COMPARE(log->rowCount(), 2);
    QCOMPARE(log->index(0, RingLogModel::CallIdColumn).data().toString(), u"call-2"_s);
}

void tst_AdminSocket::edits_data()
{
    // Each row: a command, its body, the answer code ("" = ok) and the field named.
    addColumns<QString, QJsonObject, QString, QString>("type", "body", "code", "field");
    const QJsonObject vnum{{u"number"_s, u"2000"_s},
                           {u"name"_s, u"Weather"_s},
                           {u"mode"_s, u"tts"_s},
                           {u"text"_s, u"Sunny."_s},
                           {u"visibility"_s, u"anonymous"_s}};
    QJsonObject renamed = vnum;
    renamed.insert(u"name"_s, u"Weather line"_s);
    QJsonObject badMode = vnum;
    badMode.insert(u"mode"_s, u"opera"_s);
    QJsonObject badLoop = vnum;
    badLoop.insert(u"loop"_s, u"yes"_s);
    QJsonObject missing = vnum;
    missing.insert(u"number"_s, u"2999"_s);
    auto data = [](const QJsonObject &o) { return QJsonObject{{u"data"_s, o}}; };
    QTest::addRow("whitelist create")
        << u"whitelist-create"_s
        << data({{u"number"_s, u"+4930123456"_s}, {u"note"_s, u"office"_s}}) << u""_s << u""_s;
    QTest::addRow("whitelist duplicate")
        << u"whitelist-create"_s << data({{u"number"_s, u"+4930123456"_s}}) << u"duplicate"_s
        << u"number"_s;
    QTest::addRow("whitelist bad number")
        << u"whitelist-create"_s << data({{u"number"_s, u"call me"_s}}) << u"bad-field"_s
        << u"number"_s;
    QTest::addRow("whitelist update")
        << u"whitelist-update"_s
        << data({{u"number"_s, u"+4930123456"_s}, {u"note"_s, u"front desk"_s}}) << u""_s << u""_s;
    QTest::addRow("vnum create") << u"vnum-create"_s << data(vnum) << u""_s << u""_s;
    QTest::addRow("vnum duplicate")
        << u"vnum-create"_s << data(vnum) << u"duplicate"_s << u"number"_s;
    QTest::addRow("vnum bad mode")
        << u"vnum-create"_s << data(badMode) << u"bad-field"_s << u"mode"_s;
    QTest::addRow("vnum bad loop")
        << u"vnum-update"_s << data(badLoop) << u"bad-field"_s << u"loop"_s;
    QTest::addRow("vnum update") << u"vnum-update"_s << data(renamed) << u""_s << u""_s;
    QTest::addRow("vnum update missing")
        << u"vnum-update"_s << data(missing) << u"not-found"_s << u"number"_s;
    QTest::addRow("alias create") << u"alias-create"_s
                                  << data({{u"number"_s, u"10"_s}, {u"name"_s, u"Reception"_s}})
                                  << u""_s << u""_s;
    QTest::addRow("alias no name")
        << u"alias-create"_s << data({{u"number"_s, u"11"_s}}) << u"bad-field"_s << u"name"_s;
    QTest::addRow("alias delete") << u"alias-delete"_s << QJsonObject{{u"number"_s, u"10"_s}}
                                  << u""_s << u""_s;
    QTest::addRow("alias delete again") << u"alias-delete"_s << QJsonObject{{u"number"_s, u"10"_s}}
                                        << u"not-found"_s << u"number"_s;
    QTest::addRow("vnum delete") << u"vnum-delete"_s << QJsonObject{{u"number"_s, u"2000"_s}}
                                 << u""_s << u""_s;
    QTest::addRow("whitelist delete")
        << u"whitelist-delete"_s << QJsonObject{{u"number"_s, u"+4930123456"_s}} << u""_s << u""_s;
}

void tst_AdminSocket::edits()
{
    QFETCH(QString, type);
    QFETCH(QJsonObject, body);
    QFETCH(QString, code);
    QFETCH(QString, field);
    if (!m_editor) {
        m_editor = onlineClient();
        QVERIFY(m_editor);
    }
    QWebSocket raw; // commands of any shape, as a console might send them
    QSignalSpy frames(&raw, &QWebSocket::textMessageReceived);
    raw.open(adminUrl());
    QTRY_COMPARE(frames.size(), 1);
    const QString nonce
        = AP::parse(frames.first().first().toString())->body.value(u"nonce"_s).toString();
    raw.sendTextMessage(AP::make(AP::auth,
                                 {{u"version"_s, AP::version},
                                  {u"tenant"_s, u"localhost"_s},
                                  {u"hmac"_s, AP::signNonce(s_secret, u"localhost", nonce)}}));
    QTRY_VERIFY(frames.size() >= 3); // welcome, snapshot
    body.insert(u"id"_s, u"cmd-1"_s);
    raw.sendTextMessage(AP::make(QLatin1StringView(type.toLatin1()), body));
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (const auto &f : std::as_const(frames)) {
                const auto m = AP::parse(f.first().toString());
                if (m && m->body.value(u"id"_s).toString() == u"cmd-1"_s)
                    return true;
            }
            return false;
        },
        5000));
    std::optional<AP::Message> answer;
    for (const auto &f : std::as_const(frames)) {
        const auto m = AP::parse(f.first().toString());
        if (m && m->body.value(u"id"_s).toString() == u"cmd-1"_s)
            answer = m;
    }
    if (code.isEmpty()) {
        QCOMPARE(answer->type, u"ok"_s);
    } else {
        QCOMPARE(answer->type, u"error"_s);
        QCOMPARE(answer->body.value(u"code"_s).toString(), code);
        QCOMPARE(answer->body.value(u"field"_s).toString(), field);
    }
    // The other console's models follow every successful edit.
    Store &store = m_app->store();
    QTRY_COMPARE(m_editor->whitelist()->rowCount(), int(store.whitelist(u"localhost"_s).size()));
    QTRY_COMPARE(m_editor->virtualNumbers()->rowCount(),
                 int(store.virtualNumbers(u"localhost"_s).size()));
    QTRY_COMPARE(m_editor->aliases()->rowCount(), int(store.aliases(u"localhost"_s).size()));
    if (type == u"vnum-update"_s && code.isEmpty()) {
        const int row = m_editor->virtualNumbers()->rowOfKey(u"2000"_s);
        QVERIFY(row >= 0);
        QTRY_COMPARE(m_editor->virtualNumbers()->row(row).value(u"name"_s).toString(),
                     u"Weather line"_s);
        QVERIFY(m_editor->whitelist()->rowOfKey(u"2000"_s) >= 0); // saving puts it on the whitelist
    }
    raw.close();
    QTRY_COMPARE(raw.state(), QAbstractSocket::UnconnectedState);
}

void tst_AdminSocket::trunkReportShown()
{
    auto client = onlineClient();
    QVERIFY(client);
    Tenant *tenant = m_app->tenants().first();
    tenant->setTrunkReport({{u"sipgate"_s, u"sip.example.net"_s, true}}, 100);
    QTRY_COMPARE(client->trunks()->rowCount(), 1);
    QCOMPARE(client->trunks()->row(0).value(u"host"_s).toString(), u"sip.example.net"_s);
    QVERIFY(!client->trunks()->row(0).value(u"lastSeen"_s).toString().isEmpty());
    tenant->setTrunkReport({{u"sipgate"_s, u"sip.example.net"_s, false}}, 200);
    QTRY_COMPARE(client->trunks()->row(0).value(u"registered"_s).toBool(), false);
    auto late = onlineClient(); // a console that comes later has it in its snapshot
    QVERIFY(late);
    QTRY_COMPARE(late->trunks()->rowCount(), 1);
}

void tst_AdminSocket::seedHistory()
{
    if (m_historyBase.isValid())
        return;
    // Five call records a minute apart (newest first: c-4 … c-0) and three dial-log rows.
    m_historyBase = QDateTime::currentDateTimeUtc().addSecs(-60);
    Store &store = m_app->store();
    const QStringList results{u"answered"_s, u"missed"_s, u"declined"_s, u"answered"_s,
                              u"missed"_s};
    for (int i = 0; i < 5; ++i) {
        CdrRecord c;
        c.callId = u"c-%1"_s.arg(i);
        c.direction = u"in"_s;
        c.from = u"+49305550%1"_s.arg(i);
        c.to = u"10"_s;
        c.room = u"call-%1"_s.arg(i);
        c.startedAt = m_historyBase.addSecs(-60 * (4 - i));
        if (results[i] == u"answered"_s)
            c.answeredAt = c.startedAt.addSecs(5);
        c.endedAt = c.startedAt.addSecs(30);
        c.result = results[i];
        QVERIFY(store.addCdr(u"localhost"_s, c) > 0);
    }
    for (int i = 0; i < 3; ++i) {
        DialLogRecord d;
        d.at = m_historyBase.addSecs(-30 * (2 - i));
        d.callId = i == 0 ? QString() : u"d-%1"_s.arg(i); // refused before a call existed
        d.room = u"reception"_s;
        d.peerId = u"p-%1"_s.arg(i);
        d.number = u"+4940555%1"_s.arg(i);
        d.outcome = i == 0 ? u"forbidden"_s : u"dialing"_s;
        QVERIFY(store.addDial(u"localhost"_s, d) > 0);
    }
}

std::optional<tst_AdminSocket::Answer>
tst_AdminSocket::ask(AdminClient &client, QLatin1StringView type, const QJsonObject &q)
{
    QSignalSpy results(&client, &AdminClient::resultReceived);
    QSignalSpy finished(&client, &AdminClient::commandFinished);
    const QString id = client.requestLogPage(type, q);
    if (id.isEmpty())
        return {};
    if (!QTest::qWaitFor([&] { return !finished.isEmpty(); }, 5000))
        return {};
    Answer a;
    a.ok = finished.first().at(1).toBool();
    a.code = finished.first().at(2).toString();
    a.field = finished.first().at(4).toString();
    if (finished.first().at(0).toString() != id)
        return {};
    if (!results.isEmpty() && results.first().at(0).toString() == id)
        a.result = results.first().at(1).toJsonObject();
    return a;
}

void tst_AdminSocket::historyPages_data()
{
    // Each row: command, query, answer code ("" = ok), field, rows, a next page, first id.
    addColumns<QString, QJsonObject, QString, QString, int, bool, QString>(
        "type", "query", "code", "field", "rows", "more", "firstCall");
    QTest::addRow("cdr all") << u"cdrlog"_s << QJsonObject{} << u""_s << u""_s << 5 << false
                             << u"c-4"_s;
    QTest::addRow("cdr page of 2")
        << u"cdrlog"_s << QJsonObject{{u"limit"_s, 2}} << u""_s << u""_s << 2 << true << u"c-4"_s;
    QTest::addRow("cdr exactly 5")
        << u"cdrlog"_s << QJsonObject{{u"limit"_s, 5}} << u""_s << u""_s << 5 << true << u"c-4"_s;
    QTest::addRow("cdr from (RFC 3339)") << u"cdrlog"_s << QJsonObject{{u"from"_s, u"@-150"_s}}
                                         << u""_s << u""_s << 3 << false << u"c-4"_s;
    QTest::addRow("cdr to (unix seconds)") << u"cdrlog"_s << QJsonObject{{u"to"_s, u"#-150"_s}}
                                           << u""_s << u""_s << 2 << false << u"c-1"_s;
    QTest::addRow("dials all") << u"diallog"_s << QJsonObject{} << u""_s << u""_s << 3 << false
                               << u"d-2"_s;
    QTest::addRow("limit 0") << u"cdrlog"_s << QJsonObject{{u"limit"_s, 0}} << u"bad-field"_s
                             << u"limit"_s << 0 << false << u""_s;
    QTest::addRow("limit over the page size")
        << u"cdrlog"_s << QJsonObject{{u"limit"_s, AP::maxLogPage + 1}} << u"bad-field"_s
        << u"limit"_s << 0 << false << u""_s;
    QTest::addRow("limit as text") << u"diallog"_s << QJsonObject{{u"limit"_s, u"5"_s}}
                                   << u"bad-field"_s << u"limit"_s << 0 << false << u""_s;
    QTest::addRow("limit fractional") << u"cdrlog"_s << QJsonObject{{u"limit"_s, 2.5}}
                                      << u"bad-field"_s << u"limit"_s << 0 << false << u""_s;
    QTest::addRow("before negative") << u"cdrlog"_s << QJsonObject{{u"before"_s, -3}}
                                     << u"bad-field"_s << u"before"_s << 0 << false << u""_s;
    QTest::addRow("from not a time") << u"cdrlog"_s << QJsonObject{{u"from"_s, u"yesterday"_s}}
                                     << u"bad-field"_s << u"from"_s << 0 << false << u""_s;
    QTest::addRow("to not a time") << u"diallog"_s << QJsonObject{{u"to"_s, true}} << u"bad-field"_s
                                   << u"to"_s << 0 << false << u""_s;
}

void tst_AdminSocket::historyPages()
{
    QFETCH(QString, type);
    QFETCH(QJsonObject, query);
    QFETCH(QString, code);
    QFETCH(QString, field);
    QFETCH(int, rows);
    QFETCH(bool, more);
    QFETCH(QString, firstCall);
    seedHistory();
    // "@-150" / "#-150": 150 s before the newest record, as RFC 3339 text or unix seconds.
    for (const QString &key : {u"from"_s, u"to"_s}) {
        const QString v = query.value(key).toString();
        const QDateTime t = m_historyBase.addSecs(v.mid(1).toInt());
        if (v.startsWith(u'@'))
            query.insert(key, AP::timestamp(t.toMSecsSinceEpoch()));
        else if (v.startsWith(u'#'))
            query.insert(key, t.toSecsSinceEpoch());
    }
    auto client = onlineClient();
    QVERIFY(client);
    const auto answer = ask(*client, QLatin1StringView(type.toLatin1()), query);
    QVERIFY(answer);
    QCOMPARE(answer->ok, code.isEmpty());
    QCOMPARE(answer->code, code);
    QCOMPARE(answer->field, field);
    if (!code.isEmpty())
        return;
    const QJsonArray list
        = answer->result.value(type == u"cdrlog"_s ? u"cdrs"_s : u"dials"_s).toArray();
    QCOMPARE(list.size(), rows);
    QCOMPARE(answer->result.contains(u"nextBefore"_s), more);
    QCOMPARE(list.first().toObject().value(u"callId"_s).toString(), firstCall);
    if (type == u"cdrlog"_s) {
        const QJsonObject first = list.first().toObject();
        QCOMPARE(first.value(u"result"_s).toString(), u"missed"_s);
        QVERIFY(QDateTime::fromString(first.value(u"startedAt"_s).toString(), Qt::ISODateWithMs)
                    .isValid());
    }
}

void tst_AdminSocket::historyPagingWalksAll()
{
    seedHistory();
    auto client = onlineClient();
    QVERIFY(client);
    QStringList seen;
    QJsonObject query{{u"limit"_s, 2}};
    for (int page = 0; page < 10; ++page) {
        const auto answer = ask(*client, AP::cdrLog, query);
        QVERIFY(answer && answer->ok);
        for (const QJsonValue &v : answer->result.value(u"cdrs"_s).toArray())
            seen.append(v.toObject().value(u"callId"_s).toString());
        if (!answer->result.contains(u"nextBefore"_s))
            break;
        query.insert(u"before"_s, answer->result.value(u"nextBefore"_s));
    }
    QCOMPARE(seen, (QStringList{u"c-4"_s, u"c-3"_s, u"c-2"_s, u"c-1"_s, u"c-0"_s}));
}

void tst_AdminSocket::reconnectsAfterLoss()
{
    // A second server instance that goes away and comes back on the same admin port.
    QTemporaryDir dir;
    auto app = std::make_unique<Application>(makeConfig(dir.path(), u"127.0.0.1:0"_s));
    QString error;
    QVERIFY2(app->start(&error), qPrintable(error));
    const quint16 port = app->adminPort();
    AdminClient client;
    client.setReconnectDelays(50, 200);
    client.connectTo(QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(port)), {u"localhost"_s, s_secret, {}});
    QTRY_COMPARE(client.state(), AdminClient::State::Online);
    app.reset();
    QTRY_COMPARE(client.state(), AdminClient::State::Offline);
    app = std::make_unique<Application>(makeConfig(dir.path(), u"127.0.0.1:%1"_s.arg(port)));
    QVERIFY2(app->start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), AdminClient::State::Online, 10000);
}

void tst_AdminSocket::slowConsoleDropped()
{
    AdminSocket &admin = m_app->adminSocket();
    admin.setMaxPendingBytes(1024 * 1024);
    auto healthy = onlineClient();
    QVERIFY(healthy);
    QTRY_VERIFY(admin.connectionCount() >= 1);
    const int base = admin.connectionCount(); // the healthy console and any other test's

    // A console that authenticates and then never reads again: a raw socket, so nothing reads.
    QTcpSocket tcp;
    tcp.connectToHost(QHostAddress::LocalHost, m_app->adminPort());
    QVERIFY(tcp.waitForConnected(5000));
    tcp.write(
        "GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QByteArray in;
    qsizetype headEnd = -1;
    QString nonce;
    QVERIFY(QTest::qWaitFor(
        [&] {
            in += tcp.readAll();
            headEnd = in.indexOf("\r\n\r\n");
            if (headEnd < 0 || in.size() < headEnd + 8)
                return false;
            // The hello: one unmasked text frame with a 16-bit length.
            const QByteArray frame = in.mid(headEnd + 4);
            if (quint8(frame[1]) != 126)
                return false;
            const int len = (quint8(frame[2]) << 8) | quint8(frame[3]);
            if (frame.size() < 4 + len)
                return false;
            nonce = AP::parse(QString::fromUtf8(frame.mid(4, len)))
                        ->body.value(u"nonce"_s)
                        .toString();
            return true;
        },
        5000));
    QVERIFY(AP::isNonce(nonce));
    const QByteArray auth = AP::make(AP::auth,
                                     {{u"version"_s, AP::version},
                                      {u"tenant"_s, u"localhost"_s},
                                      {u"hmac"_s, AP::signNonce(s_secret, u"localhost", nonce)}})
                                .toUtf8();
    QVERIFY(auth.size() < 65536);
    QByteArray frame; // a masked text frame, as a client must send
    frame.append(char(0x81));
    if (auth.size() < 126) {
        frame.append(char(0x80 | auth.size()));
    } else {
        frame.append(char(0x80 | 126));
        frame.append(char(auth.size() >> 8)).append(char(auth.size() & 0xff));
    }
    const QByteArray mask = "\x11\x22\x33\x44";
    frame.append(mask);
    for (qsizetype i = 0; i < auth.size(); ++i)
        frame.append(char(auth[i] ^ mask[i % 4]));
    tcp.write(frame);
    QTRY_COMPARE(admin.connectionCount(), base + 1);
    QVERIFY(QTest::qWaitFor([&] { return tcp.bytesAvailable() > 0; }, 5000)); // welcome arrived
    // From here on it reads nothing: Qt stops filling its buffer, then the kernel's fill up.
    tcp.setReadBufferSize(1024);

    QSignalSpy healthyEvents(healthy.get(), &AdminClient::eventReceived);
    const QString padding(60 * 1024, u'x');
    Tenant *tenant = m_app->tenants().first();
    int sent = 0;
    for (; sent < 2000 && admin.connectionCount() == base + 1; ++sent) {
        const qsizetype before = healthyEvents.size();
        admin.publish(
            tenant, AP::trunkStatus,
            {{u"trunks"_s,
              QJsonArray{QJsonObject{{u"id"_s, u"t%1"_s.arg(sent)}, {u"host"_s, padding}}}}});
        // The healthy console reads each event as it comes, as a console does.
        QVERIFY(QTest::qWaitFor([&] { return healthyEvents.size() > before; }, 5000));
    }
    QVERIFY2(sent < 2000, "the stalled console was never dropped");
    QCOMPARE(admin.connectionCount(), base);
    QCOMPARE(healthy->state(), AdminClient::State::Online); // the reading console stays
    admin.setMaxPendingBytes(4 * 1024 * 1024);
}

void tst_AdminSocket::nonLoopbackNeedsTls()
{
    QTemporaryDir dir;
    Application app(makeConfig(dir.path(), u"0.0.0.0:0"_s));
    QString error;
    QVERIFY(!app.start(&error));
    QVERIFY2(error.contains(u"adminListen"_s) && error.contains(u"tls"_s), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_AdminSocket)
#include "tst_adminsocket.moc"
