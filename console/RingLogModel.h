#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

// The live log of rings (calls in) and dials (calls out), newest first, each row updated as the
// call moves on (ringing, answered, cleared, timeout; dialing, ringing, answered, failed, ended).
// Rows are coloured by state; the main window filters it through a QSortFilterProxyModel.
class RingLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        DirectionColumn,
        FromColumn,
        ToColumn,
        RoomColumn,
        StateColumn,
        CallIdColumn,
        ColumnCount
    };
    enum Role { StateRole = Qt::UserRole + 1, CallIdRole };

    explicit RingLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Admin-protocol events (docs/admin-socket.md); unknown callIds are ignored by the updates.
    void addRing(const QJsonObject &ring); // {callId, from, fromName?, to, room, at, state?}
    void addDial(const QJsonObject &dial); // {callId, room, peerId, number, outcome, at}
    void setState(const QString &callId, const QString &state, const QString &reason = {});
    // Rings still ringing when the console connects (snapshot); the log itself is kept.
    void mergeActive(const QJsonArray &rings);
    void clear();
    // Rings in (not dials) still ringing.
    int ringingCount() const;

    static constexpr int maxRows = 1000;

private:
    struct Entry {
        QString callId;
        bool outbound = false;
        QString from;
        QString to;
        QString room;
        QString at;
        QString state;
        QString reason;
    };
    int rowOf(const QString &callId) const;
    void prepend(Entry entry);

    QList<Entry> m_rows; // newest first
};
