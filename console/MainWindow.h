#pragma once

#include "AdminClient.h"

#include <QMainWindow>

class JsonTableModel;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTreeView;
class SecretStore;

// The operator's window: rooms and peers on the left; ring log, phones, trunks and the three
// editors on the right; connection state and counters in the status bar. It only displays the
// AdminClient's models and calls its commands.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(AdminClient &client, SecretStore &secrets, QWidget *parent = nullptr);

    // Asks where to connect, then connects; false when cancelled.
    bool showConnectDialog();
    QTreeView *roomsView() const { return m_roomsView; }
    QSortFilterProxyModel *ringFilter() const { return m_ringFilter; }

private:
    enum class Editor { VirtualNumbers, Aliases, Whitelist };
    QWidget *makeTable(JsonTableModel *model, QTableView **view);
    QWidget *makeEditor(Editor editor, JsonTableModel *model);
    void editRecord(Editor editor, JsonTableModel *model, QTableView *view, bool create);
    void deleteRecord(Editor editor, JsonTableModel *model, QTableView *view);
    void onRoomsContextMenu(const QPoint &pos);
    void onStateChanged(AdminClient::State state);
    void onCounters(const QJsonObject &counters);
    void onCommandFinished(const QString &id, bool ok, const QString &code, const QString &message,
                           const QString &field);

    AdminClient &m_client;
    SecretStore &m_secrets;
    QTreeView *m_roomsView;
    QSortFilterProxyModel *m_ringFilter;
    QLineEdit *m_ringFilterEdit;
    QLabel *m_offline;
    QLabel *m_stateLabel;
    QLabel *m_countersLabel;
    QHash<QString, QString> m_pending; // command id → what it did, for the status bar
};
