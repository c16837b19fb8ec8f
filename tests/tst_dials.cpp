// Dials from a room through the bridge (DESIGN.md "Dials"): rights, dial-status, hang-up, the
// rate limit and the dial-log rows, against a real Application.

#include "DataRows.h"
#include "TelephonyFixture.h"

class tst_Dials : public TelephonyFixture {
    Q_OBJECT
private slots:
    void dial_data();
    void dial();
    void joinWithDial();
    void lastPeerLeavingHangsUp();
    void dialFailed();
    void bridgeGoneEndsDials();
    void dialRateLimit();
    void dialErrors();
};

void tst_Dials::dial_data()
{
    // error: the code of the answer (empty: dialed); outcome: the dial-log row's outcome.
    addColumns<QString, bool, bool, QString, QString, bool>("number", "verified", "withBridge",
                                                            "error", "outcome", "vnum");
    // dialed: the bridge is connected and the dial-log says dialing; refused: answered `error`.
    const auto dialed = [](const char *name, const char *number, bool verified, bool vnum) {
        QTest::addRow("%s", name) << QString::fromLatin1(number) << verified << true << QString()
                                  << u"dialing"_s << vnum;
    };
    const auto refused = [](const char *name, const char *number, bool verified, bool withBridge,
                            const char *error, const char *outcome, bool vnum) {
        QTest::addRow("%s", name) << QString::fromLatin1(number) << verified << withBridge
                                  << QString::fromLatin1(error) << QString::fromLatin1(outcome)
                                  << vnum;
    };
    const char *unknown = "unknown-number";
    dialed("anonymous vnum", "2000", false, true);
    dialed("anonymous vnum, verified peer", "2000", true, true);
    refused("internal vnum, anonymous peer", "2001", false, true, unknown, "forbidden", true);
    dialed("internal vnum, verified peer", "2001", true, true);
    refused("whitelisted E.164, anonymous peer", "+4930123456", false, true, unknown, "forbidden",
            false);
    dialed("whitelisted E.164, verified peer", "+4930123456", true, false);
    dialed("whitelisted extension, verified peer", "55", true, false);
    refused("E.164 not whitelisted, verified peer", "+4930999999", true, true, unknown, unknown,
            false);
    refused("other tenant's vnum", "3000", true, true, unknown, unknown, false);
    refused("garbage", "hello", true, true, unknown, unknown, false);
    refused("no bridge", "2000", false, false, "bridge-unavailable", "bridge-unavailable", true);
    refused("no bridge, not allowed anyway", "2001", false, false, unknown, "forbidden", true);
}

void tst_Dials::dial()
{
    QFETCH(QString, number);
    QFETCH(bool, verified);
    QFETCH(bool, withBridge);
    QFETCH(QString, error);
    QFETCH(QString, outcome);
    QFETCH(bool, vnum);

    std::unique_ptr<Client> b = withBridge ? bridge() : nullptr;
    QVERIFY(!withBridge || b);
    const QString roomId = u"dial-room-"_s + Crypto::randomId();
    Client c(m_port);
    QVERIFY(c.waitConnected());
    const QString peerId = c.join(roomId).value(u"peerId"_s).toString();
    QVERIFY(!peerId.isEmpty());
    if (verified) {
        // No identity provider yet: mark the member verified in-process, as a valid token would.
        Room::Member *m = tenantA()->rooms().find(roomId)->member(peerId);
        QVERIFY(m);
        m->verifiedIdentity = QJsonObject{{u"name"_s, u"Vera"_s}, {u"issuer"_s, u"test"_s}};
    }
    const int logBefore = int(dialsFor(*m_app, hostA, number).size());
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, number}});

    if (!error.isEmpty()) {
        const QJsonObject e = c.take(u"error"_s);
        QCOMPARE(e.value(u"code"_s).toString(), error);
        QCOMPARE(e.value(u"ref"_s).toString(), u"dial"_s);
        if (b) {
            QVERIFY(b->barrier());
            QCOMPARE(b->count(u"dial-request"_s), 0);
        }
        const auto log = dialsFor(*m_app, hostA, number);
        QCOMPARE(int(log.size()), logBefore + 1);
        QCOMPARE(log.first().outcome, outcome);
        QCOMPARE(log.first().room, roomId);
        QCOMPARE(log.first().peerId, peerId);
        QVERIFY(log.first().callId.isEmpty());
        return;
    }

    const QJsonObject request = b->take(u"dial-request"_s);
    const QString callId = request.value(u"callId"_s).toString();
    QCOMPARE(callId.size(), 22);
    QCOMPARE(request.value(u"room"_s).toString(), roomId);
    QCOMPARE(request.value(u"number"_s).toString(), number);
    QVERIFY(!request.contains(u"trunk"_s));
    QJsonObject status = c.take(u"dial-status"_s);
    QCOMPARE(status.value(u"callId"_s).toString(), callId);
    QCOMPARE(status.value(u"number"_s).toString(), number);
    QCOMPARE(status.value(u"state"_s).toString(), u"dialing"_s);
    const auto log = dialsFor(*m_app, hostA, number);
    QCOMPARE(int(log.size()), logBefore + 1);
    QCOMPARE(log.first().outcome, outcome);
    QCOMPARE(log.first().callId, callId);

    // The bridge reports; the room hears it; the peer hangs up; the bridge reports the end.
    b->send({{u"type"_s, u"dial-status"_s}, {u"callId"_s, callId}, {u"state"_s, u"ringing"_s}});
    QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"ringing"_s);
    b->send({{u"type"_s, u"dial-status"_s}, {u"callId"_s, callId}, {u"state"_s, u"answered"_s}});
    QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"answered"_s);
    c.send({{u"type"_s, u"hangup"_s}, {u"callId"_s, callId}});
    const QJsonObject hangup = b->take(u"hangup"_s);
    QCOMPARE(hangup.value(u"callId"_s).toString(), callId);
    QCOMPARE(hangup.value(u"room"_s).toString(), roomId);
    QVERIFY(cdrsFor(*m_app, hostA, callId).isEmpty());
    b->send({{u"type"_s, u"dial-status"_s},
             {u"callId"_s, callId},
             {u"state"_s, u"ended"_s},
             {u"reason"_s, u"hung-up"_s}});
    status = c.take(u"dial-status"_s);
    QCOMPARE(status.value(u"state"_s).toString(), u"ended"_s);
    QCOMPARE(status.value(u"reason"_s).toString(), u"hung-up"_s);
    const auto cdrs = cdrsFor(*m_app, hostA, callId);
    QCOMPARE(cdrs.size(), 1);
    QCOMPARE(cdrs.first().direction, u"out"_s);
    QCOMPARE(cdrs.first().from, u"room:"_s + roomId);
    QCOMPARE(cdrs.first().to, number);
    QCOMPARE(cdrs.first().result, u"answered"_s);
    QVERIFY(cdrs.first().answeredAt.isValid());
    QCOMPARE(cdrs.first().virtualNumber, vnum);
    // A hangup of an ended dial is unknown.
    c.send({{u"type"_s, u"hangup"_s}, {u"callId"_s, callId}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
}

void tst_Dials::joinWithDial()
{
    {
        auto b = bridge();
        QVERIFY(b);
        Client c(m_port);
        QVERIFY(c.waitConnected());
        const QJsonObject welcome
            = c.join(u"random"_s, u"Visitor"_s, {{u"dial"_s, u"2000"_s}, {u"trunk"_s, u"main"_s}});
        const QString room = welcome.value(u"room"_s).toString();
        QVERIFY2(room.startsWith(u"vnum-2000-"_s), qPrintable(room));
        QCOMPARE(room.size(), 10 + 22);
        QCOMPARE(tenantA()->rooms().find(room)->kind(), Room::Kind::VirtualNumber);
        QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"dialing"_s);
        const QJsonObject request = b->take(u"dial-request"_s);
        QCOMPARE(request.value(u"room"_s).toString(), room);
        QCOMPARE(request.value(u"trunk"_s).toString(), u"main"_s);
        // The public label keeps the number and hides the rest.
        QCOMPARE(tenantA()->rooms().find(room)->publicLabel(), u"vnum-2000-…"_s);
        b->send({{u"type"_s, u"dial-status"_s},
                 {u"callId"_s, request.value(u"callId"_s).toString()},
                 {u"state"_s, u"failed"_s},
                 {u"reason"_s, u"unreachable"_s}});
        QCOMPARE(c.take(u"dial-status"_s).value(u"reason"_s).toString(), u"unreachable"_s);
    }
    QTRY_VERIFY(!tenantA()->bridge().isConnected());
    // An internal vnum is not minted into the room id of an anonymous peer; the join stands.
    Client c2(m_port);
    QVERIFY(c2.waitConnected());
    const QJsonObject w2 = c2.join(u"random"_s, u"Visitor"_s, {{u"dial"_s, u"2001"_s}});
    QVERIFY(w2.value(u"room"_s).toString().startsWith(u"room-"_s));
    QJsonObject e = c2.take(u"error"_s);
    QCOMPARE(e.value(u"code"_s).toString(), u"unknown-number"_s);
    QCOMPARE(e.value(u"ref"_s).toString(), u"dial"_s);
    // Without a bridge: welcome, then bridge-unavailable; the peer is still in its room.
    Client c3(m_port);
    QVERIFY(c3.waitConnected());
    const QJsonObject w3 = c3.join(u"random"_s, u"Visitor"_s, {{u"dial"_s, u"2000"_s}});
    QVERIFY(!w3.isEmpty());
    e = c3.take(u"error"_s);
    QCOMPARE(e.value(u"code"_s).toString(), u"bridge-unavailable"_s);
    QCOMPARE(e.value(u"ref"_s).toString(), u"dial"_s);
    QVERIFY(tenantA()->rooms().find(w3.value(u"room"_s).toString()));
}

void tst_Dials::lastPeerLeavingHangsUp()
{
    auto b = bridge();
    QVERIFY(b);
    const QString room = u"leave-room-"_s + Crypto::randomId();
    Client a(m_port), c(m_port), caller(m_port);
    QVERIFY(a.waitConnected() && c.waitConnected() && caller.waitConnected());
    QVERIFY(!a.join(room).isEmpty());
    QVERIFY(!c.join(room).isEmpty());
    a.send({{u"type"_s, u"dial"_s}, {u"number"_s, u"2000"_s}});
    const QString callId = b->take(u"dial-request"_s).value(u"callId"_s).toString();
    QVERIFY(!callId.isEmpty());
    QVERIFY(!caller.joinAsBridge(room, "127.0.0.1", secretA).isEmpty());
    a.send({{u"type"_s, u"leave"_s}});
    QVERIFY(b->barrier());
    QCOMPARE(b->count(u"hangup"_s), 0); // c is still there
    c.socket.close();
    const QJsonObject hangup = b->take(u"hangup"_s);
    QCOMPARE(hangup.value(u"callId"_s).toString(), callId);
    QCOMPARE(hangup.value(u"room"_s).toString(), room);
    b->send({{u"type"_s, u"dial-status"_s}, {u"callId"_s, callId}, {u"state"_s, u"ended"_s}});
    QTRY_COMPARE(cdrResult(callId), u"cleared"_s);
    QVERIFY(cdrsFor(*m_app, hostA, callId).first().virtualNumber);
}

void tst_Dials::dialFailed()
{
    auto b = bridge();
    QVERIFY(b);
    Client c(m_port);
    QVERIFY(c.waitConnected());
    const QString room = u"fail-room-"_s + Crypto::randomId();
    QVERIFY(!c.join(room).isEmpty());
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, u"2000"_s}});
    const QString callId = b->take(u"dial-request"_s).value(u"callId"_s).toString();
    b->send({{u"type"_s, u"dial-status"_s},
             {u"callId"_s, callId},
             {u"state"_s, u"failed"_s},
             {u"reason"_s, u"busy"_s}});
    QCOMPARE(c.take(u"dial-status"_s).value(u"state"_s).toString(), u"dialing"_s);
    const QJsonObject failed = c.take(u"dial-status"_s);
    QCOMPARE(failed.value(u"state"_s).toString(), u"failed"_s);
    QCOMPARE(failed.value(u"reason"_s).toString(), u"busy"_s);
    QCOMPARE(cdrResult(callId), u"failed"_s);
    QVERIFY(!cdrsFor(*m_app, hostA, callId).first().answeredAt.isValid());
    // A status for a call that ended is ignored (and leaves no second row).
    b->send({{u"type"_s, u"dial-status"_s}, {u"callId"_s, callId}, {u"state"_s, u"ended"_s}});
    QVERIFY(b->barrier() && c.barrier());
    QCOMPARE(c.count(u"dial-status"_s), 0);
    QCOMPARE(cdrsFor(*m_app, hostA, callId).size(), 1);
}

void tst_Dials::bridgeGoneEndsDials()
{
    auto b = bridge();
    QVERIFY(b);
    Client c(m_port);
    QVERIFY(c.waitConnected());
    QVERIFY(!c.join(u"gone-room-"_s + Crypto::randomId()).isEmpty());
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, u"2000"_s}});
    const QString callId = b->take(u"dial-request"_s).value(u"callId"_s).toString();
    QVERIFY(!c.take(u"dial-status"_s).isEmpty());
    b.reset();
    const QJsonObject failed = c.take(u"dial-status"_s);
    QCOMPARE(failed.value(u"state"_s).toString(), u"failed"_s);
    QCOMPARE(failed.value(u"reason"_s).toString(), u"error"_s);
    QCOMPARE(cdrResult(callId), u"failed"_s);
}

void tst_Dials::dialRateLimit()
{
    Client c(m_port);
    QVERIFY(c.waitConnected());
    QVERIFY(!c.join(u"rate-room-"_s + Crypto::randomId()).isEmpty());
    const QString number
        = u"+4930555"_s + QString::number(QRandomGenerator::global()->bounded(1000, 9999));
    for (int i = 0; i < 3; ++i) {
        c.send({{u"type"_s, u"dial"_s}, {u"number"_s, number}});
        QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"unknown-number"_s);
    }
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, number}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"rate-limited"_s);
    // A dial the rate limit refused writes no dial-log row (DESIGN.md "Limits").
    const auto log = dialsFor(*m_app, hostA, number);
    QCOMPARE(log.size(), 3);
    for (const auto &row : log)
        QCOMPARE(row.outcome, u"unknown-number"_s);
}

void tst_Dials::dialErrors()
{
    Client c(m_port);
    QVERIFY(c.waitConnected());
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, u"2000"_s}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"not-joined"_s);
    c.send({{u"type"_s, u"hangup"_s}, {u"callId"_s, u"x"_s}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"not-joined"_s);
    QVERIFY(!c.join(u"errors-room"_s).isEmpty());
    c.send({{u"type"_s, u"hangup"_s}, {u"callId"_s, u"x"_s}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"unknown-call"_s);
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, 2000}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"bad-frame"_s);
    c.send({{u"type"_s, u"dial"_s}, {u"number"_s, u"2000"_s}, {u"trunk"_s, u"bad trunk"_s}});
    QCOMPARE(c.take(u"error"_s).value(u"code"_s).toString(), u"bad-frame"_s);
}

QTEST_GUILESS_MAIN(tst_Dials)
#include "tst_dials.moc"
