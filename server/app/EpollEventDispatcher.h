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
//
// Qt enables a socket's write notifier for every write and disables it once the buffer is
// flushed. Passing that to the kernel cost two epoll_ctl and one more loop round per relayed
// frame, so notifier changes are applied lazily (only the net change, right before
// epoll_wait), and a write notifier that is newly enabled on a socket whose interest set lacks
// EPOLLOUT is taken as ready without asking the kernel: it is activated once at the end of the
// round (so all writes of one round leave in one flush) and reaches epoll only if it is still
// enabled after that, i.e. when the kernel's send buffer was full.
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

    // Counters for tests and benchmarks (never timed).
    struct Stats {
        quint64 epollCtls = 0; // epoll_ctl calls for socket notifiers
        quint64 epollWaits = 0;
        quint64 assumedWrites = 0; // write notifiers activated without asking the kernel
    };
    const Stats &stats() const { return m_stats; }

private:
    struct Watch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 generation = 0;
        quint32 kernelMask = 0; // what epoll currently has for this fd
        quint32 kernelGeneration = 0;
        bool inKernel = false;
        bool dirty = false; // listed in m_dirty
        bool writeAssumed = false; // queued in m_assumed: activated without epoll's EPOLLOUT
    };
    struct Timer {
        qint64 interval = 0;
        qint64 deadline = 0; // ms, steady clock
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        bool active = false; // its timerEvent is running: no recursion from nested loops
    };

    static qint64 nowMs();
    void markDirty(int fd, Watch &watch);
    void applyInterest();
    // Activates the write notifiers queued since the last call; false if none were queued.
    bool deliverAssumedWrites();
    bool fireTimers();
    int waitTimeoutMs(bool wait) const;
    void dispatchSocket(int fd, quint32 generation, quint32 events);

    int m_epoll = -1;
    int m_wakeFd = -1;
    QAtomicInt m_wakeUps;
    QAtomicInt m_interrupt;
    QHash<int, Watch> m_watches;
    QList<int> m_dirty; // fds whose interest changed since the last epoll_ctl
    QList<std::pair<int, quint32>> m_assumed; // (fd, generation): write taken as ready
    QList<std::pair<int, quint32>> m_assumedBatch; // the one being delivered (kept allocated)
    Stats m_stats;
    quint32 m_generation = 0;
    QHash<int, Timer> m_timers;
    std::set<std::pair<qint64, int>> m_queue; // (deadline, timerId)
};

#endif // Q_OS_LINUX
