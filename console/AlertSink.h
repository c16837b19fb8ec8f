#pragma once

#include <QString>

// Where the console's alerts go: the tray icon, desktop notifications and the ringtone. The
// widgets implement it with QSystemTrayIcon (TrayAlerts); tests with a recorder, so that the
// RingNotifier's logic runs without a desktop.
class AlertSink {
public:
    struct Status {
        QString tooltip; // one line per server: state and rings in flight
        int ringing = 0; // rings in flight on all servers
        bool anyOnline = false;
        bool allOnline = false;
    };

    virtual ~AlertSink() = default;
    virtual void setStatus(const Status &status) = 0;
    virtual void notify(const QString &title, const QString &body) = 0;
    virtual void playRingtone() = 0;
};
