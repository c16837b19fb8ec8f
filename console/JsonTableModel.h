#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

// A flat table over JSON objects of the admin protocol, one row per object, keyed by one field.
// The console's list models (phones, trunks, virtual numbers, aliases, whitelist) are this with
// their own columns; they only display what the AdminClient hands them.
class JsonTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    struct Column {
        QString key;
        QString header;
    };

    JsonTableModel(QList<Column> columns, QString keyField, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Replaces every row (a snapshot or a full list event).
    void setRows(const QJsonArray &rows);
    // Adds the row, or replaces the row with the same key.
    void upsert(const QJsonObject &row);
    // Removes the row with that key; false when there is none.
    bool removeKey(const QString &key);
    void clear();

    const QJsonObject &row(int row) const { return m_rows.at(row); }
    int rowOfKey(const QString &key) const;
    const QString &keyField() const { return m_keyField; }
    const QList<Column> &columns() const { return m_columns; }
    static QString keyOf(const QJsonObject &row, const QString &keyField);

protected:
    // The text of one cell; subclasses format booleans, times and the like.
    virtual QString cellText(const QJsonObject &row, const QString &key) const;

private:
    QList<Column> m_columns;
    QString m_keyField;
    QList<QJsonObject> m_rows;
};
