// Crash safety through the running server (issue "Reliability", item 4): `kill -9` in the middle
// of CDR writes loses no committed row and the database opens cleanly.
//
// A CDR is committed when the bridge's `office-ring-clear` is answered: RingDispatcher::finish()
// writes it with Store::addCdr (one transaction, WAL, synchronous=FULL) inside the webhook
// handler, before the handler returns the answer. So every callId whose clear got 200 must have
// its row after SIGKILL, whatever else was in flight.

#include "DataRows.h"
#include "RawHttp.h"
#include "ServerChild.h"
#include "Signing.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace {
const QByteArray host = QByteArrayLiteral("127.0.0.1");

QByteArray hexMac(QByteArrayView secret, const QByteArray &message)
{
    return Signing::sign(secret, message);
}

// Unix seconds with a fraction that differs on every call: each admin signature is accepted once.
QByteArray uniqueTime()
{
    static int counter = 0;
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    return QByteArray::number(ms / 1000) + '.'
        + QByteArray::number(ms % 1000).rightJustified(3, '0')
        + QByteArray::number(++counter % 1000000).rightJustified(6, '0');
}

// What the calls of one test row leave behind, as the test's side saw it.
struct Ledger {
    QSet<QString> cleared; // an office-ring-clear was written (its CDR may or may not exist)
    QSet<QString> acked; // ... and answered 200 {"ok":true}: the CDR is committed
};

// A bridge on one keep-alive connection that rings and clears calls back to back, always with a
// request outstanding, until the connection dies.
class BridgeClient : public QObject {
public:
    BridgeClient(quint16 port, const QString &prefix, const QByteArray &reason, Ledger &ledger,
                 QObject *parent)
        : QObject(parent), m_prefix(prefix), m_reason(reason), m_ledger(ledger)
    {
        connect(&m_socket, &QTcpSocket::connected, this, &BridgeClient::ring);
        connect(&m_socket, &QTcpSocket::readyRead, this, &BridgeClient::onReadyRead);
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] { m_gone = true; });
        connect(&m_socket, &QTcpSocket::errorOccurred, this, [this] { m_gone = true; });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }

    bool waiting() const { return m_waiting && !m_gone; }
    bool gone() const { return m_gone; }
    QString failure() const { return m_failure; }

private:
    void post(const QByteArray &flag, const QByteArray &body)
    {
        const QByteArray sig
            = hexMac(serverchild::bridgeSecret, Signing::webhook(flag, host, body));
        m_socket.write("POST /signal.ashx?" + flag + " HTTP/1.1\r\nHost: " + host
                       + "\r\nContent-Length: " + QByteArray::number(body.size())
                       + "\r\nX-Sig: " + sig + "\r\n\r\n" + body);
        m_waiting = true;
    }

    void ring()
    {
        m_callId = m_prefix + QString::number(++m_calls);
        m_clearing = false;
        post("office-ring",
             R"({"time":)" + QByteArray::number(QDateTime::currentSecsSinceEpoch())
                 + R"(,"callId":")" + m_callId.toUtf8() + R"(","from":"+4930123456","to":"*"})");
    }

    void clear()
    {
        m_clearing = true;
        m_ledger.cleared.insert(m_callId);
        post("office-ring-clear",
             R"({"time":)" + QByteArray::number(QDateTime::currentSecsSinceEpoch())
                 + R"(,"callId":")" + m_callId.toUtf8() + R"(","reason":")" + m_reason + R"("})");
    }

    // Takes every complete answer from the buffer; each one moves the call a step on.
    void onReadyRead()
    {
        m_buffer += m_socket.readAll();
        for (;;) {
            const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            const QByteArray head = m_buffer.left(headEnd).toLower();
            const qsizetype cl = head.indexOf("\r\ncontent-length:");
            const qsizetype length = cl < 0
                ? 0
                : head.mid(cl + 17, head.indexOf('\r', cl + 2) - cl - 17).trimmed().toLongLong();
            if (m_buffer.size() < headEnd + 4 + length)
                return;
            const int status = m_buffer.mid(9, 3).toInt();
            const QByteArray body = m_buffer.mid(headEnd + 4, length);
            m_buffer.remove(0, headEnd + 4 + length);
            m_waiting = false;
            if (status != 200 || (m_clearing && body != R"({"ok":true})")) {
                m_failure = u"%1 answered %2: %3"_s.arg(m_clearing ? u"clear"_s : u"ring"_s)
                                .arg(status)
                                .arg(QString::fromUtf8(body));
                m_socket.abort();
                return;
            }
            if (!m_clearing) {
                clear();
            } else {
                m_ledger.acked.insert(m_callId);
                ring();
            }
        }
    }

    QTcpSocket m_socket;
    QString m_prefix;
    QByteArray m_reason;
    Ledger &m_ledger;
    QByteArray m_buffer;
    QString m_callId;
    int m_calls = 0;
    bool m_clearing = false;
    bool m_waiting = false;
    bool m_gone = false;
    QString m_failure;
};
} // namespace

class tst_CrashSafety : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void killMidCdrWrites_data();
    void killMidCdrWrites();

private:
    static QProcessEnvironment quietEnvironment();
    // Every CDR callId ?cdrlog lists, paged newest first; false when a page is refused.
    static bool cdrLog(quint16 port, QHash<QString, QString> *results);
};

void tst_CrashSafety::initTestCase()
{
    QVERIFY(QSqlDatabase::isDriverAvailable(u"QSQLITE"_s));
}

QProcessEnvironment tst_CrashSafety::quietEnvironment()
{
    // One info line per ring and per webhook would only fill the pipe; errors still show.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_LOGGING_RULES"_s,
               u"switchboard.ring.info=false\nswitchboard.webhook.info=false"_s);
    return env;
}

bool tst_CrashSafety::cdrLog(quint16 port, QHash<QString, QString> *results)
{
    qint64 before = 0;
    for (;;) {
        QByteArray query = "cdrlog=1&limit=1000";
        if (before > 0)
            query += "&before=" + QByteArray::number(before);
        const QByteArray time = uniqueTime();
        const QByteArray sig
            = hexMac(serverchild::adminSecret, Signing::adminRequest("GET", query, host, time, {}));
        const RawResponse r
            = rawHttp(port,
                      httpRequest("GET", query, host,
                                  "X-Admin-Time: " + time + "\r\nX-Admin-Sig: " + sig + "\r\n"));
        if (r.status != 200) {
            qWarning("cdrlog answered %d: %s", r.status, r.body.constData());
            return false;
        }
        const QJsonObject o = r.json();
        for (const QJsonValue &v : o.value(u"cdrs"_s).toArray()) {
            const QJsonObject cdr = v.toObject();
            results->insert(cdr.value(u"callId"_s).toString(), cdr.value(u"result"_s).toString());
        }
        before = o.value(u"nextBefore"_s).toInteger();
        if (before == 0)
            return true;
    }
}

void tst_CrashSafety::killMidCdrWrites_data()
{
    // ackedBeforeKill: acknowledged CDRs to see before the kill
    // reason: office-ring-clear reason
    // result: the CDR result it gives (nobody answered)
    // checkpointed: rows have reached the main file, not only the WAL
    addColumns<int, int, QByteArray, QString, bool>("clients", "ackedBeforeKill", "reason",
                                                    "result", "checkpointed");

    QTest::addRow("first rows, one bridge") << 1 << 20 << "cleared"_ba << u"cleared"_s << false;
    QTest::addRow("hundreds, 4 bridges") << 4 << 300 << "cleared"_ba << u"cleared"_s << false;
    QTest::addRow("hundreds, caller hung up, 8 bridges")
        << 8 << 400 << "caller-hung-up"_ba << u"missed"_s << false;
    // Each commit appends a few pages to the WAL; past ~1000 SQLite checkpoints into the main
    // file, so the kill may land in or after a checkpoint.
    QTest::addRow("past a WAL checkpoint, 8 bridges")
        << 8 << 1500 << "cleared"_ba << u"cleared"_s << true;
}

void tst_CrashSafety::killMidCdrWrites()
{
    QFETCH(int, clients);
    QFETCH(int, ackedBeforeKill);
    QFETCH(QByteArray, reason);
    QFETCH(QString, result);
    QFETCH(bool, checkpointed);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString config = serverchild::writeConfig(dir.path(), {QString::fromLatin1(host)});
    QVERIFY(!config.isEmpty());

    // 1. A steady stream of CDR writes from several bridges, then SIGKILL with requests in flight.
    Ledger ledger;
    {
        QProcess server;
        server.setProcessEnvironment(quietEnvironment());
        const quint16 port = serverchild::start(server, {u"--config"_s, config});
        QVERIFY(port);
        QObject stream;
        QList<BridgeClient *> bridges;
        for (int i = 0; i < clients; ++i)
            bridges.append(new BridgeClient(port, u"crash-%1-"_s.arg(i), reason, ledger, &stream));
        const auto failures = [&]() -> QString {
            QStringList out;
            for (const BridgeClient *b : std::as_const(bridges)) {
                if (!b->failure().isEmpty())
                    out.append(b->failure());
            }
            return out.join(u"; "_s);
        };
        QTRY_VERIFY2_WITH_TIMEOUT(ledger.acked.size() >= ackedBeforeKill || !failures().isEmpty(),
                                  qPrintable(u"%1 acknowledged"_s.arg(ledger.acked.size())),
                                  120000);
        QVERIFY2(failures().isEmpty(), qPrintable(failures()));
        const auto inFlight = std::count_if(bridges.cbegin(), bridges.cend(),
                                            [](const BridgeClient *b) { return b->waiting(); });
        QVERIFY(inFlight > 0);
        server.kill(); // SIGKILL
        QTRY_COMPARE_WITH_TIMEOUT(server.state(), QProcess::NotRunning, 10000);
        QCOMPARE(server.exitStatus(), QProcess::CrashExit);
        // Answers already on the wire still count: wait until every bridge saw its connection end.
        QTRY_VERIFY(std::all_of(bridges.cbegin(), bridges.cend(),
                                [](const BridgeClient *b) { return b->gone(); }));
        qInfo("killed with %d requests in flight, %d CDRs acknowledged, %d clears sent",
              int(inFlight), int(ledger.acked.size()), int(ledger.cleared.size()));
    }

    // 2. The files as the kill left them, copied so the restart below also meets them unrecovered.
    const QString db = QDir(dir.path()).filePath(u"switchboard.db"_s);
    qInfo("main file %lld bytes, WAL %lld bytes", QFileInfo(db).size(),
          QFileInfo(db + u"-wal"_s).size());
    if (checkpointed)
        QVERIFY(QFileInfo(db).size() > 64 * 1024);
    QTemporaryDir snapshot;
    QVERIFY(snapshot.isValid());
    const QString copy = QDir(snapshot.path()).filePath(u"switchboard.db"_s);
    for (const QString &suffix : {u""_s, u"-wal"_s, u"-shm"_s}) {
        if (QFile::exists(db + suffix))
            QVERIFY(QFile::copy(db + suffix, copy + suffix));
    }
    QHash<QString, QString> stored; // callId -> result
    {
        const QString connection = u"crash-snapshot"_s;
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
            sql.setDatabaseName(copy);
            QVERIFY2(sql.open(), qPrintable(sql.lastError().text()));
            QSqlQuery q(sql);
            QVERIFY(q.exec(u"PRAGMA integrity_check"_s));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), u"ok"_s);
            QVERIFY(q.exec(u"SELECT call_id, result, direction FROM cdrs"_s));
            while (q.next()) {
                const QString callId = q.value(0).toString();
                QVERIFY2(!stored.contains(callId), qPrintable(u"two rows for "_s + callId));
                QCOMPARE(q.value(2).toString(), u"in"_s);
                stored.insert(callId, q.value(1).toString());
            }
        }
        QSqlDatabase::removeDatabase(connection);
    }
    for (const QString &callId : std::as_const(ledger.acked)) {
        QVERIFY2(stored.contains(callId), qPrintable(u"acknowledged CDR lost: "_s + callId));
        QCOMPARE(stored.value(callId), result);
    }
    // Rows beyond the acknowledged ones can only be clears the kill cut off before their answer.
    for (auto it = stored.cbegin(); it != stored.cend(); ++it)
        QVERIFY2(ledger.cleared.contains(it.key()), qPrintable(u"unexpected row "_s + it.key()));

    // 3. The server starts again on the crashed files and lists the same rows.
    QProcess server;
    server.setProcessEnvironment(quietEnvironment());
    const quint16 port = serverchild::start(server, {u"--config"_s, config});
    QVERIFY(port);
    QHash<QString, QString> listed;
    QVERIFY(cdrLog(port, &listed));
    QCOMPARE(listed.size(), stored.size());
    for (const QString &callId : std::as_const(ledger.acked))
        QVERIFY2(listed.value(callId) == result, qPrintable(u"?cdrlog lacks "_s + callId));
    server.terminate();
    QTRY_COMPARE_WITH_TIMEOUT(server.state(), QProcess::NotRunning, 10000);
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_CrashSafety)
#include "tst_crashsafety.moc"
