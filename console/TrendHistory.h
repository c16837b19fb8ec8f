#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>

class AdminClient;

// The last hour of the server's once-a-second counters (peers, rooms, rings in flight) and the
// trunk registrations over time, for the dashboard's charts. Fed by the AdminClient; record()
// and recordTrunks() are the way in for tests.
class TrendHistory : public QObject {
    Q_OBJECT
public:
    struct Sample {
        qint64 ms = 0;
        int peers = 0;
        int rooms = 0;
        int ringing = 0;
    };
    struct TrunkSample {
        qint64 ms = 0;
        int registered = 0;
        int total = 0;
    };
    static constexpr qint64 windowMs = 3600 * 1000;

    explicit TrendHistory(AdminClient *client, QObject *parent = nullptr);

    void record(qint64 ms, const QJsonObject &counters);
    void recordTrunks(qint64 ms, int registered, int total);
    const QList<Sample> &samples() const { return m_samples; }
    const QList<TrunkSample> &trunkSamples() const { return m_trunks; }
    void clear();

signals:
    void sampled(const TrendHistory::Sample &sample);
    void trunksSampled(const TrendHistory::TrunkSample &sample);
    void cleared();

private:
    void onTrunksChanged();

    AdminClient *m_client;
    QList<Sample> m_samples; // oldest first, at most one hour
    QList<TrunkSample> m_trunks; // a sample per change, oldest first, at most one day
};
