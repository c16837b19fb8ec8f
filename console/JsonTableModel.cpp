#include "JsonTableModel.h"

#include <QJsonValue>

using namespace Qt::StringLiterals;

JsonTableModel::JsonTableModel(QList<Column> columns, QString keyField, QObject *parent)
    : QAbstractTableModel(parent), m_columns(std::move(columns)), m_keyField(std::move(keyField))
{
}

int JsonTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JsonTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant JsonTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &r = m_rows.at(index.row());
    const QString &key = m_columns.at(index.column()).key;
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: return cellText(r, key);
    case Qt::EditRole: return r.value(key).toVariant();
    default: return {};
    }
}

QVariant JsonTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0
        || section >= m_columns.size())
        return {};
    return m_columns.at(section).header;
}

QString JsonTableModel::keyOf(const QJsonObject &row, const QString &keyField)
{
    const QJsonValue v = row.value(keyField);
    return v.isString() ? v.toString() : v.toVariant().toString();
}

void JsonTableModel::setRows(const QJsonArray &rows)
{
    beginResetModel();
    m_rows.clear();
    for (const QJsonValue &v : rows) {
        if (v.isObject() && !keyOf(v.toObject(), m_keyField).isEmpty())
            m_rows.append(v.toObject());
    }
    endResetModel();
}

void JsonTableModel::upsert(const QJsonObject &row)
{
    const QString key = keyOf(row, m_keyField);
    if (key.isEmpty())
        return;
    const int at = rowOfKey(key);
    if (at >= 0) {
        m_rows[at] = row;
        emit dataChanged(index(at, 0), index(at, columnCount() - 1));
        return;
    }
    const int end = int(m_rows.size());
    beginInsertRows({}, end, end);
    m_rows.append(row);
    endInsertRows();
}

bool JsonTableModel::removeKey(const QString &key)
{
    const int at = rowOfKey(key);
    if (at < 0)
        return false;
    beginRemoveRows({}, at, at);
    m_rows.removeAt(at);
    endRemoveRows();
    return true;
}

void JsonTableModel::clear()
{
    setRows({});
}

int JsonTableModel::rowOfKey(const QString &key) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (keyOf(m_rows.at(i), m_keyField) == key)
            return i;
    }
    return -1;
}

QString JsonTableModel::cellText(const QJsonObject &row, const QString &key) const
{
    const QJsonValue v = row.value(key);
    switch (v.type()) {
    case QJsonValue::Bool: return v.toBool() ? u"yes"_s : u"no"_s;
    case QJsonValue::Double: return QString::number(v.toDouble(), 'g', 15);
    case QJsonValue::String: return v.toString();
    default: return {};
    }
}
