// NatsLink against a real nats-server: messages in order and byte-exact on the loop thread,
// connecting before the server is there, and reconnecting after it restarts.

#include "NatsServer.h"
#include "cluster/NatsLink.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

class tst_NatsLink : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void connectsWhenServerArrives();
    void reconnectsAfterRestart();

private:
    NatsServer m_nats;
};

void tst_NatsLink::initTestCase()
{
    QVERIFY2(m_nats.start(), "nats-server did not start");
}

void tst_NatsLink::roundTrip_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("count");
    QTest::addRow("empty") << QByteArray() << 1;
    QTest::addRow("text") << QByteArray("{\"type\":\"signal\",\"data\":{\"a\":1}}") << 1;
    QByteArray binary;
    for (int i = 0; i < 256; ++i)
        binary.append(char(i));
    QTest::addRow("every byte value") << binary << 1;
    QTest::addRow("large (200 KiB)") << QByteArray(200 * 1024, 'x') << 1;
    QTest::addRow("burst of 2000 in order") << QByteArray("m") << 2000;
}

void tst_NatsLink::roundTrip()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, count);
    NatsLink a, b;
    QSignalSpy aUp(&a, &NatsLink::connectedChanged);
    QSignalSpy bUp(&b, &NatsLink::connectedChanged);
    QVERIFY(a.start(m_nats.url(), "a"));
    QVERIFY(b.start(m_nats.url(), "b"));
    b.subscribe("test.rt");
    b.subscribe("test.probe");
    QTRY_VERIFY(a.isConnected() && b.isConnected());
    QCOMPARE(aUp.size(), 1);
    // The subscriptions are in place once a probe on the later one arrives.
    QList<QByteArray> got;
    const QThread *loopThread = QThread::currentThread();
    bool allOnLoop = true;
    bool probed = false;
    connect(&b, &NatsLink::message, this,
            [&](const QByteArray &subject, const QByteArray &data, const QByteArray &) {
                allOnLoop = allOnLoop && QThread::currentThread() == loopThread;
                if (subject == "test.rt")
                    got.append(data);
                else
                    probed = true;
            });
    QTRY_VERIFY_WITH_TIMEOUT((a.publish("test.probe", "probe"), probed), 5000);
    for (int i = 0; i < count; ++i)
        QVERIFY(a.publish("test.rt", count > 1 ? payload + QByteArray::number(i) : payload));
    QTRY_COMPARE_WITH_TIMEOUT(got.size(), count, 10000);
    for (int i = 0; i < count; ++i)
        QCOMPARE(got[i], count > 1 ? payload + QByteArray::number(i) : payload);
    QVERIFY(allOnLoop);
}

void tst_NatsLink::connectsWhenServerArrives()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    NatsLink link;
    QVERIFY(link.start("nats://127.0.0.1:" + QByteArray::number(port), "late"));
    link.subscribe("test.late");
    QTest::qWait(0);
    QVERIFY(!link.isConnected());
    NatsServer late;
    QVERIFY(late.start(port));
    QTRY_VERIFY_WITH_TIMEOUT(link.isConnected(), 10000);
    NatsLink sender;
    QVERIFY(sender.start(late.url(), "sender"));
    QTRY_VERIFY(sender.isConnected());
    QSignalSpy messages(&link, &NatsLink::message);
    QTRY_VERIFY_WITH_TIMEOUT((sender.publish("test.late", "hi"), !messages.isEmpty()), 5000);
}

void tst_NatsLink::reconnectsAfterRestart()
{
    NatsServer own;
    QVERIFY(own.start());
    NatsLink a, b;
    QVERIFY(a.start(own.url(), "a"));
    QVERIFY(b.start(own.url(), "b"));
    b.subscribe("test.again");
    QTRY_VERIFY(a.isConnected() && b.isConnected());
    const quint16 port = own.port();
    own.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!a.isConnected() && !b.isConnected(), 10000);
    QVERIFY(own.start(port));
    QTRY_VERIFY_WITH_TIMEOUT(a.isConnected() && b.isConnected(), 10000);
    QSignalSpy messages(&b, &NatsLink::message);
    QTRY_VERIFY_WITH_TIMEOUT((a.publish("test.again", "back"), !messages.isEmpty()), 5000);
    QCOMPARE(messages.first().at(1).toByteArray(), QByteArray("back"));
}

QTEST_GUILESS_MAIN(tst_NatsLink)
#include "tst_natslink.moc"
