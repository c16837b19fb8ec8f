#pragma once

#include <QHash>
#include <QHostAddress>
#include <QList>

// Events per client address in a sliding window (DESIGN.md "Limits": dials per address, wrong
// office keys per address), so that a new socket does not reset a limit. Bounded: addresses
// whose events all left the window are dropped, and no address keeps more than `max` times.
class AddressWindow {
public:
    AddressWindow(int max, qint64 windowMs) : m_max(max), m_windowMs(windowMs) { }

    void setMax(int max) { m_max = max; }
    // True while the address has fewer than `max` events in the window.
    bool allows(const QHostAddress &address, qint64 nowMs);
    void add(const QHostAddress &address, qint64 nowMs);
    // allows() and, when it does, add().
    bool take(const QHostAddress &address, qint64 nowMs);
    int addresses() const { return int(m_times.size()); }

private:
    void prune(qint64 nowMs);

    int m_max;
    qint64 m_windowMs;
    qint64 m_lastPruneMs = 0;
    QHash<QHostAddress, QList<qint64>> m_times;
};
