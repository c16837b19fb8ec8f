#include "TrayAlerts.h"

#include <QDir>
#include <QFile>
#include <QIcon>
#include <QLoggingCategory>
#include <QMenu>
#include <QProcess>
#include <QStandardPaths>
#include <QSystemTrayIcon>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcTray, "switchboard.console.tray", QtInfoMsg)
}

TrayAlerts::TrayAlerts(QMenu *menu, QObject *parent) : QObject(parent)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(QIcon(u":/console/icons/tray-offline.svg"_s), this);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                    emit activated();
            });
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, &TrayAlerts::activated);
    m_tray->show();
}

TrayAlerts::~TrayAlerts()
{
    if (m_player && m_player->state() != QProcess::NotRunning)
        m_player->kill(); // a ring sound outliving the console would be odd
}

void TrayAlerts::setStatus(const Status &status)
{
    if (!m_tray)
        return;
    QString icon = u":/console/icons/tray-offline.svg"_s;
    if (status.ringing > 0)
        icon = u":/console/icons/tray-ringing.svg"_s;
    else if (status.anyOnline)
        icon = u":/console/icons/tray-online.svg"_s;
    m_tray->setIcon(QIcon(icon));
    m_tray->setToolTip(status.tooltip);
}

void TrayAlerts::notify(const QString &title, const QString &body)
{
    if (m_tray && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(title, body, QIcon(u":/console/icons/tray-ringing.svg"_s), 15000);
    else
        emit notificationUnshown(title, body);
}

QString TrayAlerts::findPlayer()
{
    for (const QString &name : {u"paplay"_s, u"pw-play"_s, u"aplay"_s}) {
        const QString path = QStandardPaths::findExecutable(name);
        if (!path.isEmpty())
            return path;
    }
    return {};
}

QString TrayAlerts::soundFile()
{
    if (!m_soundPath.isEmpty() && QFile::exists(m_soundPath))
        return m_soundPath;
    // The player needs a real file: copy the bundled sound out of the resources once.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    QDir().mkpath(dir);
    const QString path = dir + u"/ring.wav"_s;
    QFile::remove(path);
    if (!QFile::copy(u":/console/sounds/ring.wav"_s, path))
        return {};
    m_soundPath = path;
    return path;
}

void TrayAlerts::playRingtone()
{
    const QString player = findPlayer();
    const QString sound = soundFile();
    if (player.isEmpty() || sound.isEmpty()) {
        qCInfo(lcTray) << "no sound player (paplay, pw-play, aplay) found; ringtone not played";
        return;
    }
    if (!m_player) {
        m_player = new QProcess(this);
        m_player->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    }
    if (m_player->state() != QProcess::NotRunning)
        return; // still ringing from the last one
    QStringList args{sound};
    if (player.endsWith(u"aplay"_s))
        args.prepend(u"-q"_s);
    m_player->start(player, args); // asynchronous: never waited for
}
