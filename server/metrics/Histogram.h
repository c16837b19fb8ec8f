#pragma once

#include <QByteArray>
#include <QList>
#include <initializer_list>

class PromWriter;

// A Prometheus histogram kept by plain integer increments: fixed upper bounds in seconds, a
// count per bucket, the sum and the count.
class Histogram {
public:
    explicit Histogram(std::initializer_list<double> upperBounds);
    // Bounds for latencies from a millisecond to ten seconds.
    static Histogram seconds();

    void observe(double value);
    quint64 count() const { return m_count; }
    double sum() const { return m_sum; }
    // Writes the _bucket, _sum and _count lines of `name` (the family must be declared).
    void write(PromWriter &out, QByteArrayView name,
               const QList<QPair<QByteArray, QString>> &labels = {}) const;

private:
    QList<double> m_bounds;
    QList<quint64> m_buckets; // not cumulative; summed when written
    quint64 m_count = 0;
    double m_sum = 0;
};
