// Office-phone rings in cluster mode (DESIGN.md "Cluster mode", "Office phones and rings"): an
// office-ring posted to any node rings the phones of every node and answers the summed
// `delivered`; the first answer on any node wins; declines, clears and a dead node's phones count
// across nodes. One nats-server, two nodes in this process and a third as a child process.

#include "ClusterFixture.h"
#include "TelephonyHarness.h"
#include "cluster/ClusterRings.h"
#include "telephony/RingDispatcher.h"

#include <QElapsedTimer>

namespace {
const QByteArray officeKey = QByteArrayLiteral("office-key");
const QByteArray host = QByteArrayLiteral("localhost");
} // namespace

class tst_ClusterRings : public ClusterFixture {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        m_tenantExtra = ",\"officeKeys\":[\"" + officeKey + "\"]";
        startCluster();
    }
    void cleanupTestCase() { stopCluster(); }
    void init();

    void ringAcrossNodes_data();
    void ringAcrossNodes();
    void answerAcrossNodes_data();
    void answerAcrossNodes();
    void answersRace_data();
    void answersRace();
    void declineEverywhere_data();
    void declineEverywhere();
    void clearOnAnotherNode_data();
    void clearOnAnotherNode();
    void lateRegistrationElsewhere();
    void natsDownRingsLocalPhones();
    void killedNodesPhonesDropped(); // last: it kills the child node

private:
    using Phones = std::vector<std::unique_ptr<harness::Client>>;

    ClusterRings *rings(int node) const
    {
        return dynamic_cast<ClusterRings *>(m_apps[node]->tenants().value(0)->rings().cluster());
    }
    std::unique_ptr<harness::Client> phone(int node, const QString &extension,
                                           QString *peerId = nullptr)
    {
        auto p = std::make_unique<harness::Client>(port(node), QString::fromLatin1(host));
        if (!p->waitConnected())
            return nullptr;
        const QJsonObject r = p->registerPhone(extension, QString::fromLatin1(officeKey));
        if (r.value(u"extension"_s).toString() != extension)
            return nullptr;
        if (peerId)
            *peerId = r.value(u"peerId"_s).toString();
        return p;
    }
    // A bridge session on `node`.
    std::unique_ptr<harness::Client> bridge(int node)
    {
        auto b = std::make_unique<harness::Client>(port(node), QString::fromLatin1(host));
        if (!b->waitConnected()
            || b->bridgeHello(host, serverchild::bridgeSecret).value(u"type"_s)
                != u"bridge-welcome"_s)
            return nullptr;
        return b;
    }
    // office-ring posted to `node`: `delivered`, or minus the HTTP status.
    int ring(int node, const QString &callId, const QString &to)
    {
        const QJsonObject body{{u"time"_s, harness::now()},
                               {u"callId"_s, callId},
                               {u"from"_s, u"+4930111222"_s},
                               {u"to"_s, to}};
        const harness::HttpReply r = harness::webhook(
            port(node), host, "office-ring", harness::json(body), serverchild::bridgeSecret);
        return r.status == 200 ? r.json().value(u"delivered"_s).toInt(-1) : -r.status;
    }
    bool clear(int node, const QString &callId, const QString &reason = u"cleared"_s)
    {
        const QJsonObject body{
            {u"time"_s, harness::now()}, {u"callId"_s, callId}, {u"reason"_s, reason}};
        const harness::HttpReply r = harness::webhook(
            port(node), host, "office-ring-clear", harness::json(body), serverchild::bridgeSecret);
        return r.status == 200 && r.json().value(u"ok"_s).toBool();
    }
    // Waits until in-process node `node` knows `count` phones on the other nodes.
    bool knowsPhones(int node, int count)
    {
        return QTest::qWaitFor([&] { return rings(node)->remotePhones() == count; }, 5000);
    }
    // Phones on `nodes` with `extensions`; every in-process node then knows all of them.
    bool openPhones(Phones &out, const QList<int> &nodes, const QStringList &extensions,
                    QStringList *peerIds = nullptr)
    {
        for (qsizetype i = 0; i < nodes.size(); ++i) {
            QString peerId;
            out.push_back(phone(nodes[i], extensions[i], &peerId));
            if (!out.back())
                return false;
            if (peerIds)
                peerIds->append(peerId);
        }
        for (int node = 0; node < 2; ++node) {
            if (!knowsPhones(node, int(nodes.size() - nodes.count(node))))
                return false;
        }
        return true;
    }
    // office-ring to `origin` that rings every one of `phones`: the ring's room, empty when a
    // phone did not ring or `delivered` was not their number.
    QString ringEvery(int origin, const QString &callId, const QString &to, Phones &phones)
    {
        if (ring(origin, callId, to) != int(phones.size()))
            return {};
        QString room;
        for (auto &p : phones) {
            const QJsonObject r = p->take(u"ring"_s);
            if (r.value(u"callId"_s).toString() != callId)
                return {};
            room = r.value(u"room"_s).toString();
        }
        return room;
    }
    static QString freshCall(const QString &prefix) { return prefix + Crypto::randomId(); }
    QList<CdrRecord> cdrs(int node, const QString &callId)
    {
        return harness::cdrsFor(*m_apps[node], QString::fromLatin1(host), callId);
    }
};

void tst_ClusterRings::init()
{
    // The last test's phones have closed: no node counts them any more.
    QVERIFY(knowsPhones(0, 0));
    QVERIFY(knowsPhones(1, 0));
}

void tst_ClusterRings::ringAcrossNodes_data()
{
    QTest::addColumn<int>("origin"); // where office-ring is posted
    QTest::addColumn<QList<int>>("nodes"); // where each phone registers (2: the child)
    QTest::addColumn<QStringList>("extensions");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("rung"); // '1' per phone that must ring, '0' per phone that must not
    QTest::addRow("to * on three nodes")
        << 1 << QList<int>{0, 1, 2} << QStringList{u"100"_s, u"200"_s, u"*"_s} << u"*"_s
        << u"111"_s;
    QTest::addRow("one extension on every node")
        << 1 << QList<int>{0, 1, 2, 2} << QStringList{u"100"_s, u"100"_s, u"200"_s, u"*"_s}
        << u"100"_s << u"1101"_s;
    QTest::addRow("origin holds no phone")
        << 0 << QList<int>{1, 2, 2} << QStringList{u"100"_s, u"100"_s, u"300"_s} << u"100"_s
        << u"110"_s;
    QTest::addRow("nobody matches")
        << 1 << QList<int>{0, 2} << QStringList{u"100"_s, u"200"_s} << u"300"_s << u"00"_s;
}

void tst_ClusterRings::ringAcrossNodes()
{
    QFETCH(int, origin);
    QFETCH(QList<int>, nodes);
    QFETCH(QStringList, extensions);
    QFETCH(QString, to);
    QFETCH(QString, rung);
    Phones phones;
    QVERIFY(openPhones(phones, nodes, extensions));
    const QString callId = freshCall(u"fan-"_s);
    const int expected = int(rung.count(u'1'));
    QCOMPARE(ring(origin, callId, to), expected);
    QString room;
    for (size_t i = 0; i < phones.size(); ++i) {
        if (rung[qsizetype(i)] != u'1')
            continue;
        // The same frame on every node, with one minted room.
        const QJsonObject r = phones[i]->take(u"ring"_s);
        if (room.isEmpty())
            room = r.value(u"room"_s).toString();
        QCOMPARE(r,
                 (QJsonObject{{u"type"_s, u"ring"_s},
                              {u"callId"_s, callId},
                              {u"from"_s, u"+4930111222"_s},
                              {u"to"_s, to},
                              {u"room"_s, room}}));
    }
    QVERIFY(expected == 0 || room.startsWith(u"call-"_s));
    // A repeated office-ring answers the same N and rings nobody again: on the origin, and on
    // the other in-process node once it has heard of the ring.
    QCOMPARE(ring(origin, callId, to), expected);
    const int other = 1 - origin;
    QTRY_VERIFY(rings(other)->knownRing(callId).has_value());
    QCOMPARE(ring(other, callId, to), expected);
    for (auto &p : phones) {
        QVERIFY(p->barrier());
        QCOMPARE(p->count(u"ring"_s), 0);
    }
    QVERIFY(clear(origin, callId));
    for (size_t i = 0; i < phones.size(); ++i) {
        if (rung[qsizetype(i)] == u'1')
            QCOMPARE(phones[i]->take(u"ring-cleared"_s).value(u"reason"_s).toString(),
                     u"cleared"_s);
    }
    // One CDR row, at the origin; the ring ended within 24 h rings nobody anywhere.
    QCOMPARE(cdrs(origin, callId).size(), 1);
    QCOMPARE(cdrs(origin, callId).first().result, u"cleared"_s);
    QVERIFY(cdrs(other, callId).isEmpty());
    QCOMPARE(ring(origin, callId, to), 0);
    QTRY_COMPARE(rings(other)->knownRing(callId).value_or(-1), 0);
    QCOMPARE(ring(other, callId, to), 0);
    QCOMPARE(cdrs(origin, callId).size(), 1);
}

void tst_ClusterRings::answerAcrossNodes_data()
{
    QTest::addColumn<int>("origin");
    QTest::addColumn<int>("answerNode"); // the node of the phone that answers (and of the bridge)
    QTest::addRow("answer on the other in-process node") << 1 << 0;
    QTest::addRow("answer on the child") << 1 << 2;
    QTest::addRow("answer on the origin") << 1 << 1;
    QTest::addRow("origin n1, answer on n2") << 0 << 1;
}

void tst_ClusterRings::answerAcrossNodes()
{
    QFETCH(int, origin);
    QFETCH(int, answerNode);
    auto b = bridge(answerNode);
    QVERIFY(b);
    Phones phones;
    QStringList peerIds;
    const QList<int> nodes{0, 1, 2};
    QVERIFY(openPhones(phones, nodes, {u"100"_s, u"100"_s, u"*"_s}, &peerIds));
    const QString callId = freshCall(u"answer-"_s);
    const QString room = ringEvery(origin, callId, u"100"_s, phones);
    QVERIFY(!room.isEmpty());
    harness::Client &winner = *phones[size_t(answerNode)];
    winner.send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(winner.take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered"_s);
    for (int n : nodes) {
        if (n != answerNode)
            QCOMPARE(phones[size_t(n)]->take(u"ring-cleared"_s).value(u"reason"_s).toString(),
                     u"answered-elsewhere"_s);
    }
    const QJsonObject answered = b->take(u"ring-answered"_s);
    QCOMPARE(answered.value(u"callId"_s).toString(), callId);
    QCOMPARE(answered.value(u"room"_s).toString(), room);
    QCOMPARE(answered.value(u"peerId"_s).toString(), peerIds[answerNode]);
    // A later answer on another node is for a ring no longer ringing there.
    harness::Client &late = *phones[size_t((answerNode + 1) % 3)];
    late.send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(late.take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
    // The bridge heard of the answer once.
    QVERIFY(b->barrier());
    QCOMPARE(b->count(u"ring-answered"_s), 0);
    // The bridge joins the call room on the answering node; the call ends when it leaves.
    harness::Client caller(port(answerNode), QString::fromLatin1(host));
    QVERIFY(caller.waitConnected());
    QVERIFY(!caller.joinAsBridge(room, host, serverchild::bridgeSecret).isEmpty());
    QVERIFY(caller.barrier());
    QVERIFY(cdrs(origin, callId).isEmpty()); // in progress
    caller.send({{u"type"_s, u"leave"_s}});
    QTRY_COMPARE(cdrs(origin, callId).size(), 1);
    QCOMPARE(cdrs(origin, callId).first().result, u"answered"_s);
    QVERIFY(cdrs(origin, callId).first().answeredAt.isValid());
    // The bridge's clear afterwards leaves no second row.
    QVERIFY(clear(answerNode, callId, u"caller-hung-up"_s));
    QVERIFY(clear(origin, callId, u"caller-hung-up"_s));
    QCOMPARE(cdrs(origin, callId).size(), 1);
}

void tst_ClusterRings::answersRace_data()
{
    QTest::addColumn<int>("origin");
    QTest::addColumn<int>("first"); // the nodes of the two phones that answer at once
    QTest::addColumn<int>("second");
    QTest::addRow("two other nodes") << 1 << 0 << 2;
    QTest::addRow("the origin and another node") << 1 << 1 << 0;
    QTest::addRow("another node and the origin") << 0 << 2 << 0;
}

void tst_ClusterRings::answersRace()
{
    QFETCH(int, origin);
    QFETCH(int, first);
    QFETCH(int, second);
    // One bridge session for the whole cluster: the newer (on `second`) replaces the older, and
    // the bridge hears of the answer once, wherever the winning answer was made.
    auto b1 = bridge(first);
    auto b2 = bridge(second);
    QVERIFY(b1 && b2);
    if (first != second) {
        QVERIFY(b1->waitClosed());
        QCOMPARE(b1->closeCode(), 4001);
    }
    Phones phones;
    QVERIFY(openPhones(phones, {first, second}, {u"100"_s, u"100"_s}));
    const QString callId = freshCall(u"race-"_s);
    QVERIFY(!ringEvery(origin, callId, u"100"_s, phones).isEmpty());
    for (auto &p : phones)
        p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QStringList reasons;
    for (auto &p : phones) {
        // The loser hears answered-elsewhere, and possibly unknown-call for its own answer.
        reasons.append(p->take(u"ring-cleared"_s).value(u"reason"_s).toString());
    }
    reasons.sort();
    QCOMPARE(reasons, (QStringList{u"answered"_s, u"answered-elsewhere"_s}));
    QTRY_COMPARE(b1->count(u"ring-answered"_s) + b2->count(u"ring-answered"_s), 1);
    QVERIFY(b2->barrier());
    QCOMPARE(b1->count(u"ring-answered"_s) + b2->count(u"ring-answered"_s), 1);
    QVERIFY(clear(origin, callId));
    QCOMPARE(cdrs(origin, callId).size(), 1);
    QCOMPARE(cdrs(origin, callId).first().result, u"answered"_s);
}

void tst_ClusterRings::declineEverywhere_data()
{
    QTest::addColumn<QList<int>>("order"); // the nodes whose phones decline, in order
    QTest::addRow("origin last") << QList<int>{0, 2, 1};
    QTest::addRow("origin first") << QList<int>{1, 0, 2};
    QTest::addRow("child last") << QList<int>{0, 1, 2};
    QTest::addRow("in-process node last") << QList<int>{2, 1, 0};
}

void tst_ClusterRings::declineEverywhere()
{
    QFETCH(QList<int>, order);
    constexpr int origin = 1;
    auto b = bridge(origin); // ring-declined comes from the origin
    QVERIFY(b);
    Phones phones;
    QVERIFY(openPhones(phones, {0, 1, 2}, {u"100"_s, u"*"_s, u"100"_s}));
    const QString callId = freshCall(u"decline-"_s);
    QVERIFY(!ringEvery(origin, callId, u"100"_s, phones).isEmpty());
    // The origin's count of declines on other nodes, once it has heard of them.
    const auto remoteDeclines = [&] { return rings(origin)->remote(callId).declined; };
    int remote = 0;
    for (qsizetype i = 0; i < order.size(); ++i) {
        harness::Client &p = *phones[size_t(order[i])];
        p.send({{u"type"_s, u"decline"_s}, {u"callId"_s, callId}});
        QCOMPARE(p.take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"declined"_s);
        if (i + 1 == order.size())
            break;
        if (order[i] != origin) {
            ++remote;
            QTRY_COMPARE(remoteDeclines(), remote);
        }
        // Declining twice is for a ring no longer ringing on that phone; the ring goes on.
        p.send({{u"type"_s, u"decline"_s}, {u"callId"_s, callId}});
        QCOMPARE(p.take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
        QVERIFY(cdrs(origin, callId).isEmpty());
        QVERIFY(b->barrier());
        QCOMPARE(b->count(u"ring-declined"_s), 0);
    }
    QCOMPARE(b->take(u"ring-declined"_s).value(u"callId"_s).toString(), callId);
    QTRY_COMPARE(cdrs(origin, callId).size(), 1);
    QCOMPARE(cdrs(origin, callId).first().result, u"declined"_s);
    QCOMPARE(ring(origin, callId, u"100"_s), 0); // ended
}

void tst_ClusterRings::clearOnAnotherNode_data()
{
    QTest::addColumn<int>("clearNode"); // the node office-ring-clear is posted to (origin: n2)
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("result");
    QTest::addRow("on n1, caller hung up") << 0 << u"caller-hung-up"_s << u"missed"_s;
    QTest::addRow("on the child, cleared") << 2 << u"cleared"_s << u"cleared"_s;
    QTest::addRow("on the origin, other reason") << 1 << u"bogus"_s << u"cleared"_s;
}

void tst_ClusterRings::clearOnAnotherNode()
{
    QFETCH(int, clearNode);
    QFETCH(QString, reason);
    QFETCH(QString, result);
    constexpr int origin = 1;
    Phones phones;
    QVERIFY(openPhones(phones, {0, 1, 2}, {u"*"_s, u"*"_s, u"*"_s}));
    const QString callId = freshCall(u"clear-"_s);
    QVERIFY(!ringEvery(origin, callId, u"100"_s, phones).isEmpty());
    QVERIFY(clear(clearNode, callId, reason));
    const QString expected = reason == u"bogus"_s ? u"cleared"_s : reason;
    for (auto &p : phones)
        QCOMPARE(p->take(u"ring-cleared"_s).value(u"reason"_s).toString(), expected);
    QTRY_COMPARE(cdrs(origin, callId).size(), 1);
    QCOMPARE(cdrs(origin, callId).first().result, result);
    // A clear for a call no node knows is fine, anywhere.
    QVERIFY(clear(clearNode, freshCall(u"unknown-"_s)));
}

void tst_ClusterRings::lateRegistrationElsewhere()
{
    constexpr int origin = 1;
    auto b = bridge(0);
    QVERIFY(b);
    const QString callId = freshCall(u"late-"_s);
    QCOMPARE(ring(origin, callId, u"100"_s), 0); // nobody anywhere: it lives until its timeout
    QTRY_VERIFY(rings(0)->knownRing(callId).has_value());
    QString peerId;
    auto wrong = phone(0, u"200"_s);
    auto late = phone(0, u"100"_s, &peerId);
    QVERIFY(wrong && late);
    QCOMPARE(late->take(u"ring"_s).value(u"callId"_s).toString(), callId);
    QVERIFY(wrong->barrier());
    QCOMPARE(wrong->count(u"ring"_s), 0);
    // The late phone's answer wins at the origin.
    late->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(late->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered"_s);
    QCOMPARE(b->take(u"ring-answered"_s).value(u"peerId"_s).toString(), peerId);
    QVERIFY(clear(0, callId)); // posted to the answering node, forwarded to the origin
    QTRY_COMPARE(cdrs(origin, callId).size(), 1);
    QCOMPARE(cdrs(origin, callId).first().result, u"answered"_s);
}

void tst_ClusterRings::natsDownRingsLocalPhones()
{
    constexpr int origin = 1;
    Phones phones;
    QVERIFY(openPhones(phones, {0, 1}, {u"100"_s, u"100"_s}));
    const quint16 natsPort = m_nats.port();
    m_nats.stop();
    QTRY_VERIFY(!m_apps[origin]->cluster()->isConnected());
    // Cut off from NATS, a node's `delivered` counts its own phones only.
    const QString callId = freshCall(u"nats-down-"_s);
    QCOMPARE(ring(origin, callId, u"100"_s), 1);
    QCOMPARE(phones[origin]->take(u"ring"_s).value(u"callId"_s).toString(), callId);
    QVERIFY2(m_nats.start(natsPort), "nats-server did not start again");
    for (int node = 0; node < 2; ++node) {
        QTRY_VERIFY_WITH_TIMEOUT(m_apps[node]->cluster()->isConnected(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_apps[node]->cluster()->liveNodes().size() == 2, 10000);
    }
    QVERIFY(knowsPhones(origin, 1));
    QVERIFY(clear(origin, callId));
    QCOMPARE(phones[origin]->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"cleared"_s);
    QCOMPARE(cdrs(origin, callId).size(), 1);
}

void tst_ClusterRings::killedNodesPhonesDropped()
{
    constexpr int origin = 1;
    Phones phones;
    QVERIFY(openPhones(phones, {0, 1, 2}, {u"100"_s, u"100"_s, u"*"_s}));
    // A ring that every phone but the child's declined goes on while the child's rings.
    const QString pending = freshCall(u"pending-"_s);
    QVERIFY(!ringEvery(origin, pending, u"100"_s, phones).isEmpty());
    for (int node : {0, 1}) {
        phones[size_t(node)]->send({{u"type"_s, u"decline"_s}, {u"callId"_s, pending}});
        QVERIFY(!phones[size_t(node)]->take(u"ring-cleared"_s).isEmpty());
    }
    QTRY_COMPARE(rings(origin)->remote(pending).declined, 1);
    QCOMPARE(rings(origin)->remote(pending).ringing, 1);
    QVERIFY(cdrs(origin, pending).isEmpty());

    QElapsedTimer clock;
    clock.start();
    m_child.kill(); // SIGKILL: no phone-gone reaches anybody
    // Within 2 x keepaliveSec its phones are dropped (plus a little for a busy machine): the
    // ring it was still ringing on ends declined, and a new ring no longer counts them.
    QVERIFY(QTest::qWaitFor([&] { return rings(origin)->remotePhones() == 1; },
                            3 * keepaliveSec * 1000));
    QVERIFY2(clock.elapsed() < 2 * keepaliveSec * 1000 + 750,
             qPrintable(u"took %1 ms"_s.arg(clock.elapsed())));
    QTRY_COMPARE(cdrs(origin, pending).size(), 1);
    QCOMPARE(cdrs(origin, pending).first().result, u"declined"_s);
    QVERIFY(knowsPhones(0, 1));
    const QString after = freshCall(u"after-"_s);
    QCOMPARE(ring(origin, after, u"100"_s), 2);
    QVERIFY(clear(origin, after));
}

QTEST_GUILESS_MAIN(tst_ClusterRings)
#include "tst_clusterrings.moc"
