#include "RingLogModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonValue>

using namespace Qt::StringLiterals;

namespace {
// Foreground and background for a state: live calls stand out, failures are red, the quiet
// end of a call is grey.
QColor backgroundFor(const QString &state)
{
    if (state == u"ringing"_s || state == u"dialing"_s)
        return QColor(0xff, 0xf3, 0xc4); // amber: waiting for someone
    if (state == u"answered"_s)
        return QColor(0xd8, 0xf5, 0xd0); // green: talking
    if (state == u"timeout"_s || state == u"missed"_s || state == u"failed"_s
        || state == u"declined"_s)
        return QColor(0xfb, 0xd5, 0xd5); // red: nobody got it
    return {};
}

QColor foregroundFor(const QString &state)
{
    if (state == u"cleared"_s || state == u"ended"_s)
        return QColor(0x70, 0x70, 0x70);
    if (state == u"timeout"_s || state == u"failed"_s || state == u"missed"_s)
        return QColor(0x9b, 0x1c, 0x1c);
    return QColor(0x10, 0x10, 0x10);
}

QString localTime(const QString &rfc3339)
{
    const QDateTime t = QDateTime::fromString(rfc3339, Qt::ISODateWithMs);
    return t.isValid() ? t.toLocalTime().toString(u"HH:mm:ss"_s) : rfc3339;
}
} // namespace

RingLogModel::RingLogModel(QObject *parent) : QAbstractTableModel(parent)
{
}

int RingLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RingLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RingLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &e = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn: return localTime(e.at);
        case DirectionColumn: return e.outbound ? tr("dial out") : tr("ring in");
        case FromColumn: return e.from;
        case ToColumn: return e.to;
        case RoomColumn: return e.room;
        case StateColumn: return e.reason.isEmpty() ? e.state : u"%1 (%2)"_s.arg(e.state, e.reason);
        case CallIdColumn: return e.callId;
        }
        return {};
    case Qt::ToolTipRole: return index.column() == TimeColumn ? e.at : QVariant();
    case Qt::ForegroundRole: return QBrush(foregroundFor(e.state));
    case Qt::BackgroundRole: {
        const QColor c = backgroundFor(e.state);
        return c.isValid() ? QVariant(QBrush(c)) : QVariant();
    }
    case StateRole: return e.state;
    case CallIdRole: return e.callId;
    default: return {};
    }
}

QVariant RingLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case DirectionColumn: return tr("Direction");
    case FromColumn: return tr("From");
    case ToColumn: return tr("To");
    case RoomColumn: return tr("Room");
    case StateColumn: return tr("State");
    case CallIdColumn: return tr("Call ID");
    }
    return {};
}

void RingLogModel::addRing(const QJsonObject &ring)
{
    Entry e;
    e.callId = ring.value(u"callId"_s).toString();
    if (e.callId.isEmpty())
        return;
    const QString fromName = ring.value(u"fromName"_s).toString();
    e.from = ring.value(u"from"_s).toString();
    if (!fromName.isEmpty())
        e.from = u"%1 <%2>"_s.arg(fromName, e.from);
    e.to = ring.value(u"to"_s).toString();
    e.room = ring.value(u"room"_s).toString();
    e.at = ring.value(u"at"_s).toString();
    e.state = ring.value(u"state"_s).toString(u"ringing"_s);
    prepend(std::move(e));
}

void RingLogModel::addDial(const QJsonObject &dial)
{
    Entry e;
    e.outbound = true;
    e.callId = dial.value(u"callId"_s).toString();
    e.from = dial.value(u"room"_s).toString().isEmpty()
        ? QString()
        : u"room:"_s + dial.value(u"room"_s).toString();
    e.to = dial.value(u"number"_s).toString();
    e.room = dial.value(u"room"_s).toString();
    e.at = dial.value(u"at"_s).toString();
    // A refused dial has no callId; it is logged with its outcome as the state.
    e.state = dial.value(u"outcome"_s).toString(u"dialing"_s);
    prepend(std::move(e));
}

void RingLogModel::setState(const QString &callId, const QString &state, const QString &reason)
{
    const int row = rowOf(callId);
    if (row < 0)
        return;
    m_rows[row].state = state;
    m_rows[row].reason = reason;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RingLogModel::mergeActive(const QJsonArray &rings)
{
    for (const QJsonValue &v : rings) {
        const QJsonObject r = v.toObject();
        const QString callId = r.value(u"callId"_s).toString();
        if (callId.isEmpty())
            continue;
        if (rowOf(callId) >= 0)
            setState(callId, r.value(u"state"_s).toString(u"ringing"_s));
        else
            addRing(r);
    }
}

void RingLogModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int RingLogModel::rowOf(const QString &callId) const
{
    if (callId.isEmpty())
        return -1;
    for (int i = 0; i < m_rows.size(); ++i) { // newest first: the latest call with this id
        if (m_rows.at(i).callId == callId)
            return i;
    }
    return -1;
}

void RingLogModel::prepend(Entry entry)
{
    if (m_rows.size() >= maxRows) {
        const int last = int(m_rows.size()) - 1;
        beginRemoveRows({}, last, last);
        m_rows.removeLast();
        endRemoveRows();
    }
    beginInsertRows({}, 0, 0);
    m_rows.prepend(std::move(entry));
    endInsertRows();
}

int RingLogModel::ringingCount() const
{
    int n = 0;
    for (const Entry &e : m_rows)
        n += !e.outbound && e.state == u"ringing"_s ? 1 : 0;
    return n;
}
