#pragma once

#include "AlertSink.h"

#include <QObject>
#include <QString>

class QMenu;
class QProcess;
class QSystemTrayIcon;

// The desktop side of AlertSink: a QSystemTrayIcon (when the desktop has a tray) showing the
// connection state and the rings in flight, its balloon notifications, and the ringtone played by
// the system's player (paplay, pw-play or aplay; no Qt Multimedia). Clicking the icon or a
// notification emits activated(), which raises the window.
class TrayAlerts : public QObject, public AlertSink {
    Q_OBJECT
public:
    explicit TrayAlerts(QMenu *menu, QObject *parent = nullptr);
    ~TrayAlerts() override;

    bool hasTray() const { return m_tray != nullptr; }
    void setStatus(const Status &status) override;
    void notify(const QString &title, const QString &body) override;
    void playRingtone() override;
    // The player found on PATH, empty when none.
    static QString findPlayer();

signals:
    void activated();
    // A notification the desktop could not show (no tray): the window shows it instead.
    void notificationUnshown(const QString &title, const QString &body);

private:
    QString soundFile();

    QSystemTrayIcon *m_tray = nullptr;
    QProcess *m_player = nullptr;
    QString m_soundPath;
};
