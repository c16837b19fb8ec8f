#pragma once

#include <QWidget>

class CallStats;
class QBarSet;
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;
class TrendHistory;

// The trends of one server (Qt Charts): peers, rooms and rings in flight over the last hour from
// the once-a-second counters; calls per hour today (answered / missed / declined) from the call
// records; trunk registration over time.
class DashboardPage : public QWidget {
    Q_OBJECT
public:
    DashboardPage(TrendHistory *trends, CallStats *calls, QWidget *parent = nullptr);

    // Redraws everything from the data (also after a reconnect).
    void rebuild();

private:
    void addSample();
    void updateCalls();
    void updateTrunks();
    static QChartView *makeView(QChart *chart, QWidget *parent);

    TrendHistory *m_trends;
    CallStats *m_calls;
    QLineSeries *m_peers;
    QLineSeries *m_rooms;
    QLineSeries *m_ringing;
    QDateTimeAxis *m_liveX;
    QValueAxis *m_liveY;
    QBarSet *m_answered;
    QBarSet *m_missed;
    QBarSet *m_declined;
    QValueAxis *m_callsY;
    QLineSeries *m_trunkRegistered;
    QLineSeries *m_trunkTotal;
    QDateTimeAxis *m_trunkX;
    QValueAxis *m_trunkY;
};
