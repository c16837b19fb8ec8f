#include "metrics/PromWriter.h"

#include <QLocale>
#include <cmath>

void PromWriter::family(QByteArrayView name, QByteArrayView type, QByteArrayView help)
{
    m_out += "# HELP " + name.toByteArray() + ' ' + help.toByteArray() + '\n';
    m_out += "# TYPE " + name.toByteArray() + ' ' + type.toByteArray() + '\n';
}

void PromWriter::sample(QByteArrayView name, const Labels &labels, double value)
{
    m_out += name.toByteArray();
    if (!labels.isEmpty()) {
        m_out += '{';
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (i > 0)
                m_out += ',';
            m_out += labels[i].first + "=\"" + escapeLabel(labels[i].second) + '"';
        }
        m_out += '}';
    }
    m_out += ' ' + number(value) + '\n';
}

QByteArray PromWriter::number(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 9.0e15)
        return QByteArray::number(qint64(value));
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

QByteArray PromWriter::escapeLabel(const QString &value)
{
    QByteArray out;
    for (const char c : value.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}
