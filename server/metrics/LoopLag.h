#pragma once

#include "metrics/Histogram.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

// Event-loop lag: a timer due every `intervalMs` notes how late it fires. A loop blocked by a
// slow handler shows here before users notice.
class LoopLag : public QObject {
    Q_OBJECT
public:
    explicit LoopLag(int intervalMs = 250, QObject *parent = nullptr);
    const Histogram &lag() const { return m_lag; }
    double maxSeconds() const { return m_max; }

private:
    void onTick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_expectedMs = 0;
    int m_intervalMs;
    Histogram m_lag = Histogram::seconds();
    double m_max = 0;
};
