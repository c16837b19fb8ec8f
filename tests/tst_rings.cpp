// Office phones and rings (DESIGN.md "Office phones and rings"): register, fan-out, answer,
// decline, clear, timeout and the CDR rows they leave, against a real Application.

#include "DataRows.h"
#include "TelephonyFixture.h"

class tst_Rings : public TelephonyFixture {
    Q_OBJECT
private slots:
    void registerPhone_data();
    void registerPhone();
    void ringFanOut_data();
    void ringFanOut();
    void clearReasons_data();
    void clearReasons();
    void answerElsewhere();
    void answerInExistingRoom();
    void answerWithoutBridge();
    void decline();
    void timeout();
    void repeatedAndEndedRing();
    void lateRegistration();
    void ringTo500Phones();
};

void tst_Rings::registerPhone_data()
{
    // error: the code of the refusal (empty: registered)
    addColumns<QJsonObject, QString>("frame", "error");
    const auto reg = [](const QString &ext, const QString &keyName, const QString &key) {
        QJsonObject f{{u"type"_s, u"register"_s}, {u"extension"_s, ext}};
        if (!keyName.isEmpty())
            f.insert(keyName, key);
        return f;
    };
    QTest::addRow("office key") << reg(u"100"_s, u"officeKey"_s, u"office-key-a"_s) << QString();
    QTest::addRow("second office key")
        << reg(u"*"_s, u"officeKey"_s, u"second-key-a"_s) << QString();
    QTest::addRow("wrong key") << reg(u"100"_s, u"officeKey"_s, u"office-key-x"_s)
                               << u"forbidden"_s;
    QTest::addRow("key prefix") << reg(u"100"_s, u"officeKey"_s, u"office-key"_s) << u"forbidden"_s;
    QTest::addRow("other tenant's key")
        << reg(u"100"_s, u"officeKey"_s, u"office-key-b"_s) << u"forbidden"_s;
    QTest::addRow("id token (no identity provider)")
        << reg(u"100"_s, u"idToken"_s, u"eyJhbGciOiJub25lIn0.e30."_s) << u"invalid-token"_s;
    QTest::addRow("no credential") << reg(u"100"_s, {}, {}) << u"bad-frame"_s;
    QTest::addRow("extension too short")
        << reg(u"1"_s, u"officeKey"_s, u"office-key-a"_s) << u"bad-frame"_s;
    QTest::addRow("extension not digits")
        << reg(u"ab"_s, u"officeKey"_s, u"office-key-a"_s) << u"bad-frame"_s;
}

void tst_Rings::registerPhone()
{
    QFETCH(QJsonObject, frame);
    QFETCH(QString, error);
    Client c(m_port);
    QVERIFY(c.waitConnected());
    c.send(frame);
    if (error.isEmpty()) {
        const QJsonObject r = c.take(u"registered"_s);
        QCOMPARE(r.value(u"extension"_s).toString(), frame.value(u"extension"_s).toString());
        QCOMPARE(r.value(u"peerId"_s).toString().size(), 22);
        // A phone keeps its peerId when it joins a room.
        QCOMPARE(c.join(u"phone-room"_s).value(u"peerId"_s).toString(),
                 r.value(u"peerId"_s).toString());
    } else {
        const QJsonObject e = c.take(u"error"_s);
        QCOMPARE(e.value(u"code"_s).toString(), error);
        QCOMPARE(e.value(u"ref"_s).toString(), u"register"_s);
        QVERIFY(c.barrier());
        QCOMPARE(c.count(u"registered"_s), 0);
    }
}

void tst_Rings::ringFanOut_data()
{
    // rung: '1' per phone that must ring, '0' per phone that must not
    addColumns<QStringList, QString, QString>("phones", "to", "rung");
    QTest::addRow("to * rings every phone")
        << QStringList{u"100"_s, u"200"_s, u"*"_s} << u"*"_s << u"111"_s;
    QTest::addRow("to one extension and the * phone")
        << QStringList{u"100"_s, u"200"_s, u"*"_s} << u"100"_s << u"101"_s;
    QTest::addRow("unmatched extension rings only *")
        << QStringList{u"100"_s, u"200"_s, u"*"_s} << u"300"_s << u"001"_s;
    QTest::addRow("two phones on one extension")
        << QStringList{u"100"_s, u"100"_s, u"200"_s} << u"100"_s << u"110"_s;
    QTest::addRow("no phone matches") << QStringList{u"100"_s} << u"200"_s << u"0"_s;
    QTest::addRow("no phones at all") << QStringList{} << u"*"_s << QString();
}

void tst_Rings::ringFanOut()
{
    QFETCH(QStringList, phones);
    QFETCH(QString, to);
    QFETCH(QString, rung);
    std::vector<std::unique_ptr<Client>> a;
    for (const QString &ext : std::as_const(phones)) {
        a.push_back(phone(ext));
        QVERIFY(a.back());
    }
    // Phones of tenant B, on every extension, must never ring for tenant A.
    auto b1 = phone(u"*"_s, nullptr, hostB);
    auto b2 = phone(to, nullptr, hostB);
    QVERIFY(b1 && b2);

    const QString callId = u"fan-"_s + Crypto::randomId();
    const int expected = int(rung.count(u'1'));
    QCOMPARE(ring(callId, to), expected);
    for (size_t i = 0; i < a.size(); ++i) {
        if (rung[qsizetype(i)] == u'1') {
            const QJsonObject r = a[i]->take(u"ring"_s);
            QCOMPARE(r.value(u"callId"_s).toString(), callId);
            QCOMPARE(r.value(u"from"_s).toString(), u"+4930111222"_s);
            QCOMPARE(r.value(u"to"_s).toString(), to);
            QVERIFY(r.value(u"room"_s).toString().startsWith(u"call-"_s));
        } else {
            QVERIFY(a[i]->barrier());
            QCOMPARE(a[i]->count(u"ring"_s), 0);
        }
    }
    QVERIFY(b1->barrier() && b2->barrier());
    QCOMPARE(b1->count(u"ring"_s) + b2->count(u"ring"_s), 0);

    clear(callId);
    for (size_t i = 0; i < a.size(); ++i) {
        if (rung[qsizetype(i)] == u'1') {
            const QJsonObject c = a[i]->take(u"ring-cleared"_s);
            QCOMPARE(c.value(u"callId"_s).toString(), callId);
            QCOMPARE(c.value(u"reason"_s).toString(), u"cleared"_s);
        }
    }
    const auto cdrs = cdrsFor(*m_app, hostA, callId);
    QCOMPARE(cdrs.size(), 1);
    QCOMPARE(cdrs.first().direction, u"in"_s);
    QCOMPARE(cdrs.first().from, u"+4930111222"_s);
    QCOMPARE(cdrs.first().to, to);
    QCOMPARE(cdrs.first().result, u"cleared"_s);
    QVERIFY(cdrs.first().room.startsWith(u"call-"_s));
    QVERIFY(!cdrs.first().answeredAt.isValid());
    QVERIFY(cdrs.first().endedAt >= cdrs.first().startedAt);
    QVERIFY(cdrsFor(*m_app, hostB, callId).isEmpty());
}

void tst_Rings::clearReasons_data()
{
    // reason: sent in office-ring-clear
    // frameReason: ring-cleared reason
    // result: CDR result
    addColumns<QString, QString, QString>("reason", "frameReason", "result");
    QTest::addRow("caller hung up") << u"caller-hung-up"_s << u"caller-hung-up"_s << u"missed"_s;
    QTest::addRow("answered elsewhere")
        << u"answered-elsewhere"_s << u"answered-elsewhere"_s << u"cleared"_s;
    QTest::addRow("cleared") << u"cleared"_s << u"cleared"_s << u"cleared"_s;
    QTest::addRow("other reason") << u"bogus"_s << u"cleared"_s << u"cleared"_s;
    QTest::addRow("no reason") << QString() << u"cleared"_s << u"cleared"_s;
}

void tst_Rings::clearReasons()
{
    QFETCH(QString, reason);
    QFETCH(QString, frameReason);
    QFETCH(QString, result);
    auto p = phone(u"*"_s);
    QVERIFY(p);
    const QString callId = u"clear-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s, u"my-call-room"_s), 1);
    QCOMPARE(p->take(u"ring"_s).value(u"room"_s).toString(), u"my-call-room"_s);
    clear(callId, reason);
    QCOMPARE(p->take(u"ring-cleared"_s).value(u"reason"_s).toString(), frameReason);
    QCOMPARE(cdrResult(callId), result);
    QCOMPARE(cdrsFor(*m_app, hostA, callId).first().room, u"my-call-room"_s);
    // A second clear changes nothing.
    clear(callId, reason);
    QVERIFY(p->barrier());
    QCOMPARE(p->count(u"ring-cleared"_s), 0);
    QCOMPARE(cdrsFor(*m_app, hostA, callId).size(), 1);
}

void tst_Rings::answerElsewhere()
{
    auto b = bridge();
    QVERIFY(b);
    QString winnerId;
    auto winner = phone(u"100"_s, &winnerId);
    auto other = phone(u"*"_s);
    auto third = phone(u"100"_s);
    QVERIFY(winner && other && third);
    const QString callId = u"answer-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s), 3);
    const QString room = winner->take(u"ring"_s).value(u"room"_s).toString();
    QVERIFY(!other->take(u"ring"_s).isEmpty());
    QVERIFY(!third->take(u"ring"_s).isEmpty());

    winner->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(winner->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered"_s);
    QCOMPARE(other->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered-elsewhere"_s);
    QCOMPARE(third->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered-elsewhere"_s);
    const QJsonObject answered = b->take(u"ring-answered"_s);
    QCOMPARE(answered.value(u"callId"_s).toString(), callId);
    QCOMPARE(answered.value(u"room"_s).toString(), room);
    QCOMPARE(answered.value(u"peerId"_s).toString(), winnerId);
    // The first answer won: a later one is for a ring no longer ringing here.
    other->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(other->take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);

    // The phone and the bridge meet in the call room; the call ends when the bridge leaves.
    QCOMPARE(winner->join(room).value(u"peerId"_s).toString(), winnerId);
    Client caller(m_port);
    QVERIFY(caller.waitConnected());
    QVERIFY(!caller.joinAsBridge(room, "127.0.0.1", secretA).isEmpty());
    QCOMPARE(winner->take(u"peer-joined"_s).value(u"kind"_s).toString(), u"bridge"_s);
    Room *r = tenantA()->rooms().find(room);
    QVERIFY(r);
    QCOMPARE(r->kind(), Room::Kind::Call);
    QVERIFY(cdrsFor(*m_app, hostA, callId).isEmpty()); // still in progress
    caller.send({{u"type"_s, u"leave"_s}});
    QCOMPARE(winner->take(u"peer-left"_s).value(u"reason"_s).toString(), u"left"_s);
    QCOMPARE(cdrResult(callId), u"answered"_s);
    QVERIFY(cdrsFor(*m_app, hostA, callId).first().answeredAt.isValid());
    // The bridge's clear afterwards leaves no second row.
    clear(callId, u"caller-hung-up"_s);
    QCOMPARE(cdrsFor(*m_app, hostA, callId).size(), 1);
}

void tst_Rings::answerInExistingRoom()
{
    // The bridge may name a room that already exists: the call still ends when its peer leaves.
    auto b = bridge();
    QVERIFY(b);
    const QString room = u"existing-"_s + Crypto::randomId();
    Client host(m_port);
    QVERIFY(host.waitConnected());
    QVERIFY(!host.join(room).isEmpty());
    auto p = phone(u"100"_s);
    QVERIFY(p);
    const QString callId = u"existing-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s, room), 1);
    QCOMPARE(p->take(u"ring"_s).value(u"room"_s).toString(), room);
    p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(b->take(u"ring-answered"_s).value(u"room"_s).toString(), room);
    Client caller(m_port);
    QVERIFY(caller.waitConnected());
    QVERIFY(!caller.joinAsBridge(room, "127.0.0.1", secretA).isEmpty());
    QVERIFY(cdrsFor(*m_app, hostA, callId).isEmpty());
    caller.socket.close();
    QTRY_COMPARE(cdrResult(callId), u"answered"_s);
}

void tst_Rings::answerWithoutBridge()
{
    auto p = phone(u"100"_s);
    QVERIFY(p);
    const QString callId = u"nobridge-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s), 1);
    QVERIFY(!p->take(u"ring"_s).isEmpty());
    p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    const QJsonObject e = p->take(u"error"_s);
    QCOMPARE(e.value(u"code"_s).toString(), u"bridge-unavailable"_s);
    QCOMPARE(e.value(u"ref"_s).toString(), u"answer"_s);
    // The ring goes on: a bridge that comes back lets the same phone answer.
    QCOMPARE(p->count(u"ring-cleared"_s), 0);
    auto b = bridge();
    QVERIFY(b);
    p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, callId}});
    QCOMPARE(p->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"answered"_s);
    QCOMPARE(b->take(u"ring-answered"_s).value(u"callId"_s).toString(), callId);
    clear(callId);
    QCOMPARE(cdrResult(callId), u"answered"_s);
    // answer/decline of an unknown call
    p->send({{u"type"_s, u"answer"_s}, {u"callId"_s, u"no-such-call"_s}});
    QCOMPARE(p->take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
    p->send({{u"type"_s, u"decline"_s}, {u"callId"_s, u"no-such-call"_s}});
    QCOMPARE(p->take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
}

void tst_Rings::decline()
{
    auto b = bridge();
    QVERIFY(b);
    auto p1 = phone(u"100"_s);
    auto p2 = phone(u"*"_s);
    QVERIFY(p1 && p2);
    const QString callId = u"decline-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s), 2);
    QVERIFY(!p1->take(u"ring"_s).isEmpty());
    QVERIFY(!p2->take(u"ring"_s).isEmpty());
    p1->send({{u"type"_s, u"decline"_s}, {u"callId"_s, callId}});
    QCOMPARE(p1->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"declined"_s);
    // Only the declining phone stops ringing.
    QVERIFY(p2->barrier());
    QCOMPARE(p2->count(u"ring-cleared"_s), 0);
    QVERIFY(b->barrier());
    QCOMPARE(b->count(u"ring-declined"_s), 0);
    QVERIFY(cdrsFor(*m_app, hostA, callId).isEmpty());
    // Declining twice is for a ring no longer ringing on that phone.
    p1->send({{u"type"_s, u"decline"_s}, {u"callId"_s, callId}});
    QCOMPARE(p1->take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
    p2->send({{u"type"_s, u"decline"_s}, {u"callId"_s, callId}});
    QCOMPARE(p2->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"declined"_s);
    QCOMPARE(b->take(u"ring-declined"_s).value(u"callId"_s).toString(), callId);
    QCOMPARE(cdrResult(callId), u"declined"_s);
}

void tst_Rings::timeout()
{
    const TenantConfig saved = tenantA()->config();
    TenantConfig quick = saved;
    quick.ringTimeoutSec = 1;
    tenantA()->reconfigure(quick);
    auto p = phone(u"100"_s);
    QVERIFY(p);
    const QString callId = u"timeout-"_s + Crypto::randomId();
    const int delivered = ring(callId, u"100"_s);
    const QString silent = u"timeout-nobody-"_s + Crypto::randomId();
    const int none = ring(silent, u"999"_s);
    tenantA()->reconfigure(saved);
    QCOMPARE(delivered, 1);
    QCOMPARE(none, 0);
    QVERIFY(!p->take(u"ring"_s).isEmpty());
    const QJsonObject c = p->take(u"ring-cleared"_s);
    QCOMPARE(c.value(u"callId"_s).toString(), callId);
    QCOMPARE(c.value(u"reason"_s).toString(), u"timeout"_s);
    QCOMPARE(cdrResult(callId), u"missed"_s);
    // A ring that reached nobody also lives until its timeout.
    QTRY_COMPARE(cdrResult(silent), u"missed"_s);
}

void tst_Rings::repeatedAndEndedRing()
{
    auto p = phone(u"100"_s);
    QVERIFY(p);
    const QString callId = u"repeat-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s), 1);
    auto late = phone(u"100"_s); // rung at once on registering (counts no extra delivery)
    QVERIFY(late);
    QVERIFY(!late->take(u"ring"_s).isEmpty());
    QCOMPARE(ring(callId, u"100"_s), 1); // the same N, nobody rung again
    QVERIFY(!p->take(u"ring"_s).isEmpty());
    QVERIFY(p->barrier() && late->barrier());
    QCOMPARE(p->count(u"ring"_s) + late->count(u"ring"_s), 0);
    clear(callId);
    QCOMPARE(ring(callId, u"100"_s), 0); // ended within 24 h: delivered 0, rings nobody
    QVERIFY(p->barrier());
    QCOMPARE(p->count(u"ring"_s), 0);
    QCOMPARE(cdrsFor(*m_app, hostA, callId).size(), 1);
}

void tst_Rings::lateRegistration()
{
    const QString callId = u"late-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s), 0);
    auto wrong = phone(u"200"_s);
    QVERIFY(wrong);
    auto p = phone(u"100"_s);
    QVERIFY(p);
    QCOMPARE(p->take(u"ring"_s).value(u"callId"_s).toString(), callId);
    QVERIFY(wrong->barrier());
    QCOMPARE(wrong->count(u"ring"_s), 0);
    // Re-registering on the ring's extension rings the other phone too.
    QVERIFY(!wrong->registerPhone(u"*"_s, QString::fromLatin1(officeKeyA)).isEmpty());
    QCOMPARE(wrong->take(u"ring"_s).value(u"callId"_s).toString(), callId);
    clear(callId, u"caller-hung-up"_s);
    QCOMPARE(p->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"caller-hung-up"_s);
    QCOMPARE(wrong->take(u"ring-cleared"_s).value(u"reason"_s).toString(), u"caller-hung-up"_s);
}

void tst_Rings::ringTo500Phones()
{
    constexpr int count = 500;
    std::vector<std::unique_ptr<Client>> phones;
    phones.reserve(count);
    for (int i = 0; i < count; ++i)
        phones.push_back(std::make_unique<Client>(m_port));
    for (auto &p : phones) {
        // 500 handshakes at once on a loaded CI machine: allow more than one client's wait.
        QTRY_VERIFY_WITH_TIMEOUT(p->isConnected(), 30000);
        p->send({{u"type"_s, u"register"_s},
                 {u"extension"_s, u"*"_s},
                 {u"officeKey"_s, QString::fromLatin1(officeKeyA)}});
    }
    for (auto &p : phones)
        QVERIFY(!p->take(u"registered"_s).isEmpty());
    QCOMPARE(tenantA()->rings().phoneCount(), count);
    const QString callId = u"fanout-500-"_s + Crypto::randomId();
    QCOMPARE(ring(callId, u"100"_s), count);
    int received = 0;
    for (auto &p : phones)
        received += p->take(u"ring"_s).value(u"callId"_s).toString() == callId;
    QCOMPARE(received, count);
    clear(callId);
    phones.clear();
    QTRY_COMPARE(tenantA()->rings().phoneCount(), 0);
}

// --- dials ----------------------------------------------------------------------------------

QTEST_GUILESS_MAIN(tst_Rings)
#include "tst_rings.moc"
