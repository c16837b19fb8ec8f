// Resume on another node and peer-updated across nodes (docs/cluster.md "Resume on another
// node"): one nats-server, two nodes in this process and a third as a child process, all serving
// the same tenant with an OIDC issuer (TestIssuer).

#include "ClusterFixture.h"
#include "TestIssuer.h"
#include "cluster/ClusterResume.h"

#include <QElapsedTimer>

class tst_ClusterResume : public ClusterFixture {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase() { stopCluster(); }
    void resumeOnAnotherNode_data();
    void resumeOnAnotherNode();
    void peerUpdatedAcrossNodes_data();
    void peerUpdatedAcrossNodes();
    void silentNodeBoundsTheWait(); // last: it kills the child

private:
    QString idToken(const QString &name) const
    {
        return QString::fromLatin1(m_issuer.token(u"k1"_s, m_issuer.claims(name)));
    }
    static QJsonObject joinFrame(const QString &room, const QString &name)
    {
        return {{u"type"_s, u"join"_s}, {u"room"_s, room}, {u"name"_s, name}};
    }
    static QString signalTo(const QString &peerId, const QString &data)
    {
        return u"{\"type\":\"signal\",\"to\":\"%1\",\"data\":%2}"_s.arg(peerId, data);
    }
    static QString signalFrom(const QString &peerId, const QString &data)
    {
        return u"{\"type\":\"signal\",\"from\":\"%1\",\"data\":%2}"_s.arg(peerId, data);
    }
    static int count(const TestClient &c, const QString &type, const QString &peerId)
    {
        int n = 0;
        for (const QJsonObject &f : c.frames)
            n += f.value(u"type"_s).toString() == type && f.value(u"peerId"_s).toString() == peerId;
        return n;
    }
    // The member `peerId` of `room` on in-process node `node`, or nullptr.
    Room::Member *memberOn(int node, const QString &room, const QString &peerId) const
    {
        Room *r = m_apps[node]->tenants().value(0)->rooms().find(room);
        return r ? r->member(peerId) : nullptr;
    }

    TestIssuer m_issuer;
};

void tst_ClusterResume::initTestCase()
{
    m_issuer.addKey(u"k1"_s, TestIssuer::KeyType::Ec);
    QVERIFY(m_dir.isValid());
    QFile jwks(m_dir.filePath(u"jwks.json"_s));
    QVERIFY(jwks.open(QIODevice::WriteOnly));
    jwks.write(m_issuer.jwks());
    jwks.close();
    m_tenantExtra = ",\"oidc\":{\"issuer\":\"" + m_issuer.issuer().toUtf8() + "\",\"audience\":\""
        + m_issuer.audience().toUtf8() + "\",\"jwksFile\":\"" + jwks.fileName().toUtf8() + "\"}";
    startCluster();
    // The child meets the in-process nodes a moment after they meet it, and its full state to
    // them travels on another subscription than its events: wait until it has met both (its
    // peer lists their members), so that no test's events overtake that state.
    TestClient probe[3];
    QStringList joined;
    for (int node = 0; node < 3; ++node) {
        QVERIFY(probe[node].open(port(node)));
        joined.append(probe[node].join(u"probe"_s, u"probe"_s).value(u"peerId"_s).toString());
        if (node < 2)
            QVERIFY(knows(node, u"probe"_s, node));
    }
    const auto childSees = [&] {
        QStringList seen;
        for (const QJsonObject &f : probe[2].frames) {
            if (f.value(u"type"_s).toString() == u"welcome"_s)
                seen += ids(f.value(u"peers"_s).toArray());
            else if (f.value(u"type"_s).toString() == u"peer-joined"_s)
                seen.append(f.value(u"peerId"_s).toString());
        }
        seen.sort();
        return seen;
    };
    joined.removeLast();
    joined.sort();
    QTRY_COMPARE_WITH_TIMEOUT(childSees(), joined, 5000);
    for (TestClient &c : probe)
        c.send(u"{\"type\":\"leave\"}"_s);
    QVERIFY(knows(0, u"probe"_s, 0));
    QVERIFY(knows(1, u"probe"_s, 0));
}

void tst_ClusterResume::resumeOnAnotherNode_data()
{
    QTest::addColumn<QString>("mode"); // held, open, unknown, reused
    QTest::addColumn<int>("from"); // where the peer joined (in process: 0 or 1)
    QTest::addColumn<int>("to"); // where it resumes (2: the child)
    QTest::addColumn<int>("witness"); // where the room's other member sits
    QTest::addRow("held, n1 to n2") << u"held"_s << 0 << 1 << 2;
    QTest::addRow("held, n2 to the child") << u"held"_s << 1 << 2 << 0;
    QTest::addRow("held, witness on the old node") << u"held"_s << 0 << 1 << 0;
    QTest::addRow("old socket open, n1 to n2") << u"open"_s << 0 << 1 << 2;
    QTest::addRow("old socket open, n2 to the child") << u"open"_s << 1 << 2 << 0;
    QTest::addRow("unknown token") << u"unknown"_s << 0 << 1 << 2;
    QTest::addRow("token reused on the old node") << u"reused"_s << 0 << 1 << 0;
    QTest::addRow("token reused on the child") << u"reused"_s << 0 << 1 << 2;
}

void tst_ClusterResume::resumeOnAnotherNode()
{
    QFETCH(QString, mode);
    QFETCH(int, from);
    QFETCH(int, to);
    QFETCH(int, witness);
    const QString room = freshRoom();
    // The witness first, so that the peer's node knows it; then the peer, verified.
    TestClient w;
    QVERIFY(w.open(port(witness)));
    const QString wId = w.join(room, u"witness"_s).value(u"peerId"_s).toString();
    TestClient p;
    QVERIFY(p.open(port(from)));
    QJsonObject join = joinFrame(room, u"ignored"_s);
    join.insert(u"idToken"_s, idToken(u"Grace Hopper"_s));
    p.send(join);
    const QJsonObject welcome = p.waitFor(u"welcome"_s);
    const QString pId = welcome.value(u"peerId"_s).toString();
    const QString token = welcome.value(u"resumeToken"_s).toString();
    QVERIFY(!pId.isEmpty() && !token.isEmpty());
    QCOMPARE(w.waitFor(u"peer-joined"_s).value(u"peerId"_s).toString(), pId);
    QVERIFY(knows(from, room, witness == from ? 0 : 1));
    if (to != 2)
        QVERIFY(knows(to, room, 2)); // the new node knows both members before the resume

    TestClient r;
    QVERIFY(r.open(port(to)));
    if (mode == u"unknown"_s) {
        QJsonObject resume = joinFrame(room, u"x"_s);
        resume.insert(u"resume"_s, u"not-a-token-anybody-issued"_s);
        r.send(resume);
        QCOMPARE(r.waitFor(u"error"_s).value(u"code"_s).toString(), u"invalid-token"_s);
        // The socket may join afresh, and the peer it did not name is untouched.
        QVERIFY(!r.join(room, u"fresh"_s).value(u"peerId"_s).toString().isEmpty());
        QCOMPARE(memberOn(from, room, pId)->session != nullptr, true);
        QVERIFY(!p.hasFrame(u"kicked"_s));
        return;
    }
    if (mode != u"open"_s) {
        p.socket.abort(); // no close frame: the peer is held on its node
        QTRY_VERIFY(memberOn(from, room, pId) && !memberOn(from, room, pId)->session);
        // A frame for the held peer is queued there, and handed over with it.
        w.send(signalTo(pId, u"{\"queued\":1}"_s));
        QTRY_COMPARE(memberOn(from, room, pId)->queue.size(), 1);
    }
    QJsonObject resume = joinFrame(room, u"ignored"_s);
    resume.insert(u"resume"_s, token);
    r.send(resume);
    const QJsonObject resumed = r.waitFor(u"welcome"_s);
    QCOMPARE(resumed.value(u"resumed"_s).toBool(), true);
    QCOMPARE(resumed.value(u"peerId"_s).toString(), pId);
    QCOMPARE(ids(resumed.value(u"peers"_s).toArray()), QStringList{wId});
    QVERIFY(resumed.value(u"resumeToken"_s).toString() != token);
    if (mode == u"open"_s) {
        QCOMPARE(p.waitFor(u"kicked"_s).value(u"reason"_s).toString(), u"replaced"_s);
        QVERIFY(p.waitClosed());
        QCOMPARE(int(p.socket.closeCode()), 4001);
    } else {
        QVERIFY(!r.waitFor(u"signal"_s).isEmpty());
        QCOMPARE(r.raw.last(), signalFrom(wId, u"{\"queued\":1}"_s));
    }
    QVERIFY(!memberOn(from, room, pId)); // gone from its old node

    // Frames reach the peer on its new node, and its frames reach the witness.
    w.send(signalTo(pId, u"{\"after\":1}"_s));
    QVERIFY(!r.waitFor(u"signal"_s).isEmpty());
    QCOMPARE(r.raw.last(), signalFrom(wId, u"{\"after\":1}"_s));
    r.send(signalTo(wId, u"{\"back\":1}"_s));
    QVERIFY(!w.waitFor(u"signal"_s).isEmpty());
    QCOMPARE(w.raw.last(), signalFrom(pId, u"{\"back\":1}"_s));

    if (mode == u"reused"_s) {
        // The spent token is refused on any node; the resumed peer stays.
        TestClient again;
        QVERIFY(again.open(port(witness)));
        again.send(resume);
        QCOMPARE(again.waitFor(u"error"_s).value(u"code"_s).toString(), u"invalid-token"_s);
        r.send(u"{\"type\":\"ping\"}"_s);
        QVERIFY(!r.waitFor(u"pong"_s).isEmpty());
        QVERIFY(!r.hasFrame(u"kicked"_s));
    }

    // A newcomer on the witness's node sees the peer once, with its verified identity.
    TestClient n;
    QVERIFY(n.open(port(witness)));
    QTRY_VERIFY_WITH_TIMEOUT(count(w, u"peer-joined"_s, pId) == 1, 5000);
    const QJsonArray peers = n.join(room, u"newcomer"_s).value(u"peers"_s).toArray();
    QStringList seen = ids(peers);
    seen.sort();
    QStringList expected{wId, pId};
    expected.sort();
    QCOMPARE(seen, expected);
    for (const QJsonValue &v : peers) {
        if (v.toObject().value(u"peerId"_s).toString() != pId)
            continue;
        QCOMPARE(v.toObject().value(u"name"_s).toString(), u"Grace Hopper"_s);
        QCOMPARE(v.toObject().value(u"verifiedIdentity"_s).toObject().value(u"issuer"_s),
                 m_issuer.issuer());
    }
    QVERIFY(!r.waitFor(u"peer-joined"_s).isEmpty()); // the newcomer reached the resumed peer
    // The witness never saw the peer leave or join again.
    QCOMPARE(count(w, u"peer-left"_s, pId), 0);
    QCOMPARE(count(w, u"peer-joined"_s, pId), 1);
    QCOMPARE(count(r, u"peer-left"_s, wId), 0);
}

void tst_ClusterResume::peerUpdatedAcrossNodes_data()
{
    QTest::addColumn<int>("sender"); // the node of the peer that identifies
    QTest::addRow("from n1") << 0;
    QTest::addRow("from n2") << 1;
    QTest::addRow("from the child") << 2;
}

void tst_ClusterResume::peerUpdatedAcrossNodes()
{
    QFETCH(int, sender);
    const QString room = freshRoom();
    TestClient c[3];
    QString peerIds[3];
    for (int node = 0; node < 3; ++node) {
        QVERIFY(c[node].open(port(node)));
        peerIds[node] = c[node].join(room, u"anon%1"_s.arg(node)).value(u"peerId"_s).toString();
    }
    QVERIFY(knows(0, room, 2));
    QVERIFY(knows(1, room, 2));
    // The child knows the others: the last joiner's welcome listed them, the first two saw it.
    QTRY_VERIFY_WITH_TIMEOUT(count(c[0], u"peer-joined"_s, peerIds[2]) == 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(count(c[1], u"peer-joined"_s, peerIds[2]) == 1, 5000);
    const QString name = u"Ada %1"_s.arg(sender);
    c[sender].send(QJsonObject{{u"type"_s, u"identify"_s}, {u"idToken"_s, idToken(name)}});
    for (int node = 0; node < 3; ++node) {
        const QJsonObject updated = c[node].waitFor(u"peer-updated"_s);
        QCOMPARE(updated.value(u"peerId"_s).toString(), peerIds[sender]);
        QCOMPARE(updated.value(u"name"_s).toString(), name);
        const QJsonObject identity = updated.value(u"verifiedIdentity"_s).toObject();
        QCOMPARE(identity.value(u"name"_s).toString(), name);
        QCOMPARE(identity.value(u"issuer"_s).toString(), m_issuer.issuer());
    }
    // A bad token changes nothing anywhere.
    c[sender].send(QJsonObject{{u"type"_s, u"identify"_s}, {u"idToken"_s, u"x.y.z"_s}});
    QCOMPARE(c[sender].waitFor(u"error"_s).value(u"code"_s).toString(), u"invalid-token"_s);
    c[sender].send(u"{\"type\":\"ping\"}"_s);
    QVERIFY(!c[sender].waitFor(u"pong"_s).isEmpty());
    const int other = (sender + 1) % 3;
    c[other].send(u"{\"type\":\"ping\"}"_s);
    QVERIFY(!c[other].waitFor(u"pong"_s).isEmpty());
    QCOMPARE(count(c[other], u"peer-updated"_s, peerIds[sender]), 1);
}

void tst_ClusterResume::silentNodeBoundsTheWait()
{
    const QString room = freshRoom();
    TestClient p;
    QVERIFY(p.open(port(0)));
    const QJsonObject welcome = p.join(room, u"p"_s);
    const QString pId = welcome.value(u"peerId"_s).toString();
    QVERIFY(!pId.isEmpty());
    m_child.kill(); // SIGKILL: it answers no question, and is not yet known to be dead
    QVERIFY(m_child.waitForFinished(5000));
    QCOMPARE(m_apps[1]->cluster()->liveNodes().size(), 2);

    // Nobody holds the token; the dead child cannot say so: the join waits, but boundedly.
    TestClient r;
    QVERIFY(r.open(port(1)));
    QJsonObject resume = joinFrame(room, u"r"_s);
    resume.insert(u"resume"_s, u"nobody-holds-this"_s);
    QElapsedTimer clock;
    clock.start();
    r.send(resume);
    QCOMPARE(r.waitFor(u"error"_s, 3 * ClusterResume::askTimeoutMs).value(u"code"_s).toString(),
             u"invalid-token"_s);
    const qint64 waited = clock.elapsed();
    QVERIFY2(waited >= ClusterResume::askTimeoutMs / 2
                 && waited < ClusterResume::askTimeoutMs + 1500,
             qPrintable(u"answered after %1 ms"_s.arg(waited)));

    // A token that a live node holds does not wait for the silent one.
    p.socket.abort();
    QTRY_VERIFY(memberOn(0, room, pId) && !memberOn(0, room, pId)->session);
    resume.insert(u"resume"_s, welcome.value(u"resumeToken"_s).toString());
    clock.restart();
    r.send(resume);
    const QJsonObject resumed = r.waitFor(u"welcome"_s);
    QCOMPARE(resumed.value(u"peerId"_s).toString(), pId);
    QCOMPARE(resumed.value(u"resumed"_s).toBool(), true);
    QVERIFY2(clock.elapsed() < ClusterResume::askTimeoutMs / 2,
             qPrintable(u"answered after %1 ms"_s.arg(clock.elapsed())));
}

QTEST_GUILESS_MAIN(tst_ClusterResume)
#include "tst_clusterresume.moc"
