#pragma once

#include <QDate>
#include <QSortFilterProxyModel>
#include <QString>

// What the operator searches the history for: text in the number, name or room; one result
// (answered, missed, …; empty for any); a range of local dates; or "missed today". Sits on a
// HistoryModel; the CSV export writes exactly what it lets through.
class HistoryFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit HistoryFilter(QObject *parent = nullptr);

    void setText(const QString &text);
    void setResult(const QString &result);
    // Local dates, both inclusive; an invalid date is no bound.
    void setDateRange(const QDate &from, const QDate &to);
    void setMissedToday(bool on);
    // "Today" for the missed-today filter; tests pin it (default: the local date now).
    void setToday(const QDate &today);

    QString text() const { return m_text; }
    QString result() const { return m_result; }
    bool missedToday() const { return m_missedToday; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QDate today() const;

    QString m_text;
    QString m_result;
    QDate m_from;
    QDate m_to;
    QDate m_today;
    bool m_missedToday = false;
};
