#include "app/EpollEventDispatcher.h"

#ifdef Q_OS_LINUX

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <cerrno>
#include <climits>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace {
Q_LOGGING_CATEGORY(lcLoop, "switchboard.loop", QtInfoMsg)

constexpr int maxEvents = 256;

// epoll data: the fd and a generation, so that an event for a socket that was closed and whose
// fd number was reused during the same round is not delivered to the new socket's notifier.
quint64 pack(int fd, quint32 generation)
{
    return (quint64(generation) << 32) | quint32(fd);
}
} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent), m_epoll(epoll_create1(EPOLL_CLOEXEC)),
      m_wakeFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (m_epoll < 0 || m_wakeFd < 0)
        qFatal("EpollEventDispatcher: epoll_create1/eventfd failed (errno %d)", errno);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = pack(m_wakeFd, 0);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    ::close(m_wakeFd);
    ::close(m_epoll);
}

qint64 EpollEventDispatcher::nowMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void EpollEventDispatcher::markDirty(int fd, Watch &watch)
{
    if (!watch.dirty) {
        watch.dirty = true;
        m_dirty.append(fd);
    }
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    auto it = m_watches.find(fd);
    if (it == m_watches.end()) {
        it = m_watches.insert(fd, Watch{});
        it->generation = ++m_generation;
    } else if (!it->read && !it->write && !it->exception) {
        it->generation = ++m_generation; // a new socket on a reused fd number
    }
    QSocketNotifier **slot = nullptr;
    switch (notifier->type()) {
    case QSocketNotifier::Read: slot = &it->read; break;
    case QSocketNotifier::Write: slot = &it->write; break;
    case QSocketNotifier::Exception: slot = &it->exception; break;
    }
    if (*slot && *slot != notifier)
        qCWarning(lcLoop) << "several socket notifiers of one type for fd" << fd;
    *slot = notifier;
    if (notifier->type() == QSocketNotifier::Write && !it->writeAssumed) {
        const bool kernelHasOut
            = it->inKernel && it->kernelGeneration == it->generation && (it->kernelMask & EPOLLOUT);
        if (!kernelHasOut) {
            // A socket is writable unless its send buffer is full, which a write notifier that
            // was off (its buffer had drained) rarely meets: activate it at the end of this
            // round instead of two epoll_ctl and one more epoll_wait.
            it->writeAssumed = true;
            m_assumed.append({fd, it->generation});
        }
    }
    markDirty(fd, *it);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    auto it = m_watches.find(fd);
    if (it == m_watches.end())
        return;
    if (it->read == notifier)
        it->read = nullptr;
    if (it->write == notifier) {
        it->write = nullptr;
        it->writeAssumed = false; // its queue entry, if any, is skipped
    }
    if (it->exception == notifier)
        it->exception = nullptr;
    markDirty(fd, *it);
}

// Interest changes are applied once per round, just before waiting, and only the net change:
// Qt switches a socket's write notifier on and off around every write, and most of those pairs
// cancel out.
void EpollEventDispatcher::applyInterest()
{
    for (const int fd : std::as_const(m_dirty)) {
        auto it = m_watches.find(fd);
        if (it == m_watches.end())
            continue;
        it->dirty = false;
        if (!it->read && !it->write && !it->exception) {
            // Removed from epoll when nobody watches: level-triggered readiness would spin.
            if (it->inKernel) {
                ++m_stats.epollCtls;
                epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); // ENOENT: closed meanwhile
            }
            m_watches.erase(it);
            continue;
        }
        const quint32 want = (it->read ? quint32(EPOLLIN | EPOLLRDHUP) : 0u)
            | (it->write && !it->writeAssumed ? quint32(EPOLLOUT) : 0u)
            | (it->exception ? quint32(EPOLLPRI) : 0u);
        if (want == 0) {
            // Only a write notifier that is taken as ready: keep the fd out of epoll until
            // its activation shows whether the kernel has to be asked.
            if (it->inKernel) {
                ++m_stats.epollCtls;
                epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
                it->inKernel = false;
            }
            continue;
        }
        if (it->inKernel && it->kernelMask == want && it->kernelGeneration == it->generation)
            continue;
        epoll_event ev{};
        ev.events = want;
        ev.data.u64 = pack(fd, it->generation);
        ++m_stats.epollCtls;
        int rc = epoll_ctl(m_epoll, it->inKernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
        if (rc < 0 && errno == ENOENT) { // the old socket was closed; this is a new one
            ++m_stats.epollCtls;
            rc = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
        } else if (rc < 0 && errno == EEXIST) {
            ++m_stats.epollCtls;
            rc = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
        }
        if (rc < 0) {
            qCWarning(lcLoop) << "epoll_ctl failed for fd" << fd << "errno" << errno;
            it->inKernel = false;
            continue;
        }
        it->inKernel = true;
        it->kernelMask = want;
        it->kernelGeneration = it->generation;
    }
    m_dirty.clear();
}

bool EpollEventDispatcher::deliverAssumedWrites()
{
    if (m_assumed.isEmpty())
        return false;
    // Activations may enable more write notifiers: those are queued for the next call.
    m_assumed.swap(m_assumedBatch);
    QEvent event(QEvent::SockAct);
    for (const auto &[fd, generation] : std::as_const(m_assumedBatch)) {
        auto it = m_watches.find(fd);
        if (it == m_watches.end() || it->generation != generation || !it->writeAssumed)
            continue; // disabled, or its socket closed, meanwhile
        it->writeAssumed = false;
        markDirty(fd, *it); // still enabled after the activation: the kernel is asked
        if (QSocketNotifier *n = it->write) {
            ++m_stats.assumedWrites;
            QCoreApplication::sendEvent(n, &event);
        }
    }
    m_assumedBatch.clear();
    return true;
}

void EpollEventDispatcher::dispatchSocket(int fd, quint32 generation, quint32 events)
{
    // Each handler may close sockets and (un)register notifiers: look the watch up every time.
    const auto notifierFor
        = [this, fd, generation](QSocketNotifier *Watch::*slot) -> QSocketNotifier * {
        const auto it = m_watches.constFind(fd);
        return it != m_watches.cend() && it->generation == generation ? (*it).*slot : nullptr;
    };
    QEvent event(QEvent::SockAct);
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        if (QSocketNotifier *n = notifierFor(&Watch::read))
            QCoreApplication::sendEvent(n, &event);
    }
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
        if (QSocketNotifier *n = notifierFor(&Watch::write))
            QCoreApplication::sendEvent(n, &event);
    }
    if (events & EPOLLPRI) {
        if (QSocketNotifier *n = notifierFor(&Watch::exception))
            QCoreApplication::sendEvent(n, &event);
    }
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Timer t;
    t.interval = qMax<qint64>(0, interval);
    // The clock counts whole milliseconds: one more keeps a timer from firing up to 1 ms early.
    t.deadline = nowMs() + t.interval + (t.interval > 0 ? 1 : 0);
    t.type = timerType;
    t.object = object;
    m_timers.insert(timerId, t);
    m_queue.insert({t.deadline, timerId});
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_queue.erase({it->deadline, timerId});
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            m_queue.erase({it->deadline, it.key()});
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            list.append(TimerInfo(it.key(), int(it->interval), it->type));
    }
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    return int(qBound(qint64(0), qMin(it->deadline - nowMs(), it->interval), qint64(INT_MAX)));
}

bool EpollEventDispatcher::fireTimers()
{
    if (m_queue.empty())
        return false;
    const qint64 now = nowMs();
    // Collect first: a zero-interval timer is due again at once and must not loop forever here.
    QVarLengthArray<int, 16> due;
    for (auto it = m_queue.cbegin(); it != m_queue.cend() && it->first <= now; ++it)
        due.append(it->second);
    bool fired = false;
    for (const int id : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end() || it->active || it->deadline > now)
            continue;
        m_queue.erase({it->deadline, id});
        it->deadline += it->interval;
        if (it->deadline <= now)
            it->deadline = now + it->interval; // fell behind: do not fire a burst
        m_queue.insert({it->deadline, id});
        it->active = true;
        QObject *object = it->object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        fired = true;
        it = m_timers.find(id); // the handler may have killed or restarted it
        if (it != m_timers.end())
            it->active = false;
    }
    return fired;
}

int EpollEventDispatcher::waitTimeoutMs(bool wait) const
{
    if (!wait)
        return 0;
    if (m_queue.empty())
        return -1;
    return int(qBound(qint64(0), m_queue.cbegin()->first - nowMs(), qint64(INT_MAX)));
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupt.storeRelaxed(0);
    emit awake();
    QCoreApplication::sendPostedEvents();

    const bool sockets = !(flags & QEventLoop::ExcludeSocketNotifiers);
    bool handled = false;
    // Writes that posted events (or a round that excluded sockets) queued leave before waiting.
    if (sockets && !m_interrupt.loadRelaxed())
        handled = deliverAssumedWrites();

    const bool wait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupt.loadRelaxed()
        && !(sockets && !m_assumed.isEmpty());
    applyInterest();
    const int timeout = waitTimeoutMs(wait);
    if (timeout != 0)
        emit aboutToBlock();
    epoll_event events[maxEvents];
    ++m_stats.epollWaits;
    int n = epoll_wait(m_epoll, events, maxEvents, timeout);
    if (n < 0)
        n = 0; // EINTR
    if (timeout != 0)
        emit awake();

    for (int i = 0; i < n && !m_interrupt.loadRelaxed(); ++i) {
        const int fd = int(quint32(events[i].data.u64));
        if (fd == m_wakeFd) {
            // Read first, then reset: a wakeUp() between a reset and the read would be consumed
            // with the flag left set, and every later cross-thread post would sleep unseen.
            eventfd_t value;
            eventfd_read(m_wakeFd, &value);
            m_wakeUps.storeRelease(0);
            handled = true;
            continue;
        }
        if (!sockets)
            continue; // level-triggered: they come again in a round that takes them
        dispatchSocket(fd, quint32(events[i].data.u64 >> 32), events[i].events);
        handled = true;
    }
    if (!m_interrupt.loadRelaxed() && fireTimers())
        handled = true;
    // Everything this round wrote leaves now, one flush per socket.
    if (sockets && !m_interrupt.loadRelaxed() && deliverAssumedWrites())
        handled = true;
    return handled;
}

void EpollEventDispatcher::wakeUp()
{
    // May be called from any thread (QCoreApplication::postEvent).
    if (m_wakeUps.testAndSetAcquire(0, 1))
        eventfd_write(m_wakeFd, 1);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupt.storeRelaxed(1);
    wakeUp();
}

#endif // Q_OS_LINUX
