// The console and telephony end to end: a phone registers, the bridge's webhooks ring it, the
// phone answers through a bridge session, and the console's models show each step as it happens.

#include "AdminClient.h"
#include "PhonesModel.h"
#include "RingLogModel.h"
#include "TelephonyServer.h"
#include "TrunksModel.h"

using namespace Qt::StringLiterals;
using namespace harness;

class tst_ConsoleTelephony : public TelephonyServer {
    Q_OBJECT
private slots:
    void phoneRingAnswerAndClear();
    void trunkStatusWebhook();

private:
    void startServer() override;
    void stopServer() override;
    // The bridge's office-ring webhook for tenant A, to extension 10.
    int ringWebhook(const QString &callId, const QString &from)
    {
        const QJsonObject body{
            {u"time"_s, now()}, {u"callId"_s, callId}, {u"from"_s, from}, {u"to"_s, u"10"_s}};
        return webhook(m_port, "127.0.0.1", "office-ring", json(body), secretA).status;
    }

    std::unique_ptr<AdminClient> m_console;
};

void tst_ConsoleTelephony::startServer()
{
    TelephonyServer::startServer();
    if (QTest::currentTestFailed())
        return;
    QVERIFY(m_app->adminPort() != 0);
    m_console = std::make_unique<AdminClient>();
    m_console->connectTo(QUrl(u"ws://127.0.0.1:%1/admin"_s.arg(m_app->adminPort())),
                         {u"127.0.0.1"_s, "admin-a", {}});
    QTRY_COMPARE(m_console->state(), AdminClient::State::Online);
}

void tst_ConsoleTelephony::stopServer()
{
    m_console.reset();
    TelephonyServer::stopServer();
}

void tst_ConsoleTelephony::phoneRingAnswerAndClear()
{
    Client phone(m_port);
    QVERIFY(phone.waitConnected());
    const QJsonObject registered = phone.registerPhone(u"10"_s, QString::fromLatin1(officeKeyA));
    QVERIFY(!registered.isEmpty());
    const QString phoneId = registered.value(u"peerId"_s).toString();
    PhonesModel *phones = m_console->phones();
    QTRY_VERIFY(phones->rowOfKey(phoneId) >= 0);
    QCOMPARE(phones->row(phones->rowOfKey(phoneId)).value(u"extension"_s).toString(), u"10"_s);

    // A ring the caller gives up on: the console sees it ring, then cleared (missed).
    RingLogModel *log = m_console->ringLog();
    const int before = log->rowCount();
    QCOMPARE(ringWebhook(u"console-c1"_s, u"+4930111222"_s), 200);
    QTRY_COMPARE(log->rowCount(), before + 1);
    QCOMPARE(log->index(0, RingLogModel::CallIdColumn).data().toString(), u"console-c1"_s);
    QCOMPARE(log->index(0, RingLogModel::FromColumn).data().toString(), u"+4930111222"_s);
    QCOMPARE(log->index(0, 0).data(RingLogModel::StateRole).toString(), u"ringing"_s);
    const HttpReply r = webhook(m_port, "127.0.0.1", "office-ring-clear",
                                json({{u"time"_s, now()},
                                      {u"callId"_s, u"console-c1"_s},
                                      {u"reason"_s, u"caller-hung-up"_s}}),
                                secretA);
    QCOMPARE(r.status, 200);
    QTRY_COMPARE(log->index(0, 0).data(RingLogModel::StateRole).toString(), u"cleared"_s);
    QCOMPARE(log->index(0, RingLogModel::StateColumn).data().toString(), u"cleared (missed)"_s);

    // A ring the phone answers while the bridge is connected.
    Client bridge(m_port);
    QVERIFY(bridge.waitConnected());
    QCOMPARE(bridge.bridgeHello("127.0.0.1", secretA).value(u"type"_s).toString(),
             u"bridge-welcome"_s);
    QCOMPARE(ringWebhook(u"console-c2"_s, u"+4930333444"_s), 200);
    QVERIFY(!phone.take(u"ring"_s).isEmpty());
    QTRY_COMPARE(log->index(0, RingLogModel::CallIdColumn).data().toString(), u"console-c2"_s);
    phone.send({{u"type"_s, u"answer"_s}, {u"callId"_s, u"console-c2"_s}});
    QTRY_COMPARE(log->index(0, 0).data(RingLogModel::StateRole).toString(), u"answered"_s);
    QTRY_COMPARE(m_console->counters().value(u"ringing"_s).toInt(), 1);

    // The phone goes away: it leaves the table.
    phone.socket.close();
    QTRY_VERIFY(phones->rowOfKey(phoneId) < 0);
}

void tst_ConsoleTelephony::trunkStatusWebhook()
{
    const HttpReply r = webhook(m_port, "127.0.0.1", "trunk-status",
                                json({{u"time"_s, now()},
                                      {u"trunks"_s,
                                       QJsonArray{QJsonObject{{u"id"_s, u"sipgate"_s},
                                                              {u"host"_s, u"sip.example.net"_s},
                                                              {u"registered"_s, true}}}}}),
                                secretA);
    QCOMPARE(r.status, 200);
    TrunksModel *trunks = m_console->trunks();
    QTRY_COMPARE(trunks->rowCount(), 1);
    QCOMPARE(trunks->row(0).value(u"id"_s).toString(), u"sipgate"_s);
    QCOMPARE(trunks->row(0).value(u"registered"_s).toBool(), true);
}

QTEST_GUILESS_MAIN(tst_ConsoleTelephony)
#include "tst_consoletelephony.moc"
