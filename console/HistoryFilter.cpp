#include "HistoryFilter.h"

#include "HistoryModel.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

HistoryFilter::HistoryFilter(QObject *parent) : QSortFilterProxyModel(parent)
{
}

void HistoryFilter::setText(const QString &text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

void HistoryFilter::setResult(const QString &result)
{
    m_result = result;
    invalidateFilter();
}

void HistoryFilter::setDateRange(const QDate &from, const QDate &to)
{
    m_from = from;
    m_to = to;
    invalidateFilter();
}

void HistoryFilter::setMissedToday(bool on)
{
    m_missedToday = on;
    invalidateFilter();
}

void HistoryFilter::setToday(const QDate &today)
{
    m_today = today;
    invalidateFilter();
}

QDate HistoryFilter::today() const
{
    return m_today.isValid() ? m_today : QDate::currentDate();
}

bool HistoryFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const QString result = index.data(HistoryModel::ResultRole).toString();
    const QDate day = index.data(HistoryModel::TimeRole).toDateTime().toLocalTime().date();
    if (m_missedToday && (result != u"missed"_s || day != today()))
        return false;
    if (!m_result.isEmpty() && result != m_result)
        return false;
    if (m_from.isValid() && day < m_from)
        return false;
    if (m_to.isValid() && day > m_to)
        return false;
    if (m_text.isEmpty())
        return true;
    for (const int role :
         {HistoryModel::NumberRole, HistoryModel::NameRole, HistoryModel::RoomRole}) {
        if (index.data(role).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}
