#include "metrics/LoopLag.h"

#include <algorithm>

LoopLag::LoopLag(int intervalMs, QObject *parent) : QObject(parent), m_intervalMs(intervalMs)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &LoopLag::onTick);
    m_clock.start();
    m_expectedMs = intervalMs;
    m_timer.start();
}

void LoopLag::onTick()
{
    const qint64 now = m_clock.elapsed();
    const double late = double(std::max<qint64>(0, now - m_expectedMs)) / 1000.0;
    m_lag.observe(late);
    m_max = std::max(m_max, late);
    m_expectedMs = now + m_intervalMs;
}
