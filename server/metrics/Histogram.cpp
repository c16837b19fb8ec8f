#include "metrics/Histogram.h"

#include "metrics/PromWriter.h"

#include <limits>

Histogram::Histogram(std::initializer_list<double> upperBounds)
    : m_bounds(upperBounds), m_buckets(qsizetype(upperBounds.size()) + 1, 0)
{
}

Histogram Histogram::seconds()
{
    return Histogram{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Histogram::observe(double value)
{
    qsizetype i = 0;
    while (i < m_bounds.size() && value > m_bounds[i])
        ++i;
    ++m_buckets[i];
    ++m_count;
    m_sum += value;
}

void Histogram::write(PromWriter &out, QByteArrayView name,
                      const QList<QPair<QByteArray, QString>> &labels) const
{
    const QByteArray base = name.toByteArray();
    quint64 cumulative = 0;
    for (qsizetype i = 0; i <= m_bounds.size(); ++i) {
        cumulative += m_buckets[i];
        QList<QPair<QByteArray, QString>> l = labels;
        l.append({"le",
                  i < m_bounds.size() ? QString::fromLatin1(PromWriter::number(m_bounds[i]))
                                      : QStringLiteral("+Inf")});
        out.sample(QByteArray(base + "_bucket"), l, double(cumulative));
    }
    out.sample(QByteArray(base + "_sum"), labels, m_sum);
    out.sample(QByteArray(base + "_count"), labels, double(m_count));
}
