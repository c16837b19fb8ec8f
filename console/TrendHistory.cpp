#include "TrendHistory.h"

#include "AdminClient.h"
#include "TrunksModel.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

TrendHistory::TrendHistory(AdminClient *client, QObject *parent) : QObject(parent), m_client(client)
{
    if (!client)
        return;
    connect(client, &AdminClient::countersChanged, this, [this](const QJsonObject &counters) {
        record(QDateTime::currentMSecsSinceEpoch(), counters);
    });
    TrunksModel *trunks = client->trunks();
    connect(trunks, &QAbstractItemModel::modelReset, this, &TrendHistory::onTrunksChanged);
    connect(trunks, &QAbstractItemModel::dataChanged, this, &TrendHistory::onTrunksChanged);
    connect(trunks, &QAbstractItemModel::rowsInserted, this, &TrendHistory::onTrunksChanged);
    connect(trunks, &QAbstractItemModel::rowsRemoved, this, &TrendHistory::onTrunksChanged);
}

void TrendHistory::record(qint64 ms, const QJsonObject &counters)
{
    Sample s{ms, counters.value(u"peers"_s).toInt(), counters.value(u"rooms"_s).toInt(),
             counters.value(u"ringing"_s).toInt()};
    while (!m_samples.isEmpty() && m_samples.first().ms < ms - windowMs)
        m_samples.removeFirst();
    m_samples.append(s);
    emit sampled(s);
}

void TrendHistory::recordTrunks(qint64 ms, int registered, int total)
{
    if (!m_trunks.isEmpty() && m_trunks.last().registered == registered
        && m_trunks.last().total == total)
        return; // only changes
    while (!m_trunks.isEmpty() && m_trunks.first().ms < ms - 24 * windowMs)
        m_trunks.removeFirst();
    TrunkSample t{ms, registered, total};
    m_trunks.append(t);
    emit trunksSampled(t);
}

void TrendHistory::onTrunksChanged()
{
    const TrunksModel *trunks = m_client->trunks();
    int registered = 0;
    for (int r = 0; r < trunks->rowCount(); ++r)
        registered += trunks->row(r).value(u"registered"_s).toBool() ? 1 : 0;
    recordTrunks(QDateTime::currentMSecsSinceEpoch(), registered, trunks->rowCount());
}

void TrendHistory::clear()
{
    m_samples.clear();
    m_trunks.clear();
    emit cleared();
}
