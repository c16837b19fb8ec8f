#include "CallStats.h"

#include "AdminClient.h"
#include "AdminProtocol.h"

#include <QDateTime>
#include <QJsonObject>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

CallStats::CallStats(AdminClient *client, QObject *parent)
    : QObject(parent), m_client(client), m_hours(24)
{
    m_settle.setSingleShot(true);
    m_settle.setInterval(3000);
    m_periodic.setInterval(5 * 60 * 1000);
    connect(&m_settle, &QTimer::timeout, this, &CallStats::reload);
    connect(&m_periodic, &QTimer::timeout, this, &CallStats::reload);
    if (!client)
        return;
    connect(client, &AdminClient::online, this, &CallStats::reload);
    connect(client, &AdminClient::resultReceived, this, &CallStats::onResult);
    connect(client, &AdminClient::eventReceived, this, [this](const QString &type) {
        // A ring that ends writes its record: count it once the server has.
        if (type == AP::ringCleared || type == AP::ringTimeout || type == AP::ringAnswered)
            m_settle.start();
    });
    m_periodic.start();
}

QList<CallStats::Hour> CallStats::countByHour(const QJsonArray &cdrs, const QDate &day)
{
    QList<Hour> hours(24);
    for (const QJsonValue &v : cdrs) {
        const QJsonObject c = v.toObject();
        const QDateTime at
            = QDateTime::fromString(c.value(u"startedAt"_s).toString(), Qt::ISODateWithMs)
                  .toLocalTime();
        if (!at.isValid() || at.date() != day)
            continue;
        Hour &h = hours[at.time().hour()];
        const QString result = c.value(u"result"_s).toString();
        if (result == u"answered"_s)
            ++h.answered;
        else if (result == u"missed"_s)
            ++h.missed;
        else if (result == u"declined"_s)
            ++h.declined;
    }
    return hours;
}

void CallStats::reload()
{
    if (!m_client || m_client->state() != AdminClient::State::Online)
        return;
    m_day = QDate::currentDate();
    m_loading = {};
    m_pages = 0;
    requestPage(0);
}

void CallStats::requestPage(qint64 before)
{
    QJsonObject query{{u"limit"_s, pageSize},
                      {u"from"_s, AP::timestamp(m_day.startOfDay().toMSecsSinceEpoch())}};
    if (before > 0)
        query.insert(u"before"_s, before);
    m_pendingId = m_client->requestLogPage(AP::cdrLog, query);
    ++m_pages;
}

void CallStats::onResult(const QString &id, const QJsonObject &result)
{
    if (id != m_pendingId)
        return;
    m_pendingId.clear();
    for (const QJsonValue &v : result.value(u"cdrs"_s).toArray())
        m_loading.append(v);
    const qint64 next = result.value(u"nextBefore"_s).toInteger();
    if (next > 0 && m_pages < maxPages) {
        requestPage(next);
        return;
    }
    m_hours = countByHour(m_loading, m_day);
    m_loading = {};
    emit changed();
}
