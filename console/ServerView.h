#pragma once

#include "AdminClient.h"

#include <QHash>
#include <QWidget>

class CallStats;
class DashboardPage;
class HistoryModel;
class HistoryPage;
class JsonTableModel;
class QAbstractItemModel;
class QLabel;
class QLineEdit;
class QSettings;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTimer;
class QTreeView;
class TrendHistory;

// One server connection with its own state: rooms and peers on the left; ring log, history,
// dial log, dashboard, phones, trunks and the three editors on the right; a banner while offline
// that says when it reconnects. Owns its AdminClient, so that connections never block each other.
class ServerView : public QWidget {
    Q_OBJECT
public:
    explicit ServerView(QWidget *parent = nullptr);

    AdminClient *client() const { return m_client; }
    QString label() const; // tenant @ host:port
    QTreeView *roomsView() const { return m_roomsView; }
    QSortFilterProxyModel *ringFilter() const { return m_ringFilter; }
    HistoryPage *historyPage() const { return m_history; }
    HistoryPage *dialPage() const { return m_dials; }
    DashboardPage *dashboard() const { return m_dashboard; }
    QTabWidget *tabs() const { return m_tabs; }
    TrendHistory *trends() const { return m_trends; }
    CallStats *callStats() const { return m_callStats; }
    QLabel *offlineBanner() const { return m_offline; }

    // The operator's shortcuts.
    void focusFind();
    void refresh();
    void kickSelected(); // asks first
    bool copyCurrentRow(); // the focused table's current row, tab-separated
    void saveLayout(QSettings &settings) const;
    void restoreLayout(QSettings &settings);

signals:
    void statusMessage(const QString &text);
    void labelChanged();

private:
    enum class Editor { VirtualNumbers, Aliases, Whitelist };
    QTableView *makeTable(QAbstractItemModel *model, const QString &name);
    QWidget *makeEditor(Editor editor, JsonTableModel *model, const QString &name);
    void editRecord(Editor editor, JsonTableModel *model, QTableView *view, bool create);
    void deleteRecord(Editor editor, JsonTableModel *model, QTableView *view);
    void onRoomsContextMenu(const QPoint &pos);
    void kick(const QModelIndex &peer);
    void onStateChanged(AdminClient::State state);
    void onCommandFinished(const QString &id, bool ok, const QString &code, const QString &message,
                           const QString &field);
    void updateBanner();
    QList<QTableView *> tables() const;

    AdminClient *m_client;
    HistoryModel *m_callsModel;
    HistoryModel *m_dialsModel;
    TrendHistory *m_trends;
    CallStats *m_callStats;
    QTreeView *m_roomsView;
    QSortFilterProxyModel *m_ringFilter;
    QLineEdit *m_ringFilterEdit;
    QTabWidget *m_tabs;
    HistoryPage *m_history;
    HistoryPage *m_dials;
    DashboardPage *m_dashboard;
    QLabel *m_offline;
    QTimer *m_countdown;
    qint64 m_retryAtMs = 0;
    QHash<QString, QString> m_pending; // command id → what it did, for the status bar
};
