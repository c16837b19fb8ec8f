#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QString>

class AdminClient;

// The call records (cdrlog) or the dial log (diallog) of one server, newest first, loaded a page
// at a time over the admin socket: the first page on reload(), the next when a view scrolls to
// the end (fetchMore, Qt's way of paging). Never everything at once. Names come from the
// server's aliases. Cells have CsvWriter::ExportRole (times in local time with the offset).
class HistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Kind { Calls, Dials };
    enum Role {
        TimeRole = Qt::UserRole + 1, // QDateTime (UTC) the call started / the dial was made
        NumberRole, // the other party's number
        NameRole, // the alias of that number, when there is one
        RoomRole,
        ResultRole, // calls: answered|missed|declined|cleared|failed; dials: the outcome
        RecordRole // the whole JSON row
    };

    HistoryModel(Kind kind, AdminClient *client, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    Kind kind() const { return m_kind; }
    // Drops the rows and asks for the first page within [from, to] (invalid: no bound).
    void reload(const QDateTime &from = {}, const QDateTime &to = {});
    // A page as the server answers it (the socket's way in; tests too).
    void appendPage(const QJsonArray &rows, qint64 nextBefore);
    void clear();
    void setNames(const QHash<QString, QString> &names);
    void setPageSize(int rows) { m_pageSize = rows; }
    bool isLoading() const { return !m_pendingId.isEmpty(); }
    bool hasMore() const { return m_nextBefore > 0; }
    QString lastError() const { return m_lastError; }
    static QString localTime(const QDateTime &t); // for display
    static QString exportTime(const QDateTime &t); // 2026-12-02T06:00:00+01:00

signals:
    void loadingChanged(bool loading);
    void loadFailed(const QString &message);

private:
    struct Row {
        QJsonObject json;
        QDateTime at;
        QString number;
    };
    void request(qint64 before);
    void onResult(const QString &id, const QJsonObject &result);
    void onFinished(const QString &id, bool ok, const QString &message);
    void refreshNames();
    QString cell(const Row &row, int column, bool forExport) const;

    Kind m_kind;
    QPointer<AdminClient> m_client;
    QList<Row> m_rows;
    QHash<QString, QString> m_names;
    QDateTime m_from;
    QDateTime m_to;
    qint64 m_nextBefore = 0;
    QString m_pendingId;
    QString m_lastError;
    int m_pageSize = 200;
};
