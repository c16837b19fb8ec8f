// Admin edits and the admin socket across a cluster (docs/cluster.md "Admin edits", "The admin
// socket and the console"): an edit on one node reaches every node's store, a malformed cluster
// message is ignored and logged, two edits of one entry resolve by (timestamp, node), a starting
// node copies a live node's admin data, and the admin socket shows other nodes' members.

#include "AdminProtocol.h"
#include "ClusterFixture.h"
#include "cluster/ClusterAdmin.h"
#include "cluster/NatsLink.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QWebSocket>

namespace AP = AdminProtocol;

// A console on a node's admin socket, authenticated, keeping every message it got.
class Console {
public:
    bool open(quint16 adminPort)
    {
        QObject::connect(&m_ws, &QWebSocket::textMessageReceived, &m_ws, [this](const QString &t) {
            if (const auto m = AP::parse(t))
                messages.append(*m);
        });
        m_ws.open(QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(adminPort)));
        if (!QTest::qWaitFor([&] { return !messages.isEmpty(); }, 5000))
            return false;
        const QString nonce = messages.first().body.value(u"nonce"_s).toString();
        m_ws.sendTextMessage(AP::make(AP::auth,
                                      {{u"version"_s, AP::version},
                                       {u"tenant"_s, u"localhost"_s},
                                       {u"hmac"_s, AP::signNonce("a", u"localhost", nonce)}}));
        return !last(AP::snapshot).isEmpty();
    }
    void send(QLatin1StringView type, const QJsonObject &body)
    {
        m_ws.sendTextMessage(AP::make(type, body));
    }
    // The latest message of `type` from the `from`th on (waiting up to 5 s for one that
    // `accept`s), or {}.
    QJsonObject last(QLatin1StringView type,
                     const std::function<bool(const QJsonObject &)> &accept = {},
                     qsizetype from = 0)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
            [&] {
                for (qsizetype i = messages.size() - 1; i >= from; --i) {
                    if (messages[i].type == type && (!accept || accept(messages[i].body))) {
                        found = messages[i].body;
                        return true;
                    }
                }
                return false;
            },
            5000);
        return found;
    }
    QList<AP::Message> messages;

private:
    QWebSocket m_ws;
};

class tst_ClusterAdmin : public ClusterFixture {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase() { stopCluster(); }
    void editReachesEveryNode_data();
    void editReachesEveryNode();
    void consoleEditReachesOtherConsoles();
    void malformedEditIgnored_data();
    void malformedEditIgnored();
    void lastWriterWins();
    void startingNodeCopiesAdminData();
    void consoleShowsRemoteRooms();

private:
    // A signed admin request (time with a unique fraction: each signature is accepted once).
    RawResponse admin(int node, const QByteArray &method, const QByteArray &query,
                      const QByteArray &body = {})
    {
        static int counter = 0;
        const QByteArray time = QByteArray::number(QDateTime::currentSecsSinceEpoch()) + '.'
            + QByteArray::number(++counter).rightJustified(6, '0');
        const QByteArray sig
            = Signing::sign("a", Signing::adminRequest(method, query, "localhost", time, body));
        QByteArray extra = "X-Admin-Time: " + time + "\r\nX-Admin-Sig: " + sig + "\r\n";
        if (method == "POST" || method == "PUT")
            extra += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        return rawHttp(port(node), httpRequest(method, query, "localhost", extra) + body);
    }
    // The entry `number` of an admin list on `node`, or {} when it has none.
    QJsonObject entry(int node, const QByteArray &flag, const QString &key, const QString &number)
    {
        const RawResponse r = admin(node, "GET", flag);
        for (const QJsonValue &v : r.json().value(key).toArray()) {
            if (v.toObject().value(u"number"_s).toString() == number)
                return v.toObject();
        }
        return {};
    }
    bool waitForEntry(int node, const QByteArray &flag, const QString &key, const QString &number,
                      const std::function<bool(const QJsonObject &)> &accept)
    {
        return QTest::qWaitFor([&] { return accept(entry(node, flag, key, number)); }, 5000);
    }
    // Publishes straight to NATS, as a node named `fake` or anything else would.
    void publish(const QByteArray &subject, const QByteArray &data)
    {
        QVERIFY(m_link.publish(subject, data));
    }
    QByteArray editSubject() const
    {
        return "sb.all.admin." + ClusterNode::tenantKey(u"localhost"_s);
    }

    NatsLink m_link;
};

void tst_ClusterAdmin::initTestCase()
{
    startCluster();
    QString error;
    QVERIFY2(m_link.start(m_nats.url(), "tst_clusteradmin", &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_link.isConnected(), 5000);
}

void tst_ClusterAdmin::editReachesEveryNode_data()
{
    QTest::addColumn<QByteArray>("flag");
    QTest::addColumn<QString>("key"); // the list in the GET answer
    QTest::addColumn<QString>("number");
    QTest::addColumn<QByteArray>("create");
    QTest::addColumn<QByteArray>("update");
    QTest::addColumn<QString>("field"); // what the update changes
    QTest::addColumn<QString>("updated");
    QTest::addRow("virtual number")
        << QByteArray("virtualnumbers") << u"virtualNumbers"_s << u"2101"_s
        << QByteArray(R"({"number":"2101","name":"Weather","mode":"tts","text":"Sun."})")
        << QByteArray(R"({"number":"2101","name":"Forecast"})") << u"name"_s << u"Forecast"_s;
    QTest::addRow("alias") << QByteArray("aliases") << u"aliases"_s << u"31"_s
                           << QByteArray(R"({"number":"31","name":"Reception"})")
                           << QByteArray(R"({"number":"31","name":"Front desk"})") << u"name"_s
                           << u"Front desk"_s;
    QTest::addRow("whitelist") << QByteArray("whitelist") << u"whitelist"_s << u"+4930111222"_s
                               << QByteArray(R"({"number":"+4930111222","note":"first"})")
                               << QByteArray(R"({"number":"+4930111222","note":"second"})")
                               << u"note"_s << u"second"_s;
}

void tst_ClusterAdmin::editReachesEveryNode()
{
    QFETCH(QByteArray, flag);
    QFETCH(QString, key);
    QFETCH(QString, number);
    QFETCH(QByteArray, create);
    QFETCH(QByteArray, update);
    QFETCH(QString, field);
    QFETCH(QString, updated);
    const auto has = [](const QJsonObject &e) { return !e.isEmpty(); };
    const auto gone = [](const QJsonObject &e) { return e.isEmpty(); };
    const auto isUpdated
        = [&](const QJsonObject &e) { return e.value(field).toString() == updated; };

    // Created on node 0: listed on 1 and the child.
    QCOMPARE(admin(0, "POST", flag, create).status, 201);
    QVERIFY(waitForEntry(1, flag, key, number, has));
    QVERIFY(waitForEntry(2, flag, key, number, has));
    if (flag == "virtualnumbers") {
        // The child's public overview offers it too, so it is dialable there.
        const RawResponse r = rawHttp(port(2), httpRequest("GET", "vnum-overview=1", "localhost"));
        QVERIFY(r.body.contains(number.toUtf8()));
        QVERIFY(waitForEntry(2, "whitelist", u"whitelist"_s, number, has));
    }
    // Updated on the child: changed on 0 and 1.
    QCOMPARE(admin(2, "PUT", flag, update).status, 200);
    QVERIFY(waitForEntry(0, flag, key, number, isUpdated));
    QVERIFY(waitForEntry(1, flag, key, number, isUpdated));
    // Deleted on node 1: gone on 0 and the child.
    QCOMPARE(admin(1, "DELETE", flag + "&number=" + QUrl::toPercentEncoding(number)).status, 200);
    QVERIFY(waitForEntry(0, flag, key, number, gone));
    QVERIFY(waitForEntry(2, flag, key, number, gone));
}

void tst_ClusterAdmin::consoleEditReachesOtherConsoles()
{
    // An edit through node 1's admin socket reaches node 0's store and its console.
    Console editor, watcher;
    QVERIFY(editor.open(m_apps[1]->adminPort()));
    QVERIFY(watcher.open(m_apps[0]->adminPort()));
    editor.send(AP::aliasCreate,
                {{u"id"_s, u"c1"_s},
                 {u"data"_s, QJsonObject{{u"number"_s, u"44"_s}, {u"name"_s, u"Lab"_s}}}});
    QCOMPARE(editor.last(AP::ok).value(u"id"_s).toString(), u"c1"_s);
    const QJsonObject list = watcher.last(AP::aliases, [](const QJsonObject &b) {
        return b.value(u"aliases"_s)
            .toArray()
            .contains(QJsonObject{{u"number"_s, u"44"_s}, {u"name"_s, u"Lab"_s}});
    });
    QVERIFY(!list.isEmpty());
    QVERIFY(waitForEntry(2, "aliases", u"aliases"_s, u"44"_s,
                         [](const QJsonObject &e) { return !e.isEmpty(); }));
}

void tst_ClusterAdmin::malformedEditIgnored_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("why"); // in the warning
    QTest::addRow("not JSON") << QByteArray("{\"node\":") << u"not a JSON object"_s;
    QTest::addRow("an array") << QByteArray("[1,2]") << u"not a JSON object"_s;
    QTest::addRow("no node") << QByteArray(R"({"op":"delete","table":"aliases","key":"31","ts":1})")
                             << u"no valid node"_s;
    QTest::addRow("bad node") << QByteArray(
        R"({"node":"a b","op":"delete","table":"aliases","key":"31","ts":1})")
                              << u"no valid node"_s;
    QTest::addRow("unknown op") << QByteArray(
        R"({"node":"fake","op":"drop","table":"aliases","key":"31","ts":1})")
                                << u"no valid op"_s;
    QTest::addRow("unknown table")
        << QByteArray(R"({"node":"fake","op":"delete","table":"cdrs","key":"31","ts":1})")
        << u"no valid table"_s;
    QTest::addRow("bad key") << QByteArray(
        R"({"node":"fake","op":"delete","table":"aliases","key":"1; DROP","ts":1})")
                             << u"no valid key"_s;
    QTest::addRow("no ts") << QByteArray(
        R"({"node":"fake","op":"delete","table":"aliases","key":"31"})")
                           << u"no valid ts"_s;
    QTest::addRow("fractional ts")
        << QByteArray(R"({"node":"fake","op":"delete","table":"aliases","key":"31","ts":1.5})")
        << u"no valid ts"_s;
    QTest::addRow("value of another key") << QByteArray(
        R"({"node":"fake","op":"put","table":"aliases","key":"2999","ts":1,"value":{"number":"31","name":"x"}})")
                                          << u"not the key's entry"_s;
    QTest::addRow("bad field") << QByteArray(
        R"({"node":"fake","op":"put","table":"virtualNumbers","key":"2999","ts":1,"value":{"number":"2999","name":"x","mode":"nope"}})")
                               << u"Expected tts"_s;
    QTest::addRow("unknown field") << QByteArray(
        R"({"node":"fake","op":"put","table":"aliases","key":"2999","ts":1,"value":{"number":"2999","name":"x","admin":true}})")
                                   << u"Unknown field"_s;
    QTest::addRow("name with control characters") << QByteArray(
        R"({"node":"fake","op":"put","table":"aliases","key":"2999","ts":1,"value":{"number":"2999","name":"\u0007"}})")
                                                  << u"control characters"_s;
}

void tst_ClusterAdmin::malformedEditIgnored()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, why);
    static int sentinel = 100;
    const QString number = u"%1"_s.arg(++sentinel);
    // Both in-process nodes log it (the child too, on its own stderr).
    const QRegularExpression warning(u"ignored a malformed cluster admin edit .*"_s
                                     + QRegularExpression::escape(why));
    QTest::ignoreMessage(QtWarningMsg, warning);
    QTest::ignoreMessage(QtWarningMsg, warning);
    publish(editSubject(), payload);
    // A valid edit published after it is applied after it: then the bad one has been seen.
    publish(editSubject(),
            QJsonDocument(
                QJsonObject{{u"node"_s, u"fake"_s},
                            {u"op"_s, u"put"_s},
                            {u"table"_s, u"aliases"_s},
                            {u"key"_s, number},
                            {u"ts"_s, 1000},
                            {u"value"_s, QJsonObject{{u"number"_s, number}, {u"name"_s, u"Ok"_s}}}})
                .toJson(QJsonDocument::Compact));
    for (int node : {0, 1, 2})
        QVERIFY(waitForEntry(node, "aliases", u"aliases"_s, number,
                             [](const QJsonObject &e) { return !e.isEmpty(); }));
    for (int node : {0, 1, 2}) {
        QVERIFY(entry(node, "aliases", u"aliases"_s, u"2999"_s).isEmpty());
        QVERIFY(entry(node, "virtualnumbers", u"virtualNumbers"_s, u"2999"_s).isEmpty());
    }
}

void tst_ClusterAdmin::lastWriterWins()
{
    // Two nodes edited one alias at about the same time; the later edit arrives first. Every
    // node keeps the edit with the greater (ts, node), whatever the order of arrival.
    const auto edit = [](const QString &node, qint64 ts, const QString &name) {
        return QJsonDocument(QJsonObject{{u"node"_s, node},
                                         {u"op"_s, u"put"_s},
                                         {u"table"_s, u"aliases"_s},
                                         {u"key"_s, u"77"_s},
                                         {u"ts"_s, double(ts)},
                                         {u"value"_s,
                                          QJsonObject{{u"number"_s, u"77"_s}, {u"name"_s, name}}}})
            .toJson(QJsonDocument::Compact);
    };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    publish(editSubject(), edit(u"fake-b"_s, now + 10, u"Later"_s));
    publish(editSubject(), edit(u"fake-a"_s, now, u"Earlier"_s));
    publish(editSubject(), edit(u"fake-a"_s, now + 10, u"Same time, smaller node"_s));
    const auto isLater = [](const QJsonObject &e) { return e.value(u"name"_s) == u"Later"_s; };
    for (int node : {0, 1, 2})
        QVERIFY(waitForEntry(node, "aliases", u"aliases"_s, u"77"_s, isLater));
    // A local edit after that wins, even though the fake clock was ahead.
    QCOMPARE(admin(0, "PUT", "aliases", R"({"number":"77","name":"Local"})").status, 200);
    const auto isLocal = [](const QJsonObject &e) { return e.value(u"name"_s) == u"Local"_s; };
    for (int node : {1, 2})
        QVERIFY(waitForEntry(node, "aliases", u"aliases"_s, u"77"_s, isLocal));
    QVERIFY(!isLater(entry(0, "aliases", u"aliases"_s, u"77"_s)));
}

void tst_ClusterAdmin::startingNodeCopiesAdminData()
{
    QCOMPARE(admin(0, "POST", "virtualnumbers",
                   R"({"number":"2555","name":"Copied","mode":"tts","visibility":"internal"})")
                 .status,
             201);
    QVERIFY(waitForEntry(1, "virtualnumbers", u"virtualNumbers"_s, u"2555"_s,
                         [](const QJsonObject &e) { return !e.isEmpty(); }));
    // A fourth node with an empty data directory starts and gets the tenant's admin data.
    const QString dir = m_dir.filePath(u"n4"_s);
    QString error;
    const auto config = ServerConfig::parse(configJson(dir, m_nats.url(), u"n4"_s), &error);
    QVERIFY2(config, qPrintable(error));
    auto app = std::make_unique<Application>(*config);
    QVERIFY2(app->start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(app->cluster()->admin()->isSynced(), 10000);
    Tenant *t = app->tenants().value(0);
    const auto vn = t->store().virtualNumber(t->config().host, u"2555"_s);
    QVERIFY(vn);
    QCOMPARE(vn->name, u"Copied"_s);
    QCOMPARE(vn->visibility, u"internal"_s);
    QVERIFY(t->store().isWhitelisted(t->config().host, u"2555"_s));
    app.reset();
}

void tst_ClusterAdmin::consoleShowsRemoteRooms()
{
    Console console;
    QVERIFY(console.open(m_apps[0]->adminPort()));
    // A room whose only member is on node 1: node 0's console sees it with that member's node.
    const QString room = freshRoom();
    TestClient b;
    QVERIFY(b.open(port(1)));
    const QString peerId = b.join(room, u"Bea"_s).value(u"peerId"_s).toString();
    QVERIFY(!peerId.isEmpty());
    const auto hasRoom = [&](const QJsonObject &body) {
        for (const QJsonValue &r : body.value(u"remoteRooms"_s).toArray()) {
            const QJsonArray peers = r.toObject().value(u"peers"_s).toArray();
            if (r.toObject().value(u"id"_s) == room && peers.size() == 1
                && peers[0].toObject().value(u"peerId"_s) == peerId
                && peers[0].toObject().value(u"node"_s) == u"n2"_s
                && peers[0].toObject().value(u"name"_s) == u"Bea"_s
                && r.toObject().value(u"kind"_s) == u"conference"_s)
                return true;
        }
        return false;
    };
    QVERIFY(!console.last(AP::remoteRooms, hasRoom).isEmpty());
    QVERIFY(!m_apps[0]->tenants().value(0)->rooms().find(room)); // no local room there
    // A console that comes now has it in its snapshot.
    Console late;
    QVERIFY(late.open(m_apps[0]->adminPort()));
    QVERIFY(hasRoom(late.last(AP::snapshot)));
    // The member leaves: the next view lacks the room.
    const qsizetype before = console.messages.size();
    b.send(u"{\"type\":\"leave\"}"_s);
    const QJsonObject after = console.last(AP::remoteRooms, {}, before);
    QVERIFY(after.contains(u"remoteRooms"_s));
    QVERIFY(!hasRoom(after));
}

QTEST_GUILESS_MAIN(tst_ClusterAdmin)
#include "tst_clusteradmin.moc"
