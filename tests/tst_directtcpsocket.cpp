#include "DataRows.h"
#include "LoopbackTcp.h"
#include "http/DirectTcpSocket.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QTest>
#include <memory>

// DirectTcpSocket: the first write of a round goes straight to the kernel when nothing is
// buffered; later writes of the round, and what the kernel refused, are buffered in order.
class tst_DirectTcpSocket : public QObject {
    Q_OBJECT
private slots:
    void writesOfOneRound_data();
    void writesOfOneRound();
};

void tst_DirectTcpSocket::writesOfOneRound_data()
{
    // firstDirect: nothing buffered after the first write
    addColumns<int, int, bool>("writes", "size", "firstDirect");
    QTest::addRow("1 small write: direct") << 1 << 100 << true;
    QTest::addRow("3 small writes: first direct, rest buffered") << 3 << 100 << true;
    // More than the kernel takes at once: the rest is buffered and still arrives whole.
    QTest::addRow("1 write of 16 MiB: short write buffered") << 1 << (16 << 20) << false;
    QTest::addRow("2 writes of 8 MiB") << 2 << (8 << 20) << false;
}

void tst_DirectTcpSocket::writesOfOneRound()
{
    QFETCH(int, writes);
    QFETCH(int, size);
    QFETCH(bool, firstDirect);
    QTcpServer server;
    DirectTcpSocket client;
    QByteArray received;
    const auto peer = connectLoopback(server, client, &received);
    QVERIFY(peer);
    QByteArray expected;
    QList<qint64> buffered;
    bool done = false;
    QMetaObject::invokeMethod(
        this,
        [&] {
            for (int i = 0; i < writes; ++i) {
                const QByteArray chunk(size, char('a' + i));
                expected += chunk;
                QCOMPARE(client.write(chunk), qint64(size));
                buffered.append(client.bytesToWrite());
            }
            done = true;
        },
        Qt::QueuedConnection);
    QTRY_VERIFY(done);
    QCOMPARE(buffered.size(), writes);
    if (firstDirect) {
        QCOMPARE(buffered.at(0), qint64(0)); // went to the kernel at once
        for (int i = 1; i < writes; ++i)
            QCOMPARE(buffered.at(i), qint64(i) * size); // same round: buffered behind it
    } else {
        QVERIFY(buffered.at(0) > 0); // the kernel took only part of it
    }
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), expected.size(), 20000);
    QVERIFY(received == expected);
    QCOMPARE(client.bytesToWrite(), qint64(0));
}

QTEST_GUILESS_MAIN(tst_DirectTcpSocket)
#include "tst_directtcpsocket.moc"
