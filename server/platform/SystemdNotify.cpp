#include "platform/SystemdNotify.h"

#include <QLoggingCategory>

#ifdef SB_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace {
Q_LOGGING_CATEGORY(lcService, "switchboard.service", QtInfoMsg)
}

SystemdNotify::SystemdNotify(QObject *parent) : QObject(parent)
{
#ifdef SB_HAVE_SYSTEMD
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        // Half the period, as sd_watchdog_enabled(3) advises; from the event loop, so a blocked
        // loop stops the pings and systemd restarts the service.
        m_watchdog.setInterval(int(std::max<uint64_t>(1, usec / 2000)));
        connect(&m_watchdog, &QTimer::timeout, this, [this] { send("WATCHDOG=1"); });
        m_watchdog.start();
        qCInfo(lcService) << "systemd watchdog every" << m_watchdog.interval() << "ms";
    }
#endif
}

bool SystemdNotify::compiledIn()
{
#ifdef SB_HAVE_SYSTEMD
    return true;
#else
    return false;
#endif
}

void SystemdNotify::ready(const QString &status)
{
    send(status.isEmpty() ? QByteArray("READY=1") : "READY=1\nSTATUS=" + status.toUtf8());
}

void SystemdNotify::reloading()
{
    send("RELOADING=1");
}

void SystemdNotify::stopping()
{
    m_watchdog.stop();
    send("STOPPING=1");
}

void SystemdNotify::send(const QByteArray &state)
{
#ifdef SB_HAVE_SYSTEMD
    if (sd_notify(0, state.constData()) < 0)
        qCWarning(lcService) << "sd_notify failed";
#else
    Q_UNUSED(state)
#endif
}
