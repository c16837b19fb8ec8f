#pragma once

#include <QObject>
#include <QSocketNotifier>
#include <memory>

// POSIX signals through a socketpair: the handler only write()s one byte; a QSocketNotifier
// turns it into a Qt signal on the event loop (STYLE.md §10). One instance per process.
// On Windows the same signals come from the SCM's controls or Ctrl+C (platform/WindowsService).
class SignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminateRequested(); // SIGTERM, SIGINT
    void reloadRequested(); // SIGHUP

private:
    void onReadable();
    static void handler(int signal);

    std::unique_ptr<QSocketNotifier> m_notifier;
    static int s_fds[2];
};
