#pragma once

#include <QtGlobal>

#ifdef Q_OS_LINUX

#include <QAbstractEventDispatcher>
#include <QAtomicInt>
#include <QHash>
#include <set>
#include <utility>

class QSocketNotifier;

// The server's main-thread event dispatcher on Linux: epoll instead of Qt's poll()-based
// QEventDispatcherUNIX, whose every wake-up walks all registered sockets. With 10 000 idle
// peers that walk dominated the relay (BENCHMARKS.md: server CPU per relayed frame rose ~10x).
// Here a wake-up costs what is ready, not what is open. Timers are kept ordered by deadline.
// Install it with QCoreApplication::setEventDispatcher() before the application object.
class EpollEventDispatcher : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

private:
    struct Watch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 generation = 0;
        quint32 kernelMask = 0; // what epoll currently has for this fd
        quint32 kernelGeneration = 0;
        bool inKernel = false;
    };
    struct Timer {
        qint64 interval = 0;
        qint64 deadline = 0; // ms, steady clock
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        bool active = false; // its timerEvent is running: no recursion from nested loops
    };

    static qint64 nowMs();
    void applyInterest();
    bool fireTimers();
    int waitTimeoutMs(bool wait) const;
    void dispatchSocket(int fd, quint32 generation, quint32 events);

    int m_epoll = -1;
    int m_wakeFd = -1;
    QAtomicInt m_wakeUps;
    QAtomicInt m_interrupt;
    QHash<int, Watch> m_watches;
    QList<int> m_dirty; // fds whose interest changed since the last epoll_ctl
    quint32 m_generation = 0;
    QHash<int, Timer> m_timers;
    std::set<std::pair<qint64, int>> m_queue; // (deadline, timerId)
};

#endif // Q_OS_LINUX
