// The bridge session across nodes (DESIGN.md "Cluster mode": the bridge session lives on one node
// and dials from any node reach it): dial-request, dial-status and hangup between a room on one
// node and the bridge on another, ring answers and declines, one session cluster-wide, and dials
// that end when the bridge's socket or node goes.

#include "ClusterFixture.h"
#include "Crypto.h"
#include "cluster/ClusterBridge.h"
#include "signal/Room.h"
#include "store/Store.h"

#include <QJsonDocument>
#include <QSet>

class tst_ClusterBridge : public ClusterFixture {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase() { stopCluster(); }
    void init();

    void dialAcrossNodes_data();
    void dialAcrossNodes();
    void dialStatusReachesEveryMember_data();
    void dialStatusReachesEveryMember();
    void noBridgeAnywhere_data();
    void noBridgeAnywhere();
    void newerBridgeReplacesOlder_data();
    void newerBridgeReplacesOlder();
    void ringAnswerReachesBridge_data();
    void ringAnswerReachesBridge();
    void bridgeGoneEndsDial_data();
    void bridgeGoneEndsDial();

private:
    static constexpr int waitMs = 5000;
    std::unique_ptr<TestClient> openBridge(int node);
    bool available(int node);
    bool waitAvailable(bool on);
    QString holderSeenBy(int node) const;
    QString dialFrom(int node, TestClient &c, TestClient &bridge, QString *room = nullptr);
    static QJsonObject frame(const QString &type, const QJsonObject &fields);
    QList<CdrRecord> cdrs(int node, const QString &callId) const;
    static int count(const TestClient &c, const QString &type);
};

void tst_ClusterBridge::initTestCase()
{
    m_tenantExtra = ",\"officeKeys\":[\"office-key\"]";
    startCluster();
    // The anonymous virtual number the rooms dial, created on n1, reaches every node's store.
    QCOMPARE(
        adminPost(0, "virtualnumbers=1",
                  R"({"number":"2000","name":"Reception","mode":"tts","visibility":"anonymous"})")
            .status,
        201);
    for (int node = 1; node < 3; ++node) {
        QVERIFY(QTest::qWaitFor(
            [&] {
                return rawHttp(port(node), httpRequest("GET", "vnum-overview=1", "localhost"))
                    .body.contains("\"2000\"");
            },
            5000));
    }
    // A number only verified peers may dial, on n1.
    QCOMPARE(adminPost(0, "whitelist=1", R"({"number":"+4930123456"})").status, 201);
}

void tst_ClusterBridge::init()
{
    // Every test starts with three live nodes and no bridge session anywhere.
    QTRY_COMPARE_WITH_TIMEOUT(m_apps[0]->cluster()->liveNodes().size(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_apps[1]->cluster()->liveNodes().size(), 2, 10000);
    QVERIFY(waitAvailable(false));
}

std::unique_ptr<TestClient> tst_ClusterBridge::openBridge(int node)
{
    auto b = std::make_unique<TestClient>();
    if (!b->open(port(node)))
        return nullptr;
    const qint64 t = TestClient::freshHelloTime();
    b->send(
        frame(u"bridge-hello"_s,
              {{u"time"_s, t},
               {u"sig"_s,
                QString::fromLatin1(Signing::sign("b", Signing::bridgeHello("localhost", t)))}}));
    // Every node knows of the session before a test goes on.
    if (b->waitFor(u"bridge-welcome"_s).isEmpty() || !waitAvailable(true))
        return nullptr;
    return b;
}

// What `?vnum-overview` of `node` says: a virtual number is available while a bridge session is
// connected anywhere in the cluster.
bool tst_ClusterBridge::available(int node)
{
    const RawResponse r = rawHttp(port(node), httpRequest("GET", "vnum-overview=1", "localhost"));
    const QJsonArray rows = r.json().value(u"virtualNumbers"_s).toArray();
    return !rows.isEmpty() && rows[0].toObject().value(u"available"_s).toBool();
}

bool tst_ClusterBridge::waitAvailable(bool on)
{
    return QTest::qWaitFor(
        [&] { return available(0) == on && available(1) == on && available(2) == on; }, waitMs);
}

// The node an in-process node would forward bridge frames to.
QString tst_ClusterBridge::holderSeenBy(int node) const
{
    const BridgeLink &link = m_apps[node]->tenants().value(0)->bridge();
    const auto *cluster = dynamic_cast<const ClusterBridge *>(link.cluster());
    return cluster ? cluster->holder() : QString();
}

// Joins `c` to a fresh room on `node` and dials the virtual number; the callId of the
// dial-request `bridge` got for that room (empty when none came).
QString tst_ClusterBridge::dialFrom(int node, TestClient &c, TestClient &bridge, QString *room)
{
    const QString roomId = freshRoom();
    if (!c.open(port(node)) || c.join(roomId, u"caller"_s).isEmpty())
        return {};
    c.send(frame(u"dial"_s, {{u"number"_s, u"2000"_s}}));
    const QJsonObject request = bridge.waitFor(u"dial-request"_s);
    if (request.value(u"room"_s).toString() != roomId
        || request.value(u"number"_s).toString() != u"2000"_s)
        return {};
    if (room)
        *room = roomId;
    return request.value(u"callId"_s).toString();
}

QJsonObject tst_ClusterBridge::frame(const QString &type, const QJsonObject &fields)
{
    QJsonObject f = fields;
    f.insert(u"type"_s, type);
    return f;
}

QList<CdrRecord> tst_ClusterBridge::cdrs(int node, const QString &callId) const
{
    QList<CdrRecord> out;
    Tenant *t = m_apps[node]->tenants().value(0);
    for (const CdrRecord &r : t->store().cdrs(t->config().host, LogQuery{1000, 0, {}, {}})) {
        if (r.callId == callId)
            out.append(r);
    }
    return out;
}

int tst_ClusterBridge::count(const TestClient &c, const QString &type)
{
    int n = 0;
    for (const QJsonObject &f : c.frames)
        n += f.value(u"type"_s).toString() == type;
    return n;
}

void tst_ClusterBridge::dialAcrossNodes_data()
{
    QTest::addColumn<int>("bridgeNode"); // 2: the child
    QTest::addColumn<int>("dialNode");
    QTest::addRow("bridge on n1, dial on n2") << 0 << 1;
    QTest::addRow("bridge on n2, dial on n1") << 1 << 0;
    QTest::addRow("bridge on the child, dial on n1") << 2 << 0;
    QTest::addRow("bridge on n1, dial on the child") << 0 << 2;
    QTest::addRow("bridge and dial on n2") << 1 << 1;
}

void tst_ClusterBridge::dialAcrossNodes()
{
    QFETCH(int, bridgeNode);
    QFETCH(int, dialNode);
    auto b = openBridge(bridgeNode);
    QVERIFY(b);
    TestClient c;
    QString room;
    const QString callId = dialFrom(dialNode, c, *b, &room);
    QCOMPARE(callId.size(), 22);
    QJsonObject status = c.waitFor(u"dial-status"_s);
    QCOMPARE(status.value(u"callId"_s).toString(), callId);
    QCOMPARE(status.value(u"state"_s).toString(), u"dialing"_s);
    QCOMPARE(status.value(u"number"_s).toString(), u"2000"_s); // an anonymous number: to all

    // The bridge's reports reach the room on the dialling node, in order.
    for (const QString &state : {u"ringing"_s, u"answered"_s}) {
        b->send(frame(u"dial-status"_s, {{u"callId"_s, callId}, {u"state"_s, state}}));
        status = c.waitFor(u"dial-status"_s);
        QCOMPARE(status.value(u"callId"_s).toString(), callId);
        QCOMPARE(status.value(u"state"_s).toString(), state);
    }
    c.send(frame(u"hangup"_s, {{u"callId"_s, callId}}));
    const QJsonObject hangup = b->waitFor(u"hangup"_s);
    QCOMPARE(hangup.value(u"callId"_s).toString(), callId);
    QCOMPARE(hangup.value(u"room"_s).toString(), room);
    b->send(frame(u"dial-status"_s,
                  {{u"callId"_s, callId}, {u"state"_s, u"ended"_s}, {u"reason"_s, u"hung-up"_s}}));
    status = c.waitFor(u"dial-status"_s);
    QCOMPARE(status.value(u"state"_s).toString(), u"ended"_s);
    QCOMPARE(status.value(u"reason"_s).toString(), u"hung-up"_s);
    QVERIFY(!c.hasFrame(u"error"_s));
    QVERIFY(!b->hasFrame(u"error"_s));
    // One CDR row, on the node whose Dialer placed the dial.
    if (dialNode != 2) {
        QTRY_COMPARE(cdrs(dialNode, callId).size(), 1);
        QCOMPARE(cdrs(dialNode, callId).first().result, u"answered"_s);
        QCOMPARE(cdrs(dialNode, callId).first().from, u"room:"_s + room);
    }
    if (bridgeNode != 2 && bridgeNode != dialNode)
        QVERIFY(cdrs(bridgeNode, callId).isEmpty());
}

void tst_ClusterBridge::dialStatusReachesEveryMember_data()
{
    QTest::addColumn<QString>("number");
    QTest::addColumn<int>("listenerNode"); // an anonymous member of the room on another node
    QTest::addColumn<bool>("numberShown"); // whether the listener's dial-status names the number
    QTest::addRow("anonymous vnum, listener on n2") << u"2000"_s << 1 << true;
    QTest::addRow("whitelisted number, listener on the child") << u"+4930123456"_s << 2 << false;
}

void tst_ClusterBridge::dialStatusReachesEveryMember()
{
    QFETCH(QString, number);
    QFETCH(int, listenerNode);
    QFETCH(bool, numberShown);
    auto b = openBridge(1);
    QVERIFY(b);
    // A verified peer on n1 dials into a room that also has an anonymous member elsewhere.
    const QString room = freshRoom();
    TestClient c, listener;
    QVERIFY(c.open(port(0)) && listener.open(port(listenerNode)));
    const QString peerId = c.join(room, u"caller"_s).value(u"peerId"_s).toString();
    QVERIFY(!listener.join(room, u"listener"_s).isEmpty());
    QVERIFY(!c.waitFor(u"peer-joined"_s).isEmpty());
    Room::Member *m = m_apps[0]->tenants().value(0)->rooms().find(room)->member(peerId);
    QVERIFY(m);
    m->verifiedIdentity = QJsonObject{{u"name"_s, u"Vera"_s}, {u"issuer"_s, u"test"_s}};
    c.send(frame(u"dial"_s, {{u"number"_s, number}}));
    const QString callId = b->waitFor(u"dial-request"_s).value(u"callId"_s).toString();
    QVERIFY(!callId.isEmpty());

    for (const QString &state : {u"dialing"_s, u"ringing"_s, u"ended"_s}) {
        if (state != u"dialing"_s)
            b->send(frame(u"dial-status"_s, {{u"callId"_s, callId}, {u"state"_s, state}}));
        const QJsonObject mine = c.waitFor(u"dial-status"_s);
        QCOMPARE(mine.value(u"state"_s).toString(), state);
        QCOMPARE(mine.value(u"number"_s).toString(), number); // verified: always
        const QJsonObject heard = listener.waitFor(u"dial-status"_s);
        QCOMPARE(heard.value(u"callId"_s).toString(), callId);
        QCOMPARE(heard.value(u"state"_s).toString(), state);
        QCOMPARE(heard.contains(u"number"_s), numberShown);
        if (numberShown)
            QCOMPARE(heard.value(u"number"_s).toString(), number);
    }
    QVERIFY(!listener.raw.join(u'\n').contains(u"4930123456"_s));
}

void tst_ClusterBridge::noBridgeAnywhere_data()
{
    QTest::addColumn<int>("dialNode");
    QTest::addRow("n1") << 0;
    QTest::addRow("n2") << 1;
    QTest::addRow("the child") << 2;
}

void tst_ClusterBridge::noBridgeAnywhere()
{
    QFETCH(int, dialNode);
    TestClient c;
    QVERIFY(c.open(port(dialNode)));
    QVERIFY(!c.join(freshRoom(), u"caller"_s).isEmpty());
    c.send(frame(u"dial"_s, {{u"number"_s, u"2000"_s}}));
    const QJsonObject error = c.waitFor(u"error"_s);
    QCOMPARE(error.value(u"code"_s).toString(), u"bridge-unavailable"_s);
    QCOMPARE(error.value(u"ref"_s).toString(), u"dial"_s);
}

void tst_ClusterBridge::newerBridgeReplacesOlder_data()
{
    QTest::addColumn<int>("olderNode");
    QTest::addColumn<int>("newerNode");
    QTest::addColumn<int>("dialNode"); // in process: the test reads where it forwards to
    QTest::addRow("n1 then n2, dial on n1") << 0 << 1 << 0;
    QTest::addRow("the child then n1, dial on n2") << 2 << 0 << 1;
    QTest::addRow("n2 then the child, dial on n1") << 1 << 2 << 0;
    QTest::addRow("both on n2, dial on n1") << 1 << 1 << 0;
}

void tst_ClusterBridge::newerBridgeReplacesOlder()
{
    QFETCH(int, olderNode);
    QFETCH(int, newerNode);
    QFETCH(int, dialNode);
    auto older = openBridge(olderNode);
    QVERIFY(older);
    auto newer = openBridge(newerNode);
    QVERIFY(newer);
    // One session per tenant, cluster-wide: the older gets `kicked replaced` and 4001.
    const QJsonObject kicked = older->waitFor(u"kicked"_s);
    QCOMPARE(kicked.value(u"reason"_s).toString(), u"replaced"_s);
    QVERIFY(older->waitClosed());
    QCOMPARE(int(older->socket.closeCode()), 4001);
    const QString newerName = u"n%1"_s.arg(newerNode + 1);
    if (dialNode != newerNode)
        QTRY_COMPARE_WITH_TIMEOUT(holderSeenBy(dialNode), newerName, waitMs);

    TestClient c;
    const QString callId = dialFrom(dialNode, c, *newer);
    QVERIFY(!callId.isEmpty());
    newer->send(
        frame(u"dial-status"_s,
              {{u"callId"_s, callId}, {u"state"_s, u"failed"_s}, {u"reason"_s, u"busy"_s}}));
    QCOMPARE(c.waitFor(u"dial-status"_s).value(u"state"_s).toString(), u"dialing"_s);
    const QJsonObject failed = c.waitFor(u"dial-status"_s);
    QCOMPARE(failed.value(u"state"_s).toString(), u"failed"_s);
    QCOMPARE(failed.value(u"reason"_s).toString(), u"busy"_s);
    QCOMPARE(count(*older, u"dial-request"_s), 0);
    QVERIFY(!newer->hasFrame(u"kicked"_s));
}

void tst_ClusterBridge::ringAnswerReachesBridge_data()
{
    QTest::addColumn<int>("bridgeNode");
    QTest::addColumn<int>("phoneNode"); // the phone registers there and the ring is posted there
    QTest::addColumn<bool>("answer"); // else decline
    QTest::addRow("answered on n1, bridge on n2") << 1 << 0 << true;
    QTest::addRow("answered on the child, bridge on n1") << 0 << 2 << true;
    QTest::addRow("declined on n2, bridge on the child") << 2 << 1 << false;
    QTest::addRow("declined on n1, bridge on n2") << 1 << 0 << false;
}

void tst_ClusterBridge::ringAnswerReachesBridge()
{
    QFETCH(int, bridgeNode);
    QFETCH(int, phoneNode);
    QFETCH(bool, answer);
    auto b = openBridge(bridgeNode);
    QVERIFY(b);
    TestClient phone;
    QVERIFY(phone.open(port(phoneNode)));
    phone.send(
        frame(u"register"_s, {{u"extension"_s, u"10"_s}, {u"officeKey"_s, u"office-key"_s}}));
    const QString phoneId = phone.waitFor(u"registered"_s).value(u"peerId"_s).toString();
    QVERIFY(!phoneId.isEmpty());

    const QString callId = u"ring-"_s + Crypto::randomId();
    const QByteArray body
        = QJsonDocument(QJsonObject{{u"time"_s, QDateTime::currentSecsSinceEpoch()},
                                    {u"callId"_s, callId},
                                    {u"from"_s, u"+4930111222"_s},
                                    {u"to"_s, u"10"_s}})
              .toJson(QJsonDocument::Compact);
    const QByteArray sig = Signing::sign("b", Signing::webhook("office-ring", "localhost", body));
    const RawResponse r = rawHttp(port(phoneNode),
                                  httpRequest("POST", "office-ring", "localhost",
                                              "X-Sig: " + sig + "\r\nContent-Length: "
                                                  + QByteArray::number(body.size()) + "\r\n")
                                      + body);
    QCOMPARE(r.status, 200);
    QVERIFY(r.json().value(u"delivered"_s).toInt() >= 1);
    const QJsonObject ring = phone.waitFor(u"ring"_s);
    QCOMPARE(ring.value(u"callId"_s).toString(), callId);

    if (answer) {
        phone.send(frame(u"answer"_s, {{u"callId"_s, callId}}));
        QCOMPARE(phone.waitFor(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered"_s);
        const QJsonObject answered = b->waitFor(u"ring-answered"_s);
        QCOMPARE(answered.value(u"callId"_s).toString(), callId);
        QCOMPARE(answered.value(u"room"_s).toString(), ring.value(u"room"_s).toString());
        QCOMPARE(answered.value(u"peerId"_s).toString(), phoneId);
    } else {
        phone.send(frame(u"decline"_s, {{u"callId"_s, callId}}));
        QCOMPARE(phone.waitFor(u"ring-cleared"_s).value(u"reason"_s).toString(), u"declined"_s);
        QCOMPARE(b->waitFor(u"ring-declined"_s).value(u"callId"_s).toString(), callId);
    }
    QVERIFY(!phone.hasFrame(u"error"_s));
}

void tst_ClusterBridge::bridgeGoneEndsDial_data()
{
    QTest::addColumn<int>("bridgeNode");
    QTest::addColumn<int>("dialNode");
    QTest::addColumn<bool>("answered");
    QTest::addColumn<bool>("killNode"); // SIGKILL the bridge's node (the child) instead of closing
    QTest::addRow("bridge socket on n2 closed, ringing dial on n1") << 1 << 0 << false << false;
    QTest::addRow("bridge socket on the child closed, answered dial on n2")
        << 2 << 1 << true << false;
    QTest::addRow("bridge socket on n1 closed, dial on the child") << 0 << 2 << false << false;
    QTest::addRow("the bridge's node killed, dial on n1") << 2 << 0 << false << true;
    QTest::addRow("the bridge's node killed, answered dial on n2") << 2 << 1 << true << true;
}

void tst_ClusterBridge::bridgeGoneEndsDial()
{
    QFETCH(int, bridgeNode);
    QFETCH(int, dialNode);
    QFETCH(bool, answered);
    QFETCH(bool, killNode);
    auto b = openBridge(bridgeNode);
    QVERIFY(b);
    TestClient c;
    const QString callId = dialFrom(dialNode, c, *b);
    QVERIFY(!callId.isEmpty());
    QCOMPARE(c.waitFor(u"dial-status"_s).value(u"state"_s).toString(), u"dialing"_s);
    const QString state = answered ? u"answered"_s : u"ringing"_s;
    b->send(frame(u"dial-status"_s, {{u"callId"_s, callId}, {u"state"_s, state}}));
    QCOMPARE(c.waitFor(u"dial-status"_s).value(u"state"_s).toString(), state);

    if (killNode)
        m_child.kill(); // no close frame, no bridge-down: the node just stops answering
    else
        b->socket.close();
    // As when the local bridge drops: `failed error` before an answer, `ended error` after one.
    // A dead node is dropped within 2 x keepaliveSec.
    const QJsonObject end = c.waitFor(u"dial-status"_s, 3 * keepaliveSec * 1000);
    QCOMPARE(end.value(u"callId"_s).toString(), callId);
    QCOMPARE(end.value(u"state"_s).toString(), answered ? u"ended"_s : u"failed"_s);
    QCOMPARE(end.value(u"reason"_s).toString(), u"error"_s);
    if (dialNode != 2) {
        QTRY_COMPARE(cdrs(dialNode, callId).size(), 1);
        QCOMPARE(cdrs(dialNode, callId).first().result, answered ? u"answered"_s : u"failed"_s);
    }
    if (killNode) {
        // Bring the child back for the rows after this one.
        QTRY_COMPARE(m_child.state(), QProcess::NotRunning);
        m_childPort = serverchild::start(
            m_child, {u"--config"_s, QDir(m_dir.filePath(u"n3"_s)).filePath(u"config.json"_s)});
        QVERIFY(m_childPort != 0);
    }
}

QTEST_GUILESS_MAIN(tst_ClusterBridge)
#include "tst_clusterbridge.moc"
