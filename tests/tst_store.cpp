// The durable store: CRUD results, log paging, pruning, schema migrations from every older
// version, and crash safety of a write transaction (a child process dies mid-transaction).

#include "DataRows.h"
#include "store/Store.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {
const QString kA = u"a.example.com"_s;
const QString kB = u"b.example.com"_s;

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

// Version 1 as it shipped is Store's migration step 1, which shippedStepsUnchanged() pins by
// digest (an edit of a shipped step fails there instead of silently changing what "a v1 file"
// means); these rows fill every v1 table.
const char *const kRowsV1[] = {
    "INSERT INTO virtual_numbers VALUES ('a.example.com', '2000', 'Reception', 'tts',"
    " 'Hello', 0, 60, 1, 'anonymous')",
    "INSERT INTO aliases VALUES ('a.example.com', '+4930123456', 'Front desk')",
    "INSERT INTO whitelist VALUES ('a.example.com', '2000', 'virtual number')",
    "INSERT INTO cdrs (tenant, call_id, direction, from_number, to_number, room, started_ms,"
    " answered_ms, ended_ms, result) VALUES ('a.example.com', 'c1', 'out', 'room:r',"
    " '2000', 'r', 1000, NULL, 2000, 'failed')",
    "INSERT INTO dial_log (tenant, at_ms, call_id, room, peer_id, number, outcome)"
    " VALUES ('a.example.com', 1000, 'c1', 'r', 'p', '2000', 'dialing')",
    "PRAGMA user_version = 1",
};

// Writes a database file at an older schema version by hand.
bool writeOldVersion(const QString &path, int version, QString *error)
{
    const QString name = u"fixture-%1"_s.arg(version);
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        ok = db.open();
        if (ok && version == 1) {
            QStringList statements = Store::migrationStep(1);
            for (const char *row : kRowsV1)
                statements.append(QString::fromLatin1(row));
            for (const QString &sql : statements) {
                QSqlQuery q(db);
                if (!q.exec(sql)) {
                    *error = q.lastError().text();
                    ok = false;
                    break;
                }
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

VirtualNumber vnum(const QString &number, const QString &name)
{
    VirtualNumber vn;
    vn.number = number;
    vn.name = name;
    vn.mode = u"tts"_s;
    vn.text = u"Welcome to the office"_s;
    vn.startMs = 1500;
    vn.maxSec = 120;
    vn.loop = true;
    vn.visibility = u"internal"_s;
    return vn;
}

// The child half of crashMidTransaction(): opens the store, makes one write that dies in its
// transaction before COMMIT, by _exit (mode "exit") or by SIGKILL from the parent ("kill").
int crashChild(const char *mode, const char *path)
{
    Store store;
    QString error;
    if (!store.open(QString::fromLocal8Bit(path), &error)) {
        std::fprintf(stderr, "open failed: %s\n", qPrintable(error));
        return 3;
    }
    const bool kill = qstrcmp(mode, "kill") == 0;
    store.setBeforeCommitHookForTest([kill] {
        std::fputs("in-transaction\n", stdout);
        std::fflush(stdout);
        if (!kill)
            _exit(1);
        for (;;)
            pause(); // the parent kills us here
        return true;
    });
    store.createVirtualNumber(kA, vnum(u"3000"_s, u"Never committed"_s));
    return 2; // reaching this means the hook did not run
}
} // namespace

class tst_Store : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void crud_data();
    void crud();
    void virtualNumberSaveWhitelists();
    void cdrRoundTrip();
    void logPaging_data();
    void logPaging();
    void virtualNumberCallsSince_data();
    void virtualNumberCallsSince();
    void pruning();
    void shippedStepsUnchanged_data();
    void shippedStepsUnchanged();
    void migration_data();
    void migration();
    void refusesBadFiles_data();
    void refusesBadFiles();
    void reopenKeepsData();
    void inMemory();
    void uniqueConnections();
    void crashMidTransaction_data();
    void crashMidTransaction();
    void failedLogWritesRetried_data();
    void failedLogWritesRetried();
    void newerLogRowWaitsForPendingOnes();

private:
    QString freshPath() { return m_dir.filePath(u"db-%1.sqlite"_s.arg(++m_files)); }

    struct PagingFixture {
        QString path;
        QHash<qint64, int> indexOfId;
        QHash<int, qint64> idOfIndex;
    };

    QTemporaryDir m_dir;
    int m_files = 0;
    QHash<QString, PagingFixture> m_paging;
};

void tst_Store::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void tst_Store::crud_data()
{
    addRows<QString>(
        "kind",
        {{"virtual number", u"vnum"_s}, {"alias", u"alias"_s}, {"whitelist", u"whitelist"_s}});
}

// One CRUD walk per table: create, duplicate, read, update, missing, delete, tenant isolation.
void tst_Store::crud()
{
    QFETCH(QString, kind);
    Store store;
    QString error;
    QVERIFY2(store.open(freshPath(), &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());

    using R = Store::Result;
    // Each kind maps the same walk onto its own API; `value` is the non-key field.
    auto create = [&](const QString &tenant, const QString &number, const QString &value) {
        if (kind == u"vnum"_s)
            return store.createVirtualNumber(tenant, vnum(number, value));
        if (kind == u"alias"_s)
            return store.createAlias(tenant, {number, value});
        return store.createWhitelistEntry(tenant, {number, value});
    };
    auto update = [&](const QString &tenant, const QString &number, const QString &value) {
        if (kind == u"vnum"_s)
            return store.updateVirtualNumber(tenant, vnum(number, value));
        if (kind == u"alias"_s)
            return store.updateAlias(tenant, {number, value});
        return store.updateWhitelistEntry(tenant, {number, value});
    };
    auto remove = [&](const QString &tenant, const QString &number) {
        if (kind == u"vnum"_s)
            return store.deleteVirtualNumber(tenant, number);
        if (kind == u"alias"_s)
            return store.deleteAlias(tenant, number);
        return store.deleteWhitelistEntry(tenant, number);
    };
    // The value stored for `number`, or nullopt; `count` is the list's length.
    auto read = [&](const QString &tenant, const QString &number,
                    qsizetype *count) -> std::optional<QString> {
        if (kind == u"vnum"_s) {
            *count = store.virtualNumbers(tenant).size();
            const auto v = store.virtualNumber(tenant, number);
            if (v) {
                const VirtualNumber expected = vnum(number, v->name);
                if (v->mode != expected.mode || v->text != expected.text
                    || v->startMs != expected.startMs || v->maxSec != expected.maxSec
                    || v->loop != expected.loop || v->visibility != expected.visibility)
                    return u"<fields differ>"_s;
            }
            return v ? std::optional(v->name) : std::nullopt;
        }
        if (kind == u"alias"_s) {
            *count = store.aliases(tenant).size();
            const auto a = store.alias(tenant, number);
            return a ? std::optional(a->name) : std::nullopt;
        }
        const auto list = store.whitelist(tenant);
        *count = list.size();
        for (const WhitelistEntry &w : list)
            if (w.number == number)
                return w.note;
        return std::nullopt;
    };
    qsizetype count = -1;

    QCOMPARE(create(kA, u"2000"_s, u"first"_s), R::Ok);
    QCOMPARE(create(kA, u"2000"_s, u"again"_s), R::Duplicate);
    QCOMPARE(create(kA, u""_s, u"empty"_s), R::Failed);
    QCOMPARE(read(kA, u"2000"_s, &count), std::optional(u"first"_s));
    QCOMPARE(count, 1);
    // The same key in another tenant is another row.
    QCOMPARE(read(kB, u"2000"_s, &count), std::nullopt);
    QCOMPARE(count, 0);
    QCOMPARE(create(kB, u"2000"_s, u"b's"_s), R::Ok);

    QCOMPARE(update(kA, u"2000"_s, u"second"_s), R::Ok);
    QCOMPARE(read(kA, u"2000"_s, &count), std::optional(u"second"_s));
    QCOMPARE(read(kB, u"2000"_s, &count), std::optional(u"b's"_s));
    QCOMPARE(update(kA, u"2999"_s, u"none"_s), R::NotFound);
    QCOMPARE(read(kA, u"2999"_s, &count), std::nullopt);

    QCOMPARE(remove(kA, u"2000"_s), R::Ok);
    QCOMPARE(remove(kA, u"2000"_s), R::NotFound);
    QCOMPARE(read(kA, u"2000"_s, &count), std::nullopt);
    QCOMPARE(read(kB, u"2000"_s, &count), std::optional(u"b's"_s));

    store.close();
    QVERIFY(!store.isOpen());
    QCOMPARE(create(kA, u"2001"_s, u"closed"_s), R::Failed);
}

void tst_Store::virtualNumberSaveWhitelists()
{
    Store store;
    QVERIFY(store.open(freshPath()));
    QVERIFY(!store.isWhitelisted(kA, u"2000"_s));
    QCOMPARE(store.createVirtualNumber(kA, vnum(u"2000"_s, u"Reception"_s)), Store::Result::Ok);
    QVERIFY(store.isWhitelisted(kA, u"2000"_s));
    QVERIFY(!store.isWhitelisted(kB, u"2000"_s));

    // An operator's note on an existing entry survives a save.
    QCOMPARE(store.createWhitelistEntry(kA, {u"2001"_s, u"kept note"_s}), Store::Result::Ok);
    QCOMPARE(store.createVirtualNumber(kA, vnum(u"2001"_s, u"Other"_s)), Store::Result::Ok);
    bool found = false;
    for (const WhitelistEntry &w : store.whitelist(kA))
        if (w.number == u"2001"_s) {
            found = true;
            QCOMPARE(w.note, u"kept note"_s);
        }
    QVERIFY(found);

    // Updating puts it back after the entry was removed by hand.
    QCOMPARE(store.deleteWhitelistEntry(kA, u"2000"_s), Store::Result::Ok);
    QVERIFY(!store.isWhitelisted(kA, u"2000"_s));
    QCOMPARE(store.updateVirtualNumber(kA, vnum(u"2000"_s, u"Renamed"_s)), Store::Result::Ok);
    QVERIFY(store.isWhitelisted(kA, u"2000"_s));
    // A failed update whitelists nothing.
    QCOMPARE(store.updateVirtualNumber(kA, vnum(u"2999"_s, u"x"_s)), Store::Result::NotFound);
    QVERIFY(!store.isWhitelisted(kA, u"2999"_s));
}

void tst_Store::cdrRoundTrip()
{
    Store store;
    QVERIFY(store.open(freshPath()));
    CdrRecord c;
    c.callId = u"call-1"_s;
    c.direction = u"in"_s;
    c.from = u"+4930111222"_s;
    c.to = u"*"_s;
    c.room = u"call-abc"_s;
    c.startedAt = utc(1'700'000'000'123);
    c.answeredAt = utc(1'700'000'005'456);
    c.endedAt = utc(1'700'000'060'789);
    c.result = u"answered"_s;
    c.virtualNumber = false;
    const qint64 id = store.addCdr(kA, c);
    QVERIFY(id > 0);
    CdrRecord unanswered = c;
    unanswered.callId = u"call-2"_s;
    unanswered.answeredAt = {};
    unanswered.result = u"missed"_s;
    unanswered.virtualNumber = true;
    const qint64 id2 = store.addCdr(kA, unanswered);
    QVERIFY(id2 > id);

    const auto rows = store.cdrs(kA);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].id, id2);
    QVERIFY(!rows[0].answeredAt.isValid());
    QCOMPARE(rows[0].virtualNumber, true);
    const CdrRecord &r = rows[1];
    QCOMPARE(r.id, id);
    QCOMPARE(r.callId, c.callId);
    QCOMPARE(r.direction, c.direction);
    QCOMPARE(r.from, c.from);
    QCOMPARE(r.to, c.to);
    QCOMPARE(r.room, c.room);
    QCOMPARE(r.startedAt, c.startedAt);
    QCOMPARE(r.startedAt.timeSpec(), Qt::UTC);
    QCOMPARE(r.answeredAt, c.answeredAt);
    QCOMPARE(r.endedAt, c.endedAt);
    QCOMPARE(r.result, c.result);
    QCOMPARE(r.virtualNumber, false);
    QVERIFY(store.cdrs(kB).isEmpty());

    DialLogRecord dial;
    dial.at = utc(1'700'000'000'999);
    dial.room = u"room-x"_s;
    dial.peerId = u"peer"_s;
    dial.number = u"2000"_s;
    dial.outcome = u"unknown-number"_s;
    QVERIFY(store.addDial(kA, dial) > 0);
    const auto dials = store.dials(kA);
    QCOMPARE(dials.size(), 1);
    QCOMPARE(dials[0].at, dial.at);
    QCOMPARE(dials[0].callId, QString());
    QCOMPARE(dials[0].room, dial.room);
    QCOMPARE(dials[0].peerId, dial.peerId);
    QCOMPARE(dials[0].number, dial.number);
    QCOMPARE(dials[0].outcome, dial.outcome);
    QVERIFY(store.dials(kB).isEmpty());
}

void tst_Store::logPaging_data()
{
    // Ten rows of tenant A at minutes 1..10 (row i has the i-th id among A's rows), interleaved
    // with rows of tenant B that must never show up. `expected` lists A-row indexes (1-based).
    // beforeIndex: 0: no bound
    // fromMinute: 0: no bound
    // toMinute: 0: no bound
    addColumns<QString, int, int, int, int, QList<int>>("log", "limit", "beforeIndex", "fromMinute",
                                                        "toMinute", "expected");
    for (const QString &log : {u"cdr"_s, u"dial"_s}) {
        const QByteArray p = log.toLatin1() + ": ";
        QTest::addRow("%sall, newest first", p.constData())
            << log << 100 << 0 << 0 << 0 << QList<int>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        QTest::addRow("%slimit 3", p.constData())
            << log << 3 << 0 << 0 << 0 << QList<int>{10, 9, 8};
        QTest::addRow("%slimit 0 is 1", p.constData()) << log << 0 << 0 << 0 << 0 << QList<int>{10};
        QTest::addRow("%slimit over 1000", p.constData())
            << log << 5000 << 0 << 0 << 0 << QList<int>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        QTest::addRow("%sbefore (next page)", p.constData())
            << log << 3 << 8 << 0 << 0 << QList<int>{7, 6, 5};
        QTest::addRow("%sbefore the first", p.constData())
            << log << 3 << 1 << 0 << 0 << QList<int>{};
        QTest::addRow("%sfrom (inclusive)", p.constData())
            << log << 100 << 0 << 8 << 0 << QList<int>{10, 9, 8};
        QTest::addRow("%sto (inclusive)", p.constData())
            << log << 100 << 0 << 0 << 2 << QList<int>{2, 1};
        QTest::addRow("%sfrom and to", p.constData())
            << log << 100 << 0 << 4 << 6 << QList<int>{6, 5, 4};
        QTest::addRow("%sfrom, to, before, limit", p.constData())
            << log << 2 << 6 << 2 << 9 << QList<int>{5, 4};
        QTest::addRow("%sempty window", p.constData())
            << log << 100 << 0 << 11 << 0 << QList<int>{};
    }
}

void tst_Store::logPaging()
{
    QFETCH(QString, log);
    QFETCH(int, limit);
    QFETCH(int, beforeIndex);
    QFETCH(int, fromMinute);
    QFETCH(int, toMinute);
    QFETCH(QList<int>, expected);

    // The rows are written once per log and shared by the rows of this test (fsyncs are slow).
    const qint64 base = 1'700'000'000'000;
    PagingFixture &fx = m_paging[log];
    if (fx.path.isEmpty()) {
        fx.path = freshPath();
        Store writer;
        QVERIFY(writer.open(fx.path));
        for (int i = 1; i <= 10; ++i) {
            for (const QString &tenant : {kB, kA}) {
                const QDateTime at = utc(base + i * 60'000);
                qint64 id = 0;
                if (log == u"cdr"_s) {
                    CdrRecord c;
                    c.callId = u"%1-%2"_s.arg(tenant).arg(i);
                    c.direction = u"out"_s;
                    c.startedAt = at;
                    c.endedAt = at.addSecs(30);
                    c.result = u"failed"_s;
                    id = writer.addCdr(tenant, c);
                } else {
                    DialLogRecord d;
                    d.at = at;
                    d.callId = u"%1-%2"_s.arg(tenant).arg(i);
                    d.outcome = u"dialing"_s;
                    id = writer.addDial(tenant, d);
                }
                QVERIFY(id > 0);
                if (tenant == kA) {
                    fx.indexOfId.insert(id, i);
                    fx.idOfIndex.insert(i, id);
                }
            }
        }
    }
    const QHash<qint64, int> &indexOfId = fx.indexOfId;
    QCOMPARE(indexOfId.size(), 10);
    Store store;
    QVERIFY(store.open(fx.path));
    LogQuery q;
    q.limit = limit;
    q.before = beforeIndex ? fx.idOfIndex.value(beforeIndex) : 0;
    if (fromMinute)
        q.from = utc(base + fromMinute * 60'000);
    if (toMinute)
        q.to = utc(base + toMinute * 60'000);

    QList<int> got;
    if (log == u"cdr"_s) {
        for (const CdrRecord &c : store.cdrs(kA, q)) {
            QVERIFY2(indexOfId.contains(c.id), "a row of another tenant");
            got.append(indexOfId.value(c.id));
        }
    } else {
        for (const DialLogRecord &d : store.dials(kA, q)) {
            QVERIFY2(indexOfId.contains(d.id), "a row of another tenant");
            got.append(indexOfId.value(d.id));
        }
    }
    QCOMPARE(got, expected);
}

void tst_Store::virtualNumberCallsSince_data()
{
    // CDRs of tenant A: vnum dials 10 h, 23 h, 25 h ago; a plain dial 1 h ago; a ring 2 h ago;
    // tenant B: a vnum dial 1 h ago.
    addColumns<int, int>("sinceHoursAgo", "expected");
    QTest::addRow("last 24 h") << 24 << 2;
    QTest::addRow("last 26 h") << 26 << 3;
    QTest::addRow("last 11 h") << 11 << 1;
    QTest::addRow("last 5 h") << 5 << 0;
}

void tst_Store::virtualNumberCallsSince()
{
    QFETCH(int, sinceHoursAgo);
    QFETCH(int, expected);
    Store store;
    QVERIFY(store.open(freshPath()));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto add = [&](const QString &tenant, int hoursAgo, bool vnumDial, const QString &dir) {
        CdrRecord c;
        c.callId = u"c%1"_s.arg(hoursAgo);
        c.direction = dir;
        c.startedAt = now.addSecs(-3600 * hoursAgo);
        c.endedAt = c.startedAt.addSecs(10);
        c.result = u"answered"_s;
        c.virtualNumber = vnumDial;
        QVERIFY(store.addCdr(tenant, c) > 0);
    };
    add(kA, 10, true, u"out"_s);
    add(kA, 23, true, u"out"_s);
    add(kA, 25, true, u"out"_s);
    add(kA, 1, false, u"out"_s);
    add(kA, 2, false, u"in"_s);
    add(kB, 1, true, u"out"_s);
    QCOMPARE(store.virtualNumberCallsSince(kA, now.addSecs(-3600 * sinceHoursAgo)), expected);
    QCOMPARE(store.virtualNumberCallsSince(u"nobody.example.com"_s, now.addDays(-30)), 0);
}

void tst_Store::pruning()
{
    Store store;
    QVERIFY(store.open(freshPath()));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime cutoff = now.addDays(-90);
    int i = 0;
    for (const QString &tenant : {kA, kB}) {
        for (int daysAgo : {200, 91, 89, 0}) {
            CdrRecord c;
            c.callId = u"c%1"_s.arg(++i);
            c.direction = u"in"_s;
            c.startedAt = now.addDays(-daysAgo);
            c.endedAt = c.startedAt;
            c.result = u"missed"_s;
            QVERIFY(store.addCdr(tenant, c) > 0);
            DialLogRecord d;
            d.at = now.addDays(-daysAgo);
            d.outcome = u"dialing"_s;
            QVERIFY(store.addDial(tenant, d) > 0);
        }
    }
    // Virtual numbers, aliases and the whitelist are not logs: pruning never touches them.
    QCOMPARE(store.createVirtualNumber(kA, vnum(u"2000"_s, u"Old"_s)), Store::Result::Ok);

    QCOMPARE(store.pruneLogsBefore(cutoff), 8); // 2 tenants × 2 old rows × 2 tables
    for (const QString &tenant : {kA, kB}) {
        const auto cdrs = store.cdrs(tenant);
        QCOMPARE(cdrs.size(), 2);
        for (const CdrRecord &c : cdrs)
            QVERIFY(c.startedAt >= cutoff);
        const auto dials = store.dials(tenant);
        QCOMPARE(dials.size(), 2);
        for (const DialLogRecord &d : dials)
            QVERIFY(d.at >= cutoff);
    }
    QVERIFY(store.virtualNumber(kA, u"2000"_s));
    QCOMPARE(store.pruneLogsBefore(cutoff), 0);
    QCOMPARE(store.pruneLogsBefore(QDateTime()), 0);
}

void tst_Store::shippedStepsUnchanged_data()
{
    // One row per shipped schema version: the SHA-256 of its step's statements joined by '\n'.
    // Add a row when a version ships; never change one (Store.cpp: append a new step instead).
    addColumns<int, QByteArray>("version", "sha256");
    QTest::addRow("v1") << 1
                        << QByteArray(
                               "7e76b1436cd49df54c934972dd35ee3888851a548ade3ff0fe85981377107a2a");
    QTest::addRow("v2") << 2
                        << QByteArray(
                               "1d26044744fbae835aeba082845acb7badec79a04ef0fe72e52a04a6362ab477");
    QTest::addRow("v3") << 3
                        << QByteArray(
                               "0dbada747c7cc60c59bb32280a7c55effe39176e7fc50646eb1fb62288df4fd7");
}

void tst_Store::shippedStepsUnchanged()
{
    QFETCH(int, version);
    QFETCH(QByteArray, sha256);
    const QStringList step = Store::migrationStep(version);
    QVERIFY(!step.isEmpty());
    QCOMPARE(
        QCryptographicHash::hash(step.join(u'\n').toLatin1(), QCryptographicHash::Sha256).toHex(),
        sha256);
}

void tst_Store::migration_data()
{
    // One row per older schema version (0 is "no schema yet"); add a row when a version ships.
    addColumns<QString, bool>("fixture", "hasV1Rows");
    QTest::addRow("no file") << u"none"_s << false;
    QTest::addRow("empty file (version 0)") << u"empty"_s << false;
    QTest::addRow("version 1 with rows") << u"v1"_s << true;
}

void tst_Store::migration()
{
    QFETCH(QString, fixture);
    QFETCH(bool, hasV1Rows);
    const QString path = freshPath();
    if (fixture == u"empty"_s) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        QCOMPARE(QFileInfo(path).size(), 0);
    } else if (fixture == u"v1"_s) {
        QString error;
        QVERIFY2(writeOldVersion(path, 1, &error), qPrintable(error));
    }

    Store store;
    QString error;
    QVERIFY2(store.open(path, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    QVERIFY(Store::currentSchemaVersion() >= 2);

    if (hasV1Rows) {
        const auto vn = store.virtualNumber(kA, u"2000"_s);
        QVERIFY(vn);
        QCOMPARE(vn->name, u"Reception"_s);
        QCOMPARE(vn->text, u"Hello"_s);
        QCOMPARE(vn->maxSec, 60);
        QCOMPARE(vn->loop, true);
        QVERIFY(store.alias(kA, u"+4930123456"_s));
        QVERIFY(store.isWhitelisted(kA, u"2000"_s));
        const auto cdrs = store.cdrs(kA);
        QCOMPARE(cdrs.size(), 1);
        QCOMPARE(cdrs[0].callId, u"c1"_s);
        QCOMPARE(cdrs[0].virtualNumber, false); // the column v2 added, with its default
        QVERIFY(!cdrs[0].answeredAt.isValid());
        QCOMPARE(store.dials(kA).size(), 1);
    } else {
        QVERIFY(store.virtualNumbers(kA).isEmpty());
        QVERIFY(store.cdrs(kA).isEmpty());
    }
    // The migrated file takes every write of the current schema.
    CdrRecord c;
    c.callId = u"after"_s;
    c.direction = u"out"_s;
    c.startedAt = QDateTime::currentDateTimeUtc();
    c.endedAt = c.startedAt;
    c.result = u"answered"_s;
    c.virtualNumber = true;
    QVERIFY(store.addCdr(kA, c) > 0);
    QCOMPARE(store.virtualNumberCallsSince(kA, c.startedAt.addSecs(-1)), 1);
    QCOMPARE(store.createVirtualNumber(kA, vnum(u"2001"_s, u"New"_s)), Store::Result::Ok);

    // Opening again runs no migration and keeps everything.
    store.close();
    QVERIFY2(store.open(path, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    QCOMPARE(store.cdrs(kA).size(), hasV1Rows ? 2 : 1);
    QCOMPARE(store.virtualNumbers(kA).size(), hasV1Rows ? 2 : 1);

    // WAL is in force.
    QVERIFY(QFileInfo::exists(path + u"-wal"_s));
    // A file the store created is the owner's only (it holds caller numbers).
    if (fixture == u"none"_s) {
        const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        for (const QString &f : QStringList{path, path + u"-wal"_s, path + u"-shm"_s}) {
            const auto perms = QFileInfo(f).permissions()
                & ~(QFileDevice::ReadUser | QFileDevice::WriteUser | QFileDevice::ExeUser);
            QCOMPARE(perms, ownerOnly);
        }
    }
}

void tst_Store::refusesBadFiles_data()
{
    addColumns<QString, QString>("fixture", "errorPart");
    QTest::addRow("newer schema") << u"newer"_s << u"newer"_s;
    QTest::addRow("not a database") << u"garbage"_s << u"not a usable SQLite database"_s;
    QTest::addRow("directory missing") << u"nodir"_s << u"db"_s;
}

void tst_Store::refusesBadFiles()
{
    QFETCH(QString, fixture);
    QFETCH(QString, errorPart);
    QString path = freshPath();
    if (fixture == u"newer"_s) {
        QString error;
        QVERIFY(writeOldVersion(path, 1, &error));
        const QString name = u"bump"_s;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA user_version = %1"_s.arg(Store::currentSchemaVersion() + 1)));
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
    } else if (fixture == u"garbage"_s) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
    } else {
        path = m_dir.filePath(u"no/such/dir/db.sqlite"_s);
    }
    Store store;
    QString error;
    QVERIFY(!store.open(path, &error));
    QVERIFY2(error.contains(errorPart), qPrintable(error));
    QVERIFY(!store.isOpen());
    QVERIFY(store.virtualNumbers(kA).isEmpty());
    QCOMPARE(store.addCdr(kA, {}), 0);
}

void tst_Store::reopenKeepsData()
{
    const QString path = freshPath();
    {
        Store store;
        QVERIFY(store.open(path));
        QCOMPARE(store.createAlias(kA, {u"+4930999"_s, u"Kept"_s}), Store::Result::Ok);
    }
    Store store;
    QVERIFY(store.open(path));
    const auto a = store.alias(kA, u"+4930999"_s);
    QVERIFY(a);
    QCOMPARE(a->name, u"Kept"_s);
}

void tst_Store::inMemory()
{
    // ":memory:" works (no WAL there), and each Store has its own database.
    Store one;
    Store two;
    QString error;
    QVERIFY2(one.open(u":memory:"_s, &error), qPrintable(error));
    QVERIFY2(two.open(u":memory:"_s, &error), qPrintable(error));
    QCOMPARE(one.schemaVersion(), Store::currentSchemaVersion());
    QCOMPARE(one.createVirtualNumber(kA, vnum(u"2000"_s, u"x"_s)), Store::Result::Ok);
    QVERIFY(one.isWhitelisted(kA, u"2000"_s));
    QVERIFY(!two.virtualNumber(kA, u"2000"_s));
}

void tst_Store::uniqueConnections()
{
    // Two stores on two files at once: each has its own connection, neither sees the other.
    Store one;
    Store two;
    QVERIFY(one.open(freshPath()));
    QVERIFY(two.open(freshPath()));
    QCOMPARE(one.createAlias(kA, {u"1"_s, u"one"_s}), Store::Result::Ok);
    QVERIFY(!two.alias(kA, u"1"_s));
    two.close();
    QVERIFY(one.alias(kA, u"1"_s)); // closing one store leaves the other open
}

void tst_Store::crashMidTransaction_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addRow("_exit before commit") << u"exit"_s;
    QTest::addRow("SIGKILL before commit") << u"kill"_s;
}

void tst_Store::crashMidTransaction()
{
    QFETCH(QString, mode);
    const QString path = freshPath();
    {
        Store store;
        QVERIFY(store.open(path));
        QCOMPARE(store.createVirtualNumber(kA, vnum(u"2000"_s, u"Committed"_s)), Store::Result::Ok);
    }

    QProcess child;
    child.setProcessChannelMode(QProcess::SeparateChannels);
    child.start(QCoreApplication::applicationFilePath(), {u"--crash-child"_s, mode, path});
    QVERIFY(child.waitForStarted());
    if (mode == u"kill"_s) {
        while (!child.canReadLine())
            QVERIFY(child.waitForReadyRead(30000));
        QCOMPARE(child.readLine(), QByteArray("in-transaction\n"));
        child.kill();
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    } else {
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitStatus(), QProcess::NormalExit);
        QCOMPARE(child.exitCode(), 1);
        QCOMPARE(child.readLine(), QByteArray("in-transaction\n"));
    }

    Store store;
    QString error;
    QVERIFY2(store.open(path, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    const auto committed = store.virtualNumber(kA, u"2000"_s);
    QVERIFY(committed);
    QCOMPARE(committed->name, u"Committed"_s);
    // Neither half of the dead transaction (the number and its whitelist entry) survived.
    QVERIFY(!store.virtualNumber(kA, u"3000"_s));
    QVERIFY(!store.isWhitelisted(kA, u"3000"_s));
    QCOMPARE(store.virtualNumbers(kA).size(), 1);
    // And the file takes new writes.
    QCOMPARE(store.createVirtualNumber(kA, vnum(u"3000"_s, u"Now"_s)), Store::Result::Ok);
}

int main(int argc, char *argv[])
{
    if (argc == 4 && qstrcmp(argv[1], "--crash-child") == 0) {
        QCoreApplication app(argc, argv);
        return crashChild(argv[2], argv[3]);
    }
    QCoreApplication app(argc, argv);
    tst_Store tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

void tst_Store::failedLogWritesRetried_data()
{
    // byTimer: false: written when the store closes
    addColumns<QString, bool>("kind", "byTimer");
    QTest::addRow("CDR, by the retry timer") << u"cdr"_s << true;
    QTest::addRow("dial log, by the retry timer") << u"dial"_s << true;
    QTest::addRow("CDR, when the store closes") << u"cdr"_s << false;
    QTest::addRow("dial log, when the store closes") << u"dial"_s << false;
}

void tst_Store::failedLogWritesRetried()
{
    QFETCH(QString, kind);
    QFETCH(bool, byTimer);
    const QString path = freshPath();
    const bool cdr = kind == u"cdr"_s;
    const auto ids = [&](const Store &store) {
        QStringList out; // newest first
        if (cdr) {
            for (const CdrRecord &c : store.cdrs(kA))
                out.append(c.callId);
        } else {
            for (const DialLogRecord &d : store.dials(kA))
                out.append(d.callId);
        }
        return out;
    };
    const auto add = [&](Store &store, int i) -> qint64 {
        const QString callId = u"call-%1"_s.arg(i);
        if (cdr) {
            CdrRecord c;
            c.callId = callId;
            c.direction = u"in"_s;
            c.startedAt = utc(1'700'000'000'000 + i);
            c.result = u"missed"_s;
            return store.addCdr(kA, c);
        }
        DialLogRecord d;
        d.callId = callId;
        d.number = u"2000"_s;
        d.outcome = u"dialing"_s;
        return store.addDial(kA, d);
    };
    const QStringList three{u"call-3"_s, u"call-2"_s, u"call-1"_s};
    bool failing = true; // outlives the store, whose close() still runs the hook
    {
        Store store;
        QVERIFY(store.open(path));
        store.setBeforeCommitHookForTest([&failing] { return !failing; });
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(add(store, i), 0);
        QCOMPARE(store.pendingRows(), 3);
        QVERIFY(ids(store).isEmpty());
        QCOMPARE(store.retryPendingRows(), 3); // still failing: nothing is dropped
        failing = false;
        if (byTimer) {
            QTRY_COMPARE_WITH_TIMEOUT(store.pendingRows(), 0, Store::retryIntervalMs * 5);
            QCOMPARE(ids(store), three);
        }
    }
    Store reopened;
    QVERIFY(reopened.open(path));
    QCOMPARE(ids(reopened), three);
}

void tst_Store::newerLogRowWaitsForPendingOnes()
{
    // A row added while older ones wait for their retry is written after them: ids (and so
    // "newest first") keep the order in which the rows happened.
    bool failing = true; // outlives the store
    Store store;
    QVERIFY(store.open(freshPath()));
    store.setBeforeCommitHookForTest([&failing] { return !failing; });
    CdrRecord c;
    c.direction = u"in"_s;
    c.result = u"missed"_s;
    c.callId = u"older"_s;
    c.startedAt = utc(1'700'000'000'000);
    QCOMPARE(store.addCdr(kA, c), 0);
    failing = false;
    c.callId = u"newer"_s;
    QVERIFY(store.addCdr(kA, c) != 0);
    QCOMPARE(store.pendingRows(), 0);
    const QList<CdrRecord> rows = store.cdrs(kA);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).callId, u"newer"_s);
    QCOMPARE(rows.at(1).callId, u"older"_s);
    QVERIFY(rows.at(0).id > rows.at(1).id);
}

#include "tst_store.moc"
