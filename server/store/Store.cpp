#include "Store.h"

#include <QAtomicInteger>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <QVariant>
#include <algorithm>
#include <array>
#include <span>
#include <variant>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcStore, "switchboard.store", QtInfoMsg)

// Ordered migrations: step i takes the file from user_version i to i + 1. Never edit a step that
// has shipped; append a new one. Each step runs in one transaction together with its
// `PRAGMA user_version`, so a crash leaves the file at the old or the new version, never between.
const std::array<std::span<const char *const>, 3> &migrations()
{
    static const char *const v1[] = {
        "CREATE TABLE virtual_numbers (tenant TEXT NOT NULL, number TEXT NOT NULL,"
        " name TEXT NOT NULL, mode TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',"
        " start_ms INTEGER NOT NULL DEFAULT 0, max_sec INTEGER NOT NULL DEFAULT 0,"
        " loop INTEGER NOT NULL DEFAULT 0, visibility TEXT NOT NULL DEFAULT 'anonymous',"
        " PRIMARY KEY (tenant, number))",
        "CREATE TABLE aliases (tenant TEXT NOT NULL, number TEXT NOT NULL, name TEXT NOT NULL,"
        " PRIMARY KEY (tenant, number))",
        "CREATE TABLE whitelist (tenant TEXT NOT NULL, number TEXT NOT NULL,"
        " note TEXT NOT NULL DEFAULT '', PRIMARY KEY (tenant, number))",
        "CREATE TABLE cdrs (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL,"
        " call_id TEXT NOT NULL, direction TEXT NOT NULL, from_number TEXT NOT NULL,"
        " to_number TEXT NOT NULL, room TEXT NOT NULL, started_ms INTEGER NOT NULL,"
        " answered_ms INTEGER, ended_ms INTEGER NOT NULL, result TEXT NOT NULL)",
        "CREATE TABLE dial_log (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL,"
        " at_ms INTEGER NOT NULL, call_id TEXT NOT NULL, room TEXT NOT NULL,"
        " peer_id TEXT NOT NULL, number TEXT NOT NULL, outcome TEXT NOT NULL)",
    };
    // v2: vnumCallsLast24h needs to know which CDRs were virtual-number dials, and the log
    // queries (per tenant, newest first, by time) need indexes.
    static const char *const v2[] = {
        "ALTER TABLE cdrs ADD COLUMN virtual_number INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX cdrs_tenant_started ON cdrs (tenant, started_ms)",
        "CREATE INDEX dial_log_tenant_at ON dial_log (tenant, at_ms)",
    };
    // v3: replay caches (admin signatures, bridge hellos and tickets) and the ring dedupe survive
    // a restart (DESIGN.md "Limits"). Each row expires; expired rows are pruned.
    static const char *const v3[] = {
        "CREATE TABLE replay (kind TEXT NOT NULL, key BLOB NOT NULL, expires_ms INTEGER NOT NULL,"
        " PRIMARY KEY (kind, key))",
        "CREATE INDEX replay_expires ON replay (expires_ms)",
    };
    static const std::array<std::span<const char *const>, 3> all
        = {std::span(v1), std::span(v2), std::span(v3)};
    return all;
}

QAtomicInteger<quint64> s_connectionCounter;

QVariant msOrNull(const QDateTime &t)
{
    return t.isValid() ? QVariant(t.toMSecsSinceEpoch()) : QVariant(QMetaType(QMetaType::LongLong));
}

QDateTime fromMs(const QVariant &v)
{
    if (v.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

int clampLimit(int limit)
{
    return std::clamp(limit, 1, 1000);
}

// The WHERE clause for a LogQuery; only constant SQL text, the values are bound.
QString logWhere(const char *timeColumn, const QString &tenant, const LogQuery &query,
                 QVariantList *values)
{
    QString where = u"tenant = ?"_s;
    values->append(tenant);
    if (query.before > 0) {
        where += u" AND id < ?"_s;
        values->append(query.before);
    }
    if (query.from.isValid()) {
        where += u" AND %1 >= ?"_s.arg(QLatin1StringView(timeColumn));
        values->append(query.from.toMSecsSinceEpoch());
    }
    if (query.to.isValid()) {
        where += u" AND %1 <= ?"_s.arg(QLatin1StringView(timeColumn));
        values->append(query.to.toMSecsSinceEpoch());
    }
    return where;
}

// One row of the cdrs page query, its columns in CdrRecord's order.
CdrRecord cdrFrom(const QSqlQuery &q)
{
    return {.id = q.value(0).toLongLong(),
            .callId = q.value(1).toString(),
            .direction = q.value(2).toString(),
            .from = q.value(3).toString(),
            .to = q.value(4).toString(),
            .room = q.value(5).toString(),
            .startedAt = fromMs(q.value(6)),
            .answeredAt = fromMs(q.value(7)),
            .endedAt = fromMs(q.value(8)),
            .result = q.value(9).toString(),
            .virtualNumber = q.value(10).toBool()};
}

// One row of the dial_log page query, its columns in DialLogRecord's order.
DialLogRecord dialFrom(const QSqlQuery &q)
{
    return {.id = q.value(0).toLongLong(),
            .at = fromMs(q.value(1)),
            .callId = q.value(2).toString(),
            .room = q.value(3).toString(),
            .peerId = q.value(4).toString(),
            .number = q.value(5).toString(),
            .outcome = q.value(6).toString()};
}
} // namespace

struct Store::Private {
    QString connectionName;
    QString path;
    bool open = false;
    std::function<bool()> beforeCommitHook;
    // Log rows whose write failed, oldest first (Store::addCdr).
    struct PendingRow {
        QString tenant;
        std::variant<CdrRecord, DialLogRecord> row;
    };
    QList<PendingRow> pending;
    QTimer *retryTimer = nullptr;

    QSqlDatabase db() const { return QSqlDatabase::database(connectionName, false); }

    // Prepares and binds; logs the driver's text at debug only (it may hold values).
    bool run(QSqlQuery &q, const char *sql, const QVariantList &values = {}) const
    {
        return run(q, QString::fromLatin1(sql), values);
    }
    bool run(QSqlQuery &q, const QString &sql, const QVariantList &values) const
    {
        if (!q.prepare(sql)) {
            qCWarning(lcStore) << "prepare failed";
            qCDebug(lcStore) << sql << q.lastError().text();
            return false;
        }
        for (const QVariant &v : values) {
            // A null QString binds as SQL NULL; the columns hold '' for "none".
            if (v.typeId() == QMetaType::QString && v.toString().isNull())
                q.addBindValue(QString(u""_s));
            else
                q.addBindValue(v);
        }
        if (!q.exec()) {
            qCWarning(lcStore) << "statement failed";
            qCDebug(lcStore) << sql << q.lastError().text();
            return false;
        }
        return true;
    }

    // Runs fn inside one transaction; commits when fn returns Ok, rolls back otherwise.
    Histogram writeLatency = Histogram::seconds();

    // A write and its transaction, timed for /metrics.
    template <typename Fn> Result write(Fn &&fn)
    {
        if (!open)
            return Result::Failed;
        QElapsedTimer timer;
        timer.start();
        const Result r = writeOnce(std::forward<Fn>(fn));
        writeLatency.observe(double(timer.nsecsElapsed()) / 1e9);
        return r;
    }

    template <typename Fn> Result writeOnce(Fn &&fn)
    {
        QSqlDatabase database = db();
        if (!database.transaction()) {
            qCWarning(lcStore) << "cannot begin a transaction";
            return Result::Failed;
        }
        const Result r = fn(database);
        if (r != Result::Ok) {
            database.rollback();
            return r;
        }
        if (beforeCommitHook && !beforeCommitHook()) {
            database.rollback();
            return Result::Failed;
        }
        if (!database.commit()) {
            qCWarning(lcStore) << "commit failed";
            database.rollback();
            return Result::Failed;
        }
        return Result::Ok;
    }

    bool exists(QSqlDatabase &database, const char *sql, const QString &tenant, const QString &key,
                bool *ok) const
    {
        QSqlQuery q(database);
        *ok = run(q, sql, {tenant, key});
        return *ok && q.next();
    }

    // Rows of two text columns as {first, second} entries (aliases, whitelist).
    template <typename Entry>
    QList<Entry> textPairs(const char *sql, const QVariantList &values) const
    {
        QList<Entry> out;
        if (!open)
            return out;
        QSqlQuery q(db());
        if (!run(q, sql, values))
            return out;
        while (q.next())
            out.append({q.value(0).toString(), q.value(1).toString()});
        return out;
    }

    // Inserts the row of (tenant, key) in a write of its own; Duplicate when `existsSql` finds
    // it already there, Failed for an empty key.
    Result insertNew(const char *existsSql, const QString &tenant, const QString &key,
                     const char *insertSql, const QVariantList &values)
    {
        if (key.isEmpty())
            return Result::Failed;
        return write([&](QSqlDatabase &database) {
            bool ok = false;
            if (exists(database, existsSql, tenant, key, &ok))
                return Result::Duplicate;
            if (!ok)
                return Result::Failed;
            QSqlQuery q(database);
            return run(q, insertSql, values) ? Result::Ok : Result::Failed;
        });
    }

    // One INSERT in a write of its own: the new row's id, 0 when it failed.
    qint64 insertReturningId(const char *sql, const QVariantList &values)
    {
        qint64 id = 0;
        const Result r = write([&](QSqlDatabase &database) {
            QSqlQuery q(database);
            if (!run(q, sql, values))
                return Result::Failed;
            id = q.lastInsertId().toLongLong();
            return Result::Ok;
        });
        return r == Result::Ok ? id : 0;
    }

    // A page of a log table, newest first: `select` ends in "WHERE %1 ORDER BY id DESC LIMIT ?",
    // `timeColumn` is what LogQuery's from/to bound, `rowFrom` reads one row.
    template <typename Row>
    QList<Row> logPage(const QString &select, const char *timeColumn, const QString &tenant,
                       const LogQuery &query, Row (*rowFrom)(const QSqlQuery &)) const
    {
        QList<Row> out;
        if (!open)
            return out;
        QVariantList values;
        const QString where = logWhere(timeColumn, tenant, query, &values);
        values.append(clampLimit(query.limit));
        QSqlQuery q(db());
        if (!run(q, select.arg(where), values))
            return out;
        while (q.next())
            out.append(rowFrom(q));
        return out;
    }

    // One UPDATE or DELETE in a write of its own; NotFound when it touched no row.
    Result changeOne(const char *sql, const QVariantList &values)
    {
        return write([&](QSqlDatabase &database) {
            QSqlQuery q(database);
            if (!run(q, sql, values))
                return Result::Failed;
            return q.numRowsAffected() == 0 ? Result::NotFound : Result::Ok;
        });
    }

    // A saved virtual number may be dialed: put it on the whitelist (an existing entry keeps
    // its note).
    bool whitelistVirtualNumber(QSqlDatabase &database, const QString &tenant,
                                const QString &number) const
    {
        QSqlQuery q(database);
        return run(q, "INSERT OR IGNORE INTO whitelist (tenant, number, note) VALUES (?, ?, ?)",
                   {tenant, number, u"virtual number"_s});
    }

    int userVersion() const
    {
        QSqlQuery q(db());
        if (!run(q, "PRAGMA user_version") || !q.next())
            return -1;
        return q.value(0).toInt();
    }
};

Store::Store(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->connectionName = u"switchboard-store-%1"_s.arg(s_connectionCounter.fetchAndAddRelaxed(1));
    d->retryTimer = new QTimer(this);
    d->retryTimer->setSingleShot(true);
    d->retryTimer->setInterval(retryIntervalMs);
    connect(d->retryTimer, &QTimer::timeout, this, &Store::retryPendingRows);
}

Store::~Store()
{
    close();
}

int Store::currentSchemaVersion()
{
    return int(migrations().size());
}

QStringList Store::migrationStep(int version)
{
    QStringList statements;
    if (version < 1 || version > currentSchemaVersion())
        return statements;
    for (const char *sql : migrations()[size_t(version - 1)])
        statements.append(QString::fromLatin1(sql));
    return statements;
}

bool Store::open(const QString &path, QString *error)
{
    close();
    auto fail = [&](const QString &message) {
        qCWarning(lcStore).noquote() << "cannot open the store:" << message;
        if (error)
            *error = message;
        close();
        return false;
    };
    if (!QSqlDatabase::isDriverAvailable(u"QSQLITE"_s))
        return fail(u"the Qt SQLite driver (QSQLITE) is not available"_s);
    // The file holds caller numbers: create it owner-only (SQLite gives -wal and -shm the same
    // mode). An existing file keeps the mode its operator chose.
    if (path != u":memory:"_s && !QFileInfo::exists(path)) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly)
            || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
            return fail(u"%1: cannot create the file: %2"_s.arg(path, file.errorString()));
    }
    QString openError;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, d->connectionName);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!db.open())
            openError = db.lastError().text();
    } // the handle must be gone before close() removes the connection
    if (!openError.isNull())
        return fail(u"%1: %2"_s.arg(path, openError));
    d->path = path;
    d->open = true;

    QSqlQuery q(d->db());
    // journal_mode answers with the mode in force; anything but "wal" means the file cannot
    // take WAL (or is not a database at all).
    // An in-memory database (tests, a server without a data directory) keeps journal "memory".
    const QString wantedJournal = path == u":memory:"_s ? u"memory"_s : u"wal"_s;
    if (!d->run(q, "PRAGMA journal_mode=WAL") || !q.next()
        || q.value(0).toString().compare(wantedJournal, Qt::CaseInsensitive) != 0)
        return fail(u"%1: not a usable SQLite database (cannot enable WAL)"_s.arg(path));
    q.finish();
    if (!d->run(q, "PRAGMA synchronous=FULL"))
        return fail(u"%1: cannot set synchronous mode"_s.arg(path));

    int version = d->userVersion();
    if (version < 0)
        return fail(u"%1: cannot read the schema version"_s.arg(path));
    if (version > currentSchemaVersion())
        return fail(
            u"%1: schema version %2 is newer than this server's %3"_s.arg(path).arg(version).arg(
                currentSchemaVersion()));
    while (version < currentSchemaVersion()) {
        const auto &steps = migrations()[size_t(version)];
        const int next = version + 1;
        const Result r = d->write([&](QSqlDatabase &db) {
            for (const char *sql : steps) {
                QSqlQuery m(db);
                if (!d->run(m, sql))
                    return Result::Failed;
            }
            QSqlQuery v(db);
            // PRAGMA takes no bound parameters; `next` is our own integer.
            return d->run(v, u"PRAGMA user_version = %1"_s.arg(next), {}) ? Result::Ok
                                                                          : Result::Failed;
        });
        if (r != Result::Ok)
            return fail(u"%1: migration to schema version %2 failed"_s.arg(path).arg(next));
        qCInfo(lcStore) << "migrated schema to version" << next;
        version = next;
    }
    return true;
}

void Store::close()
{
    if (d->open && !d->pending.isEmpty() && retryPendingRows() > 0)
        qCCritical(lcStore) << d->pending.size() << "log rows could not be written and are lost";
    d->pending.clear();
    d->retryTimer->stop();
    if (QSqlDatabase::contains(d->connectionName)) {
        {
            QSqlDatabase db = QSqlDatabase::database(d->connectionName, false);
            if (db.isOpen())
                db.close();
        }
        QSqlDatabase::removeDatabase(d->connectionName);
    }
    d->open = false;
}

bool Store::isOpen() const
{
    return d->open;
}

int Store::schemaVersion() const
{
    return d->open ? d->userVersion() : -1;
}

void Store::setBeforeCommitHookForTest(std::function<bool()> hook)
{
    d->beforeCommitHook = std::move(hook);
}

// ---- virtual numbers -------------------------------------------------------------------------

namespace {
VirtualNumber vnumFrom(const QSqlQuery &q)
{
    VirtualNumber vn;
    vn.number = q.value(0).toString();
    vn.name = q.value(1).toString();
    vn.mode = q.value(2).toString();
    vn.text = q.value(3).toString();
    vn.startMs = q.value(4).toLongLong();
    vn.maxSec = q.value(5).toInt();
    vn.loop = q.value(6).toBool();
    vn.visibility = q.value(7).toString();
    return vn;
}
const char kVnumColumns[] = "number, name, mode, text, start_ms, max_sec, loop, visibility";
} // namespace

QList<VirtualNumber> Store::virtualNumbers(const QString &tenant) const
{
    QList<VirtualNumber> out;
    if (!d->open)
        return out;
    QSqlQuery q(d->db());
    if (!d->run(q,
                u"SELECT %1 FROM virtual_numbers WHERE tenant = ? ORDER BY number"_s.arg(
                    QLatin1StringView(kVnumColumns)),
                {tenant}))
        return out;
    while (q.next())
        out.append(vnumFrom(q));
    return out;
}

std::optional<VirtualNumber> Store::virtualNumber(const QString &tenant,
                                                  const QString &number) const
{
    if (!d->open)
        return std::nullopt;
    QSqlQuery q(d->db());
    if (!d->run(q,
                u"SELECT %1 FROM virtual_numbers WHERE tenant = ? AND number = ?"_s.arg(
                    QLatin1StringView(kVnumColumns)),
                {tenant, number})
        || !q.next())
        return std::nullopt;
    return vnumFrom(q);
}

Store::Result Store::createVirtualNumber(const QString &tenant, const VirtualNumber &vn)
{
    if (vn.number.isEmpty())
        return Result::Failed;
    return d->write([&](QSqlDatabase &db) {
        bool ok = false;
        if (d->exists(db, "SELECT 1 FROM virtual_numbers WHERE tenant = ? AND number = ?", tenant,
                      vn.number, &ok))
            return Result::Duplicate;
        if (!ok)
            return Result::Failed;
        QSqlQuery q(db);
        if (!d->run(q,
                    "INSERT INTO virtual_numbers (tenant, number, name, mode, text, start_ms,"
                    " max_sec, loop, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    {tenant, vn.number, vn.name, vn.mode, vn.text, vn.startMs, vn.maxSec,
                     int(vn.loop), vn.visibility}))
            return Result::Failed;
        return d->whitelistVirtualNumber(db, tenant, vn.number) ? Result::Ok : Result::Failed;
    });
}

Store::Result Store::updateVirtualNumber(const QString &tenant, const VirtualNumber &vn)
{
    return d->write([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!d->run(q,
                    "UPDATE virtual_numbers SET name = ?, mode = ?, text = ?, start_ms = ?,"
                    " max_sec = ?, loop = ?, visibility = ? WHERE tenant = ? AND number = ?",
                    {vn.name, vn.mode, vn.text, vn.startMs, vn.maxSec, int(vn.loop), vn.visibility,
                     tenant, vn.number}))
            return Result::Failed;
        if (q.numRowsAffected() == 0)
            return Result::NotFound;
        return d->whitelistVirtualNumber(db, tenant, vn.number) ? Result::Ok : Result::Failed;
    });
}

Store::Result Store::deleteVirtualNumber(const QString &tenant, const QString &number)
{
    // The whitelist entry stays: the whitelist is the operator's list, edited on its own.
    return d->changeOne("DELETE FROM virtual_numbers WHERE tenant = ? AND number = ?",
                        {tenant, number});
}

// ---- aliases ---------------------------------------------------------------------------------

QList<AliasEntry> Store::aliases(const QString &tenant) const
{
    return d->textPairs<AliasEntry>(
        "SELECT number, name FROM aliases WHERE tenant = ? ORDER BY number", {tenant});
}

std::optional<AliasEntry> Store::alias(const QString &tenant, const QString &number) const
{
    if (!d->open)
        return std::nullopt;
    QSqlQuery q(d->db());
    if (!d->run(q, "SELECT number, name FROM aliases WHERE tenant = ? AND number = ?",
                {tenant, number})
        || !q.next())
        return std::nullopt;
    return AliasEntry{q.value(0).toString(), q.value(1).toString()};
}

Store::Result Store::createAlias(const QString &tenant, const AliasEntry &a)
{
    return d->insertNew("SELECT 1 FROM aliases WHERE tenant = ? AND number = ?", tenant, a.number,
                        "INSERT INTO aliases (tenant, number, name) VALUES (?, ?, ?)",
                        {tenant, a.number, a.name});
}

Store::Result Store::updateAlias(const QString &tenant, const AliasEntry &a)
{
    return d->changeOne("UPDATE aliases SET name = ? WHERE tenant = ? AND number = ?",
                        {a.name, tenant, a.number});
}

Store::Result Store::deleteAlias(const QString &tenant, const QString &number)
{
    return d->changeOne("DELETE FROM aliases WHERE tenant = ? AND number = ?", {tenant, number});
}

// ---- whitelist -------------------------------------------------------------------------------

QList<WhitelistEntry> Store::whitelist(const QString &tenant) const
{
    return d->textPairs<WhitelistEntry>(
        "SELECT number, note FROM whitelist WHERE tenant = ? ORDER BY number", {tenant});
}

bool Store::rememberOnce(const QString &kind, const QByteArray &key, qint64 expiresMs)
{
    if (!d->open)
        return true; // no store: the caller's in-memory cache is all there is
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (isRemembered(kind, key))
        return false;
    const Result r = d->write([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        // Pruned on the way: the table holds only keys still inside their window.
        if (now - m_lastReplayPruneMs >= replayPruneIntervalMs) {
            m_lastReplayPruneMs = now;
            if (!d->run(q, "DELETE FROM replay WHERE expires_ms <= ?", {now}))
                return Result::Failed;
        }
        return d->run(q, "INSERT OR REPLACE INTO replay (kind, key, expires_ms) VALUES (?, ?, ?)",
                      {kind, key, expiresMs})
            ? Result::Ok
            : Result::Failed;
    });
    return r == Result::Ok;
}

bool Store::isRemembered(const QString &kind, const QByteArray &key) const
{
    if (!d->open)
        return false;
    QSqlQuery q(d->db());
    return d->run(q, "SELECT 1 FROM replay WHERE kind = ? AND key = ? AND expires_ms > ?",
                  {kind, key, QDateTime::currentMSecsSinceEpoch()})
        && q.next();
}

int Store::replayRows() const
{
    if (!d->open)
        return 0;
    QSqlQuery q(d->db());
    return d->run(q, "SELECT COUNT(*) FROM replay") && q.next() ? q.value(0).toInt() : 0;
}

bool Store::isWhitelisted(const QString &tenant, const QString &number) const
{
    if (!d->open)
        return false;
    QSqlQuery q(d->db());
    return d->run(q, "SELECT 1 FROM whitelist WHERE tenant = ? AND number = ?", {tenant, number})
        && q.next();
}

Store::Result Store::createWhitelistEntry(const QString &tenant, const WhitelistEntry &w)
{
    return d->insertNew("SELECT 1 FROM whitelist WHERE tenant = ? AND number = ?", tenant, w.number,
                        "INSERT INTO whitelist (tenant, number, note) VALUES (?, ?, ?)",
                        {tenant, w.number, w.note});
}

Store::Result Store::updateWhitelistEntry(const QString &tenant, const WhitelistEntry &w)
{
    return d->changeOne("UPDATE whitelist SET note = ? WHERE tenant = ? AND number = ?",
                        {w.note, tenant, w.number});
}

Store::Result Store::deleteWhitelistEntry(const QString &tenant, const QString &number)
{
    return d->changeOne("DELETE FROM whitelist WHERE tenant = ? AND number = ?", {tenant, number});
}

// ---- CDRs and the dial log -------------------------------------------------------------------

qint64 Store::addCdr(const QString &tenant, const CdrRecord &cdr)
{
    return addLogRow(tenant, cdr);
}

qint64 Store::addDial(const QString &tenant, const DialLogRecord &dial)
{
    DialLogRecord row = dial;
    if (!row.at.isValid())
        row.at = QDateTime::currentDateTimeUtc(); // a retried row keeps the time it happened
    return addLogRow(tenant, row);
}

template <typename Row> qint64 Store::addLogRow(const QString &tenant, const Row &row)
{
    // Rows waiting for a retry go first, so that row ids keep the order in which calls ended.
    const qint64 id = d->pending.isEmpty() || retryPendingRows() == 0 ? insertRow(tenant, row) : 0;
    if (id != 0)
        return id;
    if (d->pending.size() >= maxPendingRows) {
        qCCritical(lcStore) << "a log row could not be written and the retry queue is full: lost";
        return 0;
    }
    d->pending.append({tenant, row});
    qCWarning(lcStore) << "a log row could not be written; retrying," << d->pending.size()
                       << "pending";
    if (!d->retryTimer->isActive())
        d->retryTimer->start();
    return 0;
}

int Store::retryPendingRows()
{
    while (!d->pending.isEmpty()) {
        const Private::PendingRow &p = d->pending.first();
        const qint64 id
            = std::visit([&](const auto &row) { return insertRow(p.tenant, row); }, p.row);
        if (id == 0)
            break;
        d->pending.removeFirst();
    }
    if (!d->pending.isEmpty() && d->open)
        d->retryTimer->start();
    else if (d->pending.isEmpty())
        qCDebug(lcStore) << "pending log rows written";
    return int(d->pending.size());
}

const Histogram &Store::writeLatency() const
{
    return d->writeLatency;
}

int Store::pendingRows() const
{
    return int(d->pending.size());
}

qint64 Store::insertRow(const QString &tenant, const CdrRecord &cdr)
{
    return d->insertReturningId(
        "INSERT INTO cdrs (tenant, call_id, direction, from_number, to_number, room,"
        " started_ms, answered_ms, ended_ms, result, virtual_number)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {tenant, cdr.callId, cdr.direction, cdr.from, cdr.to, cdr.room,
         cdr.startedAt.toMSecsSinceEpoch(), msOrNull(cdr.answeredAt),
         cdr.endedAt.isValid() ? cdr.endedAt.toMSecsSinceEpoch()
                               : cdr.startedAt.toMSecsSinceEpoch(),
         cdr.result, int(cdr.virtualNumber)});
}

QList<CdrRecord> Store::cdrs(const QString &tenant, const LogQuery &query) const
{
    return d->logPage(u"SELECT id, call_id, direction, from_number, to_number, room, started_ms,"
                      " answered_ms, ended_ms, result, virtual_number FROM cdrs WHERE %1"
                      " ORDER BY id DESC LIMIT ?"_s,
                      "started_ms", tenant, query, &cdrFrom);
}

qint64 Store::insertRow(const QString &tenant, const DialLogRecord &dial)
{
    return d->insertReturningId(
        "INSERT INTO dial_log (tenant, at_ms, call_id, room, peer_id, number, outcome)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        {tenant, dial.at.toMSecsSinceEpoch(), dial.callId, dial.room, dial.peerId, dial.number,
         dial.outcome});
}

QList<DialLogRecord> Store::dials(const QString &tenant, const LogQuery &query) const
{
    return d->logPage(u"SELECT id, at_ms, call_id, room, peer_id, number, outcome FROM dial_log"
                      " WHERE %1 ORDER BY id DESC LIMIT ?"_s,
                      "at_ms", tenant, query, &dialFrom);
}

int Store::virtualNumberCallsSince(const QString &tenant, const QDateTime &since) const
{
    if (!d->open)
        return 0;
    QSqlQuery q(d->db());
    if (!d->run(q,
                "SELECT COUNT(*) FROM cdrs WHERE tenant = ? AND virtual_number = 1"
                " AND started_ms >= ?",
                {tenant, since.isValid() ? since.toMSecsSinceEpoch() : qint64(0)})
        || !q.next())
        return 0;
    return q.value(0).toInt();
}

int Store::pruneLogsBefore(const QDateTime &cutoff)
{
    if (!cutoff.isValid())
        return 0;
    int removed = 0;
    const qint64 ms = cutoff.toMSecsSinceEpoch();
    const Result r = d->write([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!d->run(q, "DELETE FROM cdrs WHERE started_ms < ?", {ms}))
            return Result::Failed;
        removed = q.numRowsAffected();
        QSqlQuery q2(db);
        if (!d->run(q2, "DELETE FROM dial_log WHERE at_ms < ?", {ms}))
            return Result::Failed;
        removed += q2.numRowsAffected();
        return Result::Ok;
    });
    if (r != Result::Ok)
        return 0;
    if (removed > 0)
        qCInfo(lcStore) << "pruned" << removed << "log rows";
    return removed;
}
