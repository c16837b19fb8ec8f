#pragma once

#include <QObject>
#include <QTimer>

// The systemd notify protocol (DESIGN.md "TLS, service and metrics"): READY=1 once the
// listeners are up, RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM, and
// WATCHDOG=1 from the event loop at half of WatchdogSec when the unit sets it. Built on
// libsystemd when SB_SYSTEMD is on; without it (or outside systemd) every call does nothing.
class SystemdNotify : public QObject {
    Q_OBJECT
public:
    explicit SystemdNotify(QObject *parent = nullptr);

    static bool compiledIn();
    // The watchdog ping interval in ms, 0 when the service manager asks for none.
    int watchdogIntervalMs() const { return m_watchdog.isActive() ? m_watchdog.interval() : 0; }

    void ready(const QString &status = {});
    void reloading();
    void stopping();

private:
    void send(const QByteArray &state);

    QTimer m_watchdog;
};
