#pragma once

#include <QWidget>

class HistoryFilter;
class HistoryModel;
class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QTableView;

// A history tab (call records or dial log): search by number, name or room, a result, a date
// range (asked of the server), "missed today", Load more (the next page) and Export CSV of what
// the filter shows.
class HistoryPage : public QWidget {
    Q_OBJECT
public:
    HistoryPage(HistoryModel *model, QWidget *parent = nullptr);

    QTableView *view() const { return m_view; }
    HistoryFilter *filter() const { return m_filter; }
    void focusSearch();
    void reload(); // asks the server again, with the date range
    // Writes the filtered rows to a file; false with *error.
    bool exportCsv(const QString &path, QString *error);

private:
    void updateStatus();
    void chooseExportFile();

    HistoryModel *m_model;
    HistoryFilter *m_filter;
    QTableView *m_view;
    QLineEdit *m_search;
    QComboBox *m_result;
    QCheckBox *m_useDates;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QCheckBox *m_missedToday;
    QLabel *m_status;
};
