#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

// Writes the Prometheus text exposition format 0.0.4: a family's HELP and TYPE lines once, then
// its samples, label values escaped.
class PromWriter {
public:
    using Labels = QList<QPair<QByteArray, QString>>;

    // type: counter, gauge or histogram.
    void family(QByteArrayView name, QByteArrayView type, QByteArrayView help);
    void sample(QByteArrayView name, const Labels &labels, double value);
    void sample(QByteArrayView name, double value) { sample(name, {}, value); }
    QByteArray text() const { return m_out; }

    // Integers without a fraction, others with enough digits to round-trip.
    static QByteArray number(double value);
    static QByteArray escapeLabel(const QString &value);

    static constexpr QByteArrayView contentType = "text/plain; version=0.0.4; charset=utf-8";

private:
    QByteArray m_out;
};
