#include "DataRows.h"
#include "TestServer.h"
#include "app/Application.h"
#include "config/ServerConfig.h"
#include "http/RequestHead.h"

#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// The HTTP head rules of DESIGN.md "Limits": the smuggling shapes are 400 and close, a bare LF
// is a line end (or 400), never a hang, and every answer carries exactly its Content-Length.
class tst_RequestHead : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    ServerConfig config()
    {
        ServerConfig c = testserver::config(m_dir.path());
        c.httpIdleTimeoutSec = 30; // a hang would show as a missing answer, not a timeout close
        c.tenants = {testserver::tenant({u"localhost"_s}, "admin", "bridge")};
        return c;
    }

    // One exchange: what came back before the server closed or 3 s passed.
    struct Exchange {
        int status = 0; // 0: no answer
        QByteArray head;
        QByteArray body;
        qint64 contentLength = -1;
        bool closed = false;
    };
    static Exchange exchange(quint16 port, const QByteArray &request)
    {
        Exchange e;
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(3000))
            return e;
        s.write(request);
        QByteArray got;
        [[maybe_unused]] const bool answered = QTest::qWaitFor(
            [&] {
                got += s.readAll();
                const qsizetype end = got.indexOf("\r\n\r\n");
                if (end >= 0 && e.contentLength < 0) {
                    for (const QByteArray &line : got.left(end).split('\n')) {
                        if (line.toLower().startsWith("content-length:"))
                            e.contentLength = line.mid(15).trimmed().toLongLong();
                    }
                }
                const bool whole
                    = end >= 0 && e.contentLength >= 0 && got.size() - end - 4 >= e.contentLength;
                return whole
                    && (s.state() != QAbstractSocket::ConnectedState
                        || !got.left(end).contains("Connection: close"));
            },
            3000);
        // a closing answer: wait for the close itself
        if (got.left(got.indexOf("\r\n\r\n")).contains("Connection: close")) {
            [[maybe_unused]] const bool closed = QTest::qWaitFor(
                [&] { return s.state() != QAbstractSocket::ConnectedState; }, 3000);
        }
        got += s.readAll();
        e.closed = s.state() != QAbstractSocket::ConnectedState;
        const qsizetype end = got.indexOf("\r\n\r\n");
        if (end < 0)
            return e;
        e.head = got.left(end);
        e.body = got.mid(end + 4);
        e.status = got.mid(9, 3).toInt();
        return e;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void read_data()
    {
        // kind: RequestHead::Outcome::Kind
        addColumns<QByteArray, int, qint64>("buffer", "kind", "contentLength");
        using K = RequestHead::Outcome::Kind;
        const QByteArray get = "GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\n";
        QTest::addRow("complete") << get + "\r\n" << int(K::Ok) << qint64(0);
        QTest::addRow("partial") << get << int(K::NeedMore) << qint64(0);
        QTest::addRow("partial after CR") << get + "\r" << int(K::NeedMore) << qint64(0);
        QTest::addRow("bare LF head")
            << QByteArray("GET /signal.ashx HTTP/1.1\nHost: localhost\n\n") << int(K::Ok)
            << qint64(0);
        QTest::addRow("mixed line ends")
            << QByteArray("GET /signal.ashx HTTP/1.1\nHost: localhost\r\n\n") << int(K::Ok)
            << qint64(0);
        QTest::addRow("bare CR in a line")
            << QByteArray("GET /signal.ashx HTTP/1.1\r\nHost: local\rhost\r\n\r\n")
            << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length") << get + "Content-Length: 12\r\n\r\n"
                                        << int(K::Ok) << qint64(12);
        QTest::addRow("duplicate content-length")
            << get + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n"
            << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length space before colon") << get + "Content-Length : 2\r\n\r\n"
                                                           << int(K::Malformed) << qint64(0);
        QTest::addRow("tab before colon") << get + "X-A\t: 2\r\n\r\n"
                                          << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length plus") << get + "Content-Length: +2\r\n\r\n"
                                             << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length negative") << get + "Content-Length: -1\r\n\r\n"
                                                 << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length hex") << get + "Content-Length: 0x2\r\n\r\n"
                                            << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length list") << get + "Content-Length: 2, 2\r\n\r\n"
                                             << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length empty") << get + "Content-Length:\r\n\r\n"
                                              << int(K::Malformed) << qint64(0);
        QTest::addRow("content-length huge") << get + "Content-Length: 99999999999999999999\r\n\r\n"
                                             << int(K::Malformed) << qint64(0);
        QTest::addRow("obs-fold") << get + " folded\r\n\r\n" << int(K::Malformed) << qint64(0);
        QTest::addRow("two hosts") << get + "Host: other\r\n\r\n" << int(K::Malformed) << qint64(0);
        QTest::addRow("too large") << get + QByteArray(9000, 'a') << int(K::TooLarge) << qint64(0);
        QTest::addRow("too large, ends late") << get + "X: " + QByteArray(9000, 'a') + "\r\n\r\n"
                                              << int(K::TooLarge) << qint64(0);
        QTest::addRow("empty line first")
            << QByteArray("\r\n\r\n") << int(K::Malformed) << qint64(0);
    }
    void read()
    {
        QFETCH(QByteArray, buffer);
        QFETCH(int, kind);
        QFETCH(qint64, contentLength);
        const auto outcome = RequestHead::read(buffer, 8192);
        QCOMPARE(int(outcome.kind), kind);
        if (outcome.kind == RequestHead::Outcome::Kind::Ok) {
            QVERIFY(outcome.parsed);
            QCOMPARE(outcome.parsed->contentLength, contentLength);
            QCOMPARE(outcome.parsed->request.host, u"localhost"_s);
            QVERIFY(outcome.consumed <= buffer.size());
        }
    }

    void overTheWire_data()
    {
        addColumns<QByteArray, int, bool>("request", "status", "closes");
        const QByteArray post = "POST /signal.ashx?office-ring HTTP/1.1\r\nHost: localhost\r\n";
        QTest::addRow("plain get")
            << QByteArray("GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\n\r\n") << 200 << false;
        QTest::addRow("bare LF get")
            << QByteArray("GET /signal.ashx HTTP/1.1\nHost: localhost\n\n") << 200 << false;
        QTest::addRow("bare LF upgrade")
            << QByteArray("GET /signal.ashx HTTP/1.1\nHost: localhost\nUpgrade: websocket\n"
                          "Connection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
                          "Sec-WebSocket-Version: 13\n\n")
            << 400 << true;
        QTest::addRow("duplicate content-length")
            << post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" << 400 << true;
        QTest::addRow("space before colon") << post + "Content-Length : 2\r\n\r\n{}" << 400 << true;
        QTest::addRow("plus sign") << post + "Content-Length: +2\r\n\r\n{}" << 400 << true;
        QTest::addRow("bare CR") << QByteArray(
            "GET /signal.ashx HTTP/1.1\r\nHost: localhost\rX: y\r\n\r\n")
                                 << 400 << true;
        QTest::addRow("head too large")
            << QByteArray("GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\nX: "
                          + QByteArray(9000, 'a') + "\r\n\r\n")
            << 431 << true;
        QTest::addRow("static page")
            << QByteArray("GET /room.js HTTP/1.1\r\nHost: localhost\r\n\r\n") << 200 << false;
        QTest::addRow("static page, dot segment")
            << QByteArray("GET /./room.js HTTP/1.1\r\nHost: localhost\r\n\r\n") << 404 << false;
        QTest::addRow("static page, doubled slash")
            << QByteArray("GET //room.js HTTP/1.1\r\nHost: localhost\r\n\r\n") << 404 << false;
        QTest::addRow("not found")
            << QByteArray("GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n") << 404 << false;
    }
    // Each is answered at once with its status, the body is exactly Content-Length bytes, and
    // the smuggling shapes close the connection.
    void overTheWire()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(bool, closes);
        Application app(config());
        QVERIFY(app.start());
        const Exchange e = exchange(app.httpPort(), request);
        QCOMPARE(e.status, status);
        QCOMPARE(e.contentLength, qint64(e.body.size()));
        QCOMPARE(e.closed, closes);
        if (status >= 400)
            QVERIFY2(e.body.startsWith("{\"error\""), e.body.constData());
    }

    // The connection limit's 429 is written before any head is read, through the same
    // serializer: its Content-Length is its body's (issue 15: 75 over 81 bytes).
    void tooManyConnectionsCarriesItsBody()
    {
        ServerConfig cfg = config();
        cfg.limits.maxConnectionsPerIp = 1;
        Application app(cfg);
        QVERIFY(app.start());
        QTcpSocket first;
        first.connectToHost(QHostAddress::LocalHost, app.httpPort());
        QVERIFY(first.waitForConnected(3000));
        const Exchange e
            = exchange(app.httpPort(), "GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QCOMPARE(e.status, 429);
        QCOMPARE(e.contentLength, qint64(e.body.size()));
        QVERIFY(e.body.contains("too-many-requests"));
    }
};

QTEST_GUILESS_MAIN(tst_RequestHead)
#include "tst_requesthead.moc"
