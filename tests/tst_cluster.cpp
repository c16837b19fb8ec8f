// Cluster mode (DESIGN.md "Cluster mode") on loopback: one nats-server, two nodes in this process
// and a third as a child process (so that it can be killed -9), all serving the same tenant.

#include "ClusterFixture.h"

#include <QElapsedTimer>

class tst_Cluster : public ClusterFixture {
    Q_OBJECT
private slots:
    void initTestCase() { startCluster(); }
    void cleanupTestCase() { stopCluster(); }
    void singleNodeRunsNoCluster();
    void roomAcrossNodes_data();
    void roomAcrossNodes();
    void signalByteExact_data();
    void signalByteExact();
    void unknownPeer();
    void roomLimitCountsEveryNode();
    void badFramesOnEveryNode_data();
    void badFramesOnEveryNode();
    void kickAcrossNodes_data();
    void kickAcrossNodes();
    void healthSummaryShowsTheCluster();
    void killedNodesPeersLeave();
};

void tst_Cluster::singleNodeRunsNoCluster()
{
    QString error;
    const auto config
        = ServerConfig::parse(configJson(m_dir.filePath(u"single"_s), {}, {}), &error);
    QVERIFY2(config, qPrintable(error));
    QVERIFY(!config->cluster);
    Application app(*config);
    QVERIFY(app.start(&error));
    QVERIFY(!app.cluster());
    QVERIFY(!app.tenants().value(0)->rooms().cluster());
    QVERIFY(!app.tenants().value(0)->rings().cluster());
}

void tst_Cluster::roomAcrossNodes_data()
{
    QTest::addColumn<QList<int>>("nodes"); // where each peer joins, in order (2: the child)
    QTest::addRow("two nodes") << QList<int>{0, 1};
    QTest::addRow("three nodes") << QList<int>{0, 1, 2};
    QTest::addRow("child first") << QList<int>{2, 0, 0};
    QTest::addRow("two here, one there") << QList<int>{1, 1, 2};
}

void tst_Cluster::roomAcrossNodes()
{
    QFETCH(QList<int>, nodes);
    const QString room = freshRoom();
    std::vector<std::unique_ptr<TestClient>> clients;
    QStringList peerIds;
    for (int node : nodes) {
        auto c = std::make_unique<TestClient>();
        QVERIFY(c->open(port(node)));
        const QJsonObject welcome = c->join(room, u"p%1"_s.arg(peerIds.size()));
        QVERIFY(!welcome.isEmpty());
        peerIds.append(welcome.value(u"peerId"_s).toString());
        clients.push_back(std::move(c));
    }
    // Every peer learns every other exactly once: in its welcome or by a peer-joined.
    for (size_t i = 0; i < clients.size(); ++i) {
        TestClient &c = *clients[i];
        QStringList expected = peerIds;
        expected.removeAt(qsizetype(i));
        expected.sort();
        const auto seen = [&] {
            QStringList out;
            for (const QJsonObject &f : c.frames) {
                const QString type = f.value(u"type"_s).toString();
                if (type == u"welcome"_s)
                    out += ids(f.value(u"peers"_s).toArray());
                else if (type == u"peer-joined"_s)
                    out.append(f.value(u"peerId"_s).toString());
            }
            out.sort();
            return out;
        };
        QTRY_COMPARE_WITH_TIMEOUT(seen(), expected, 5000);
    }
    // The first peer leaves: everybody else, on every node, gets peer-left `left`.
    clients[0]->send(u"{\"type\":\"leave\"}"_s);
    for (size_t i = 1; i < clients.size(); ++i) {
        const QJsonObject left = clients[i]->waitFor(u"peer-left"_s);
        QCOMPARE(left.value(u"peerId"_s).toString(), peerIds[0]);
        QCOMPARE(left.value(u"reason"_s).toString(), u"left"_s);
    }
    // The last one closes its socket: `closed` for the others.
    clients.back()->socket.close();
    for (size_t i = 1; i + 1 < clients.size(); ++i) {
        const QJsonObject left = clients[i]->waitFor(u"peer-left"_s);
        QCOMPARE(left.value(u"peerId"_s).toString(), peerIds.back());
        QCOMPARE(left.value(u"reason"_s).toString(), u"closed"_s);
    }
}

void tst_Cluster::signalByteExact_data()
{
    QTest::addColumn<int>("fromNode");
    QTest::addColumn<int>("toNode");
    QTest::addColumn<QString>("data");
    QTest::addRow("sdp A to B") << 0 << 1
                                << u"{ \"sdp\" : {\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"} }"_s;
    QTest::addRow("candidate B to child")
        << 1 << 2 << u"{\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}"_s;
    QTest::addRow("unicode child to A") << 2 << 0 << u"{\"x\":\"žluťoučký 🐴\",\"n\":1.50e3}"_s;
    QTest::addRow("null candidate") << 0 << 2 << u"{\"candidate\":null}"_s;
}

void tst_Cluster::signalByteExact()
{
    QFETCH(int, fromNode);
    QFETCH(int, toNode);
    QFETCH(QString, data);
    const QString room = freshRoom();
    TestClient from, to;
    QVERIFY(from.open(port(fromNode)));
    QVERIFY(to.open(port(toNode)));
    const QString fromId = from.join(room, u"from"_s).value(u"peerId"_s).toString();
    const QString toId = to.join(room, u"to"_s).value(u"peerId"_s).toString();
    QVERIFY(!from.waitFor(u"peer-joined"_s).isEmpty()); // the sender's node knows the target
    from.send(u"{\"type\":\"signal\",\"to\":\"%1\",\"data\":%2}"_s.arg(toId, data));
    QVERIFY(!to.waitFor(u"signal"_s).isEmpty());
    QCOMPARE(to.raw.last(),
             u"{\"type\":\"signal\",\"from\":\"%1\",\"data\":%2}"_s.arg(fromId, data));
    QVERIFY(!from.hasFrame(u"error"_s));
}

void tst_Cluster::unknownPeer()
{
    TestClient a;
    QVERIFY(a.open(port(0)));
    QVERIFY(!a.join(freshRoom(), u"a"_s).isEmpty());
    a.send(u"{\"type\":\"signal\",\"to\":\"nobody-anywhere\",\"data\":{}}"_s);
    const QJsonObject error = a.waitFor(u"error"_s);
    QCOMPARE(error.value(u"code"_s).toString(), u"unknown-peer"_s);
}

void tst_Cluster::roomLimitCountsEveryNode()
{
    // maxPeersPerRoom is 3: one peer on each node fills the room for all of them.
    const QString room = freshRoom();
    TestClient a, b, c, d;
    QVERIFY(a.open(port(0)) && b.open(port(1)) && c.open(port(2)) && d.open(port(0)));
    QVERIFY(!a.join(room, u"a"_s).isEmpty());
    QVERIFY(!b.join(room, u"b"_s).isEmpty());
    QVERIFY(!c.join(room, u"c"_s).isEmpty());
    QVERIFY(knows(0, room, 2));
    d.send(QJsonObject{{u"type"_s, u"join"_s}, {u"room"_s, room}, {u"name"_s, u"d"_s}});
    const QJsonObject error = d.waitFor(u"error"_s);
    QCOMPARE(error.value(u"code"_s).toString(), u"room-full"_s);
    // One leaves on another node: the room has space again here.
    b.send(u"{\"type\":\"leave\"}"_s);
    QVERIFY(knows(0, room, 1));
    QVERIFY(!d.join(room, u"d"_s).isEmpty());
}

void tst_Cluster::badFramesOnEveryNode_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<QString>("frame");
    QTest::addColumn<QString>("code");
    for (int node = 0; node < 3; ++node) {
        QTest::addRow("node %d: not JSON", node) << node << u"{nope"_s << u"bad-frame"_s;
        QTest::addRow("node %d: duplicate key", node)
            << node << u"{\"type\":\"ping\",\"type\":\"ping\"}"_s << u"bad-frame"_s;
        QTest::addRow("node %d: signal before join", node)
            << node << u"{\"type\":\"signal\",\"to\":\"x\",\"data\":{}}"_s << u"not-joined"_s;
    }
}

void tst_Cluster::badFramesOnEveryNode()
{
    QFETCH(int, node);
    QFETCH(QString, frame);
    QFETCH(QString, code);
    TestClient c;
    QVERIFY(c.open(port(node)));
    c.send(frame);
    QCOMPARE(c.waitFor(u"error"_s).value(u"code"_s).toString(), code);
    c.send(u"{\"type\":\"ping\"}"_s);
    QVERIFY(!c.waitFor(u"pong"_s).isEmpty()); // the socket stays open
}

void tst_Cluster::kickAcrossNodes_data()
{
    QTest::addColumn<int>("adminNode"); // where the admin posts ?kick
    QTest::addColumn<int>("peerNode"); // where the kicked peer sits
    QTest::addRow("admin on n1, peer on n2") << 0 << 1;
    QTest::addRow("admin on n2, peer on the child") << 1 << 2;
    QTest::addRow("admin on the child, peer on n1") << 2 << 0;
}

void tst_Cluster::kickAcrossNodes()
{
    QFETCH(int, adminNode);
    QFETCH(int, peerNode);
    const QString room = freshRoom();
    TestClient victim, witness;
    QVERIFY(victim.open(port(peerNode)) && witness.open(port(adminNode)));
    const QString victimId = victim.join(room, u"victim"_s).value(u"peerId"_s).toString();
    QVERIFY(!witness.join(room, u"witness"_s).isEmpty());
    QVERIFY(!victim.waitFor(u"peer-joined"_s).isEmpty()); // both nodes know both peers
    const QByteArray body = "{\"peerId\":\"" + victimId.toUtf8() + "\",\"reason\":\"bye\"}";
    const RawResponse r = adminPost(adminNode, "kick=1", body);
    QCOMPARE(r.status, 200);
    const QJsonObject kicked = victim.waitFor(u"kicked"_s);
    QCOMPARE(kicked.value(u"reason"_s).toString(), u"admin"_s);
    QCOMPARE(kicked.value(u"message"_s).toString(), u"bye"_s);
    QVERIFY(victim.waitClosed());
    QCOMPARE(int(victim.socket.closeCode()), 4000);
    const QJsonObject left = witness.waitFor(u"peer-left"_s);
    QCOMPARE(left.value(u"peerId"_s).toString(), victimId);
    QCOMPARE(left.value(u"reason"_s).toString(), u"kicked"_s);
    // A peer no node holds is still 404.
    const RawResponse r2 = adminPost(adminNode, "kick=1", "{\"peerId\":\"nobody\"}");
    QCOMPARE(r2.status, 404);
}

void tst_Cluster::healthSummaryShowsTheCluster()
{
    // Two peers of one room on n2 and the child: n1, which holds none, lists the room with 2.
    const QString room = freshRoom();
    TestClient b, c;
    QVERIFY(b.open(port(1)) && c.open(port(2)));
    QVERIFY(!b.join(room, u"b"_s).isEmpty());
    QVERIFY(!c.join(room, u"c"_s).isEmpty());
    QVERIFY(knows(0, room, 2));
    const auto roomsOn = [&](int node) {
        const RawResponse r
            = rawHttp(port(node), httpRequest("GET", "healthsummary=1", "localhost"));
        return r.json().value(u"rooms"_s).toArray();
    };
    const QJsonArray rooms = roomsOn(0);
    QCOMPARE(rooms.size(), 1);
    QCOMPARE(rooms[0].toObject().value(u"peers"_s).toInt(), 2);
    QCOMPARE(rooms[0].toObject().value(u"id"_s).toString(), u"room-…"_s);
    QCOMPARE(roomsOn(1), rooms);
    QCOMPARE(roomsOn(2), rooms);
    b.send(u"{\"type\":\"leave\"}"_s);
    QVERIFY(knows(0, room, 1));
    QCOMPARE(roomsOn(0)[0].toObject().value(u"peers"_s).toInt(), 1);
}

void tst_Cluster::killedNodesPeersLeave()
{
    const QString room = freshRoom();
    TestClient here, there, doomed;
    QVERIFY(here.open(port(0)) && there.open(port(1)) && doomed.open(port(2)));
    QVERIFY(!here.join(room, u"here"_s).isEmpty());
    QVERIFY(!there.join(room, u"there"_s).isEmpty());
    const QString doomedId = doomed.join(room, u"doomed"_s).value(u"peerId"_s).toString();
    QVERIFY(knows(0, room, 2));
    QVERIFY(knows(1, room, 2));
    QElapsedTimer clock;
    clock.start();
    m_child.kill(); // SIGKILL: no leave, no close frame reaches anybody
    for (TestClient *c : {&here, &there}) {
        QTRY_VERIFY_WITH_TIMEOUT(c->hasFrame(u"peer-left"_s), 3 * keepaliveSec * 1000);
        const QJsonObject left = c->waitFor(u"peer-left"_s);
        QCOMPARE(left.value(u"peerId"_s).toString(), doomedId);
        QCOMPARE(left.value(u"reason"_s).toString(), u"timeout"_s);
    }
    // DESIGN.md: within 2 x keepaliveSec (plus a little for a busy machine's scheduling).
    QVERIFY2(clock.elapsed() < 2 * keepaliveSec * 1000 + 750,
             qPrintable(u"took %1 ms"_s.arg(clock.elapsed())));
    // The room lives on where members remain: the two survivors still relay to each other.
    const QString thereId = there.frames.first().value(u"peerId"_s).toString();
    here.send(u"{\"type\":\"signal\",\"to\":\"%1\",\"data\":{\"k\":1}}"_s.arg(thereId));
    QVERIFY(!there.waitFor(u"signal"_s).isEmpty());
}

QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"
