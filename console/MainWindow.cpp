#include "MainWindow.h"

#include "ConnectDialog.h"
#include "RingNotifier.h"
#include "SecretStore.h"
#include "ServerView.h"
#include "TrayAlerts.h"

#include <QApplication>
#include <QCloseEvent>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

using namespace Qt::StringLiterals;

MainWindow::MainWindow(SecretStore &secrets, QWidget *parent)
    : QMainWindow(parent), m_secrets(secrets), m_servers(new QTabWidget(this)),
      m_stateLabel(new QLabel(this)), m_countersLabel(new QLabel(this))
{
    setWindowTitle(tr("Switchboard console"));
    setWindowIcon(QIcon(u":/console/icons/app.svg"_s));
    resize(1200, 720);

    auto *trayMenu = new QMenu(this);
    m_tray = new TrayAlerts(trayMenu, this);
    m_notifier = new RingNotifier(*m_tray, this);
    trayMenu->addAction(tr("Show the console"), this, &MainWindow::bringToFront);
    trayMenu->addAction(tr("Quit"), this, &MainWindow::quit);
    connect(m_tray, &TrayAlerts::activated, this, &MainWindow::bringToFront);
    connect(m_tray, &TrayAlerts::notificationUnshown, this,
            [this](const QString &title, const QString &body) {
                statusBar()->showMessage(title + u" — "_s + body, 15000);
                QApplication::alert(this);
            });

    QMenu *server = menuBar()->addMenu(tr("&Server"));
    QAction *connectAction
        = server->addAction(QIcon(u":/console/icons/connect.svg"_s), tr("&Connect…"),
                            QKeySequence::Open, this, [this] { showConnectDialog(); });
    connectAction->setToolTip(tr("Connect to a server (a new tab when this one is in use)"));
    server->addAction(tr("&Disconnect"), this, [this] {
        if (ServerView *v = currentView())
            v->client()->disconnectFromServer();
    });
    server->addAction(tr("Close &tab"), QKeySequence::Close, this,
                      [this] { closeView(m_servers->currentIndex()); });
    server->addSeparator();
    server->addAction(tr("&Quit"), QKeySequence::Quit, this, &MainWindow::quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *find = view->addAction(QIcon(u":/console/icons/find.svg"_s), tr("&Find"),
                                    QKeySequence::Find, this, [this] {
                                        if (ServerView *v = currentView())
                                            v->focusFind();
                                    });
    QAction *refresh = view->addAction(QIcon(u":/console/icons/refresh.svg"_s), tr("&Refresh"),
                                       QKeySequence::Refresh, this, [this] {
                                           if (ServerView *v = currentView())
                                               v->refresh();
                                       });
    refresh->setToolTip(tr("Reload the history, or reconnect now while offline (F5)"));
    QAction *copy = view->addAction(QIcon(u":/console/icons/copy.svg"_s), tr("&Copy row"),
                                    QKeySequence::Copy, this, [this] {
                                        if (ServerView *v = currentView())
                                            v->copyCurrentRow();
                                    });
    QAction *kick = view->addAction(QIcon(u":/console/icons/kick.svg"_s), tr("&Kick peer…"),
                                    QKeySequence::Delete, this, [this] {
                                        if (ServerView *v = currentView())
                                            v->kickSelected();
                                    });
    kick->setToolTip(tr("Kick the peer selected in the rooms tree (asks first; Del)"));

    QMenu *settingsMenu = menuBar()->addMenu(tr("S&ettings"));
    m_ringtone = settingsMenu->addAction(tr("Play a &ringtone for new rings"));
    m_ringtone->setCheckable(true);
    m_ringtone->setChecked(QSettings().value(u"ringtone"_s, false).toBool());
    m_ringtone->setToolTip(TrayAlerts::findPlayer().isEmpty()
                               ? tr("No sound player (paplay, pw-play, aplay) was found")
                               : tr("Played with %1").arg(TrayAlerts::findPlayer()));
    m_notifier->setRingtoneEnabled(m_ringtone->isChecked());
    connect(m_ringtone, &QAction::toggled, this, [this](bool on) {
        m_notifier->setRingtoneEnabled(on);
        QSettings().setValue(u"ringtone"_s, on);
    });

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolbar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({connectAction, refresh, find, copy, kick});

    m_servers->setTabsClosable(true);
    m_servers->setMovable(true);
    m_servers->setDocumentMode(true);
    connect(m_servers, &QTabWidget::tabCloseRequested, this, &MainWindow::closeView);
    connect(m_servers, &QTabWidget::currentChanged, this, &MainWindow::updateStatus);
    setCentralWidget(m_servers);
    statusBar()->addPermanentWidget(m_countersLabel);
    statusBar()->addWidget(m_stateLabel);

    QSettings settings;
    restoreGeometry(settings.value(u"window/geometry"_s).toByteArray());
    restoreState(settings.value(u"window/state"_s).toByteArray());
    addView();
}

MainWindow::~MainWindow() = default;

ServerView *MainWindow::addView()
{
    auto *view = new ServerView(m_servers);
    QSettings settings;
    settings.beginGroup(u"layout"_s);
    view->restoreLayout(settings);
    const int index
        = m_servers->addTab(view, QIcon(u":/console/icons/tray-offline.svg"_s), view->label());
    m_servers->setCurrentIndex(index);
    AdminClient *client = view->client();
    m_notifier->addClient(client, view->label());
    connect(view, &ServerView::statusMessage, this,
            [this](const QString &text) { statusBar()->showMessage(text, 5000); });
    connect(view, &ServerView::labelChanged, this, [this, view] {
        const int i = m_servers->indexOf(view);
        m_servers->setTabText(i, view->label());
        m_notifier->removeClient(view->client());
        m_notifier->addClient(view->client(), view->label());
    });
    connect(client, &AdminClient::stateChanged, this, [this, view](AdminClient::State state) {
        const int i = m_servers->indexOf(view);
        const char *icon = state == AdminClient::State::Online ? ":/console/icons/tray-online.svg"
                                                               : ":/console/icons/tray-offline.svg";
        m_servers->setTabIcon(i, QIcon(QString::fromLatin1(icon)));
        m_servers->setTabToolTip(
            i, u"%1 — %2"_s.arg(view->client()->url().toString(), view->client()->lastError()));
        if (view == currentView())
            updateStatus();
    });
    connect(client, &AdminClient::countersChanged, this, [this, view](const QJsonObject &c) {
        if (view == currentView())
            onCounters(c);
    });
    updateStatus();
    return view;
}

void MainWindow::closeView(int index)
{
    auto *view = qobject_cast<ServerView *>(m_servers->widget(index));
    if (!view)
        return;
    if (m_servers->count() == 1) {
        view->client()->disconnectFromServer();
        return; // keep one (empty) tab
    }
    m_notifier->removeClient(view->client());
    m_servers->removeTab(index);
    view->deleteLater();
}

ServerView *MainWindow::currentView() const
{
    return qobject_cast<ServerView *>(m_servers->currentWidget());
}

QList<ServerView *> MainWindow::views() const
{
    QList<ServerView *> out;
    for (int i = 0; i < m_servers->count(); ++i)
        out.append(qobject_cast<ServerView *>(m_servers->widget(i)));
    return out;
}

ServerView *MainWindow::openConnection(const QUrl &url, const AdminClient::Credentials &credentials)
{
    ServerView *view = currentView();
    if (!view || !view->client()->url().isEmpty())
        view = addView();
    view->client()->connectTo(url, credentials);
    m_servers->setTabText(m_servers->indexOf(view), view->label());
    updateStatus();
    return view;
}

bool MainWindow::showConnectDialog()
{
    ConnectDialog dialog(m_secrets, this);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    dialog.remember();
    openConnection(dialog.url(), dialog.credentials());
    return true;
}

void MainWindow::bringToFront()
{
    showNormal();
    raise();
    activateWindow();
}

void MainWindow::updateStatus()
{
    ServerView *view = currentView();
    if (!view)
        return;
    AdminClient *c = view->client();
    switch (c->state()) {
    case AdminClient::State::Online:
        m_stateLabel->setText(tr("● Online: %1 at %2").arg(c->tenant(), c->url().toString()));
        break;
    case AdminClient::State::Connecting:
    case AdminClient::State::Authenticating:
        m_stateLabel->setText(tr("Connecting to %1…").arg(c->url().toString()));
        break;
    case AdminClient::State::Offline: m_stateLabel->setText(tr("○ Offline")); break;
    }
    onCounters(c->counters());
}

void MainWindow::onCounters(const QJsonObject &c)
{
    if (c.isEmpty()) {
        m_countersLabel->clear();
        return;
    }
    m_countersLabel->setText(tr("rooms %1 · peers %2 · sessions %3 · phones %4 · ringing %5 · "
                                "consoles %6 · up %7 s")
                                 .arg(c.value(u"rooms"_s).toInt())
                                 .arg(c.value(u"peers"_s).toInt())
                                 .arg(c.value(u"sessions"_s).toInt())
                                 .arg(c.value(u"phones"_s).toInt())
                                 .arg(c.value(u"ringing"_s).toInt())
                                 .arg(c.value(u"consoles"_s).toInt())
                                 .arg(c.value(u"uptimeSec"_s).toInteger()));
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(u"window/geometry"_s, saveGeometry());
    settings.setValue(u"window/state"_s, saveState());
    if (ServerView *view = currentView()) {
        settings.beginGroup(u"layout"_s);
        view->saveLayout(settings);
    }
}

void MainWindow::quit()
{
    m_quitting = true;
    saveLayout();
    QApplication::quit();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    if (!m_quitting && m_tray->hasTray()) {
        // The operator closes the window, not the console: rings still reach the tray.
        hide();
        if (!m_toldAboutTray)
            m_tray->notify(tr("Switchboard console"),
                           tr("Still running in the tray; Quit from its menu."));
        m_toldAboutTray = true;
        event->ignore();
        return;
    }
    event->accept();
    QApplication::quit();
}
