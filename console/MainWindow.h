#pragma once

#include "AdminClient.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QTabWidget;
class RingNotifier;
class SecretStore;
class ServerView;
class TrayAlerts;

// The operator's window: one tab per server connection (ServerView), each with its own state;
// menus and shortcuts act on the current tab; the status bar shows its connection and counters.
// A tray icon tells of rings on every server; closing the window keeps the console in the tray
// when the desktop has one. Geometry and column widths are kept in QSettings.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(SecretStore &secrets, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Asks where to connect, then connects (in a new tab when the current one is in use); false
    // when cancelled.
    bool showConnectDialog();
    // Connects in a new tab (or the current one while it has never connected).
    ServerView *openConnection(const QUrl &url, const AdminClient::Credentials &credentials);
    ServerView *currentView() const;
    QList<ServerView *> views() const;
    QTabWidget *serverTabs() const { return m_servers; }
    RingNotifier *notifier() const { return m_notifier; }
    void bringToFront();
    void quit(); // the console, not only the window

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    ServerView *addView();
    void closeView(int index);
    void updateStatus();
    void onCounters(const QJsonObject &counters);
    void saveLayout();

    SecretStore &m_secrets;
    QTabWidget *m_servers;
    QLabel *m_stateLabel;
    QLabel *m_countersLabel;
    TrayAlerts *m_tray;
    RingNotifier *m_notifier;
    QAction *m_ringtone;
    bool m_quitting = false;
    bool m_toldAboutTray = false;
};
