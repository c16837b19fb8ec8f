#include "signal/AddressWindow.h"

bool AddressWindow::allows(const QHostAddress &address, qint64 nowMs)
{
    prune(nowMs);
    const auto it = m_times.find(address);
    if (it == m_times.end())
        return m_max > 0;
    QList<qint64> &times = it.value();
    while (!times.isEmpty() && nowMs - times.first() >= m_windowMs)
        times.removeFirst();
    return times.size() < m_max;
}

void AddressWindow::add(const QHostAddress &address, qint64 nowMs)
{
    QList<qint64> &times = m_times[address];
    times.append(nowMs);
    while (times.size() > qMax(1, m_max))
        times.removeFirst();
}

bool AddressWindow::take(const QHostAddress &address, qint64 nowMs)
{
    if (!allows(address, nowMs))
        return false;
    add(address, nowMs);
    return true;
}

void AddressWindow::prune(qint64 nowMs)
{
    // At most once a window, drop every address whose last event has left it.
    if (nowMs - m_lastPruneMs < m_windowMs)
        return;
    m_lastPruneMs = nowMs;
    for (auto it = m_times.begin(); it != m_times.end();) {
        if (it->isEmpty() || nowMs - it->last() >= m_windowMs)
            it = m_times.erase(it);
        else
            ++it;
    }
}
