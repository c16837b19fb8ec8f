#pragma once

#include "metrics/Histogram.h"

// The durable store (DESIGN.md "State and storage"): SQLite through Qt SQL, WAL, schema
// versioned with PRAGMA user_version, every write in a transaction, prepared statements only.
// Every row is keyed by tenant (the tenant's canonical host). Times are UTC.

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>

struct VirtualNumber {
    QString number;
    QString name;
    QString mode; // "tts" | "gemini-live" | "ai"
    QString text;
    qint64 startMs = 0;
    int maxSec = 0;
    bool loop = false;
    QString visibility = QStringLiteral("anonymous"); // "anonymous" | "internal"
};

struct AliasEntry {
    QString number;
    QString name;
};

struct WhitelistEntry {
    QString number;
    QString note;
};

struct CdrRecord {
    qint64 id = 0; // assigned by the store
    QString callId;
    QString direction; // "in" | "out"
    QString from;
    QString to;
    QString room;
    QDateTime startedAt;
    QDateTime answeredAt; // invalid when never answered
    QDateTime endedAt;
    QString result; // "answered" | "missed" | "declined" | "cleared" | "failed"
    bool virtualNumber = false; // an outbound dial of a virtual number (vnumCallsLast24h)
};

struct DialLogRecord {
    qint64 id = 0; // assigned by the store
    QDateTime at;
    QString callId; // empty when refused before a call existed
    QString room;
    QString peerId;
    QString number;
    QString outcome; // "dialing", "unknown-number", "forbidden", "bridge-unavailable",
                     // "rate-limited", ...
};

struct LogQuery {
    int limit = 100; // 1..1000
    qint64 before = 0; // only rows with id < before (0: no bound)
    QDateTime from; // invalid: no bound
    QDateTime to; // invalid: no bound
};

class Store : public QObject {
    Q_OBJECT
public:
    enum class Result { Ok, NotFound, Duplicate, Failed };

    explicit Store(QObject *parent = nullptr);
    ~Store() override;

    // Opens (creating when needed) and migrates the database file. false with *error on failure.
    bool open(const QString &path, QString *error = nullptr);
    void close();
    bool isOpen() const;
    static int currentSchemaVersion();
    // The statements of the migration step that takes a file to `version` (1 to
    // currentSchemaVersion()) from the one before, as shipped; empty for any other version.
    static QStringList migrationStep(int version);
    int schemaVersion() const;

    QList<VirtualNumber> virtualNumbers(const QString &tenant) const;
    std::optional<VirtualNumber> virtualNumber(const QString &tenant, const QString &number) const;
    // Creating or updating a virtual number also puts it on the whitelist.
    Result createVirtualNumber(const QString &tenant, const VirtualNumber &vn);
    Result updateVirtualNumber(const QString &tenant, const VirtualNumber &vn);
    Result deleteVirtualNumber(const QString &tenant, const QString &number);

    QList<AliasEntry> aliases(const QString &tenant) const;
    std::optional<AliasEntry> alias(const QString &tenant, const QString &number) const;
    Result createAlias(const QString &tenant, const AliasEntry &a);
    Result updateAlias(const QString &tenant, const AliasEntry &a);
    Result deleteAlias(const QString &tenant, const QString &number);

    QList<WhitelistEntry> whitelist(const QString &tenant) const;
    // Replay caches and the ring dedupe (DESIGN.md "Limits"): true the first time `key` of this
    // kind is seen inside its window, false when it was already remembered (also across a
    // restart). A failed write counts as seen, so an unwritable store refuses rather than
    // forgets. Without an open store it is always true (the caller's memory is the cache).
    bool rememberOnce(const QString &kind, const QByteArray &key, qint64 expiresMs);
    bool isRemembered(const QString &kind, const QByteArray &key) const;
    int replayRows() const;
    static constexpr qint64 replayPruneIntervalMs = 60 * 1000;
    bool isWhitelisted(const QString &tenant, const QString &number) const;
    Result createWhitelistEntry(const QString &tenant, const WhitelistEntry &w);
    Result updateWhitelistEntry(const QString &tenant, const WhitelistEntry &w);
    Result deleteWhitelistEntry(const QString &tenant, const QString &number);

    // Return the new row id, or 0 when the write failed: the row is then kept in memory and
    // written by a retry every retryIntervalMs, before any newer row and before close() ends,
    // so a transient failure
    // (a lock held by a backup, a full disk that gets space) loses nothing. At most maxPendingRows
    // are kept; past that a row is dropped with a critical log line.
    qint64 addCdr(const QString &tenant, const CdrRecord &cdr);
    QList<CdrRecord> cdrs(const QString &tenant, const LogQuery &query = {}) const; // newest first
    qint64 addDial(const QString &tenant, const DialLogRecord &dial);
    // Writes the rows kept after failed writes; returns how many are still pending.
    int retryPendingRows();
    int pendingRows() const;
    static constexpr int retryIntervalMs = 2000;
    static constexpr int maxPendingRows = 10000;
    QList<DialLogRecord> dials(const QString &tenant,
                               const LogQuery &query = {}) const; // newest first
    // Virtual-number dials (CDRs with virtualNumber set) that started at or after `since`.
    int virtualNumberCallsSince(const QString &tenant, const QDateTime &since) const;

    // Deletes CDR and dial-log rows older than `cutoff`; returns how many.
    int pruneLogsBefore(const QDateTime &cutoff);

    // Tests only: runs right before every write transaction commits, after its statements (so a
    // test can crash or kill the process mid-transaction); returning false fails the write.
    void setBeforeCommitHookForTest(std::function<bool()> hook);
    // Seconds each write transaction took (for /metrics).
    const Histogram &writeLatency() const;

private:
    qint64 insertRow(const QString &tenant, const CdrRecord &cdr);
    qint64 insertRow(const QString &tenant, const DialLogRecord &dial);
    template <typename Row> qint64 addLogRow(const QString &tenant, const Row &row);

    struct Private;
    std::unique_ptr<Private> d;
    qint64 m_lastReplayPruneMs = 0;
};
