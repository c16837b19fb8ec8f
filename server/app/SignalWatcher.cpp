#include "app/SignalWatcher.h"

#include <QLoggingCategory>

#ifdef Q_OS_WIN
#include "platform/WindowsService.h"

// No POSIX signals: the SCM's stop and shutdown (or Ctrl+C in a console) and its control 128
// arrive on a thread of Windows' own (WindowsService); they are only queued onto the loop.
SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent)
{
    WindowsService::setControlHandler([this](WindowsService::Control control) {
        if (control == WindowsService::Control::Reload)
            QMetaObject::invokeMethod(this, &SignalWatcher::reloadRequested, Qt::QueuedConnection);
        else
            QMetaObject::invokeMethod(this, &SignalWatcher::terminateRequested,
                                      Qt::QueuedConnection);
    });
}

SignalWatcher::~SignalWatcher()
{
    WindowsService::setControlHandler({});
}
#else
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {
Q_LOGGING_CATEGORY(lcApp, "switchboard.app", QtInfoMsg)
}

int SignalWatcher::s_fds[2] = {-1, -1};

SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s_fds) != 0) {
        qCWarning(lcApp) << "cannot create the signal socketpair; signals keep their defaults";
        return;
    }
    m_notifier = std::make_unique<QSocketNotifier>(s_fds[1], QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &SignalWatcher::onReadable);
    struct sigaction sa = {};
    sa.sa_handler = &SignalWatcher::handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGTERM, SIGINT, SIGHUP})
        ::sigaction(sig, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

SignalWatcher::~SignalWatcher()
{
    for (int sig : {SIGTERM, SIGINT, SIGHUP})
        ::signal(sig, SIG_DFL);
    m_notifier.reset();
    for (int &fd : s_fds) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

void SignalWatcher::handler(int signal)
{
    const char byte = char(signal);
    // Only async-signal-safe calls here.
    [[maybe_unused]] const auto n = ::write(s_fds[0], &byte, 1);
}

void SignalWatcher::onReadable()
{
    char byte = 0;
    if (::read(s_fds[1], &byte, 1) != 1)
        return;
    if (byte == SIGHUP)
        emit reloadRequested();
    else
        emit terminateRequested();
}
#endif // Q_OS_WIN
