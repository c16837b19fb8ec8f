#include "RingNotifier.h"

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "AliasesModel.h"
#include "RingLogModel.h"

#include <QDateTime>
#include <QJsonObject>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

RingNotifier::RingNotifier(AlertSink &sink, QObject *parent) : QObject(parent), m_sink(sink)
{
}

void RingNotifier::addClient(AdminClient *client, const QString &label)
{
    m_clients.append({client, label});
    connect(client, &AdminClient::eventReceived, this,
            [this, client](const QString &type, const QJsonObject &body) {
                onEvent(client, type, body);
            });
    connect(client, &AdminClient::stateChanged, this, &RingNotifier::updateStatus);
    connect(client, &QObject::destroyed, this, [this] { updateStatus(); });
    updateStatus();
}

void RingNotifier::removeClient(AdminClient *client)
{
    disconnect(client, nullptr, this, nullptr);
    m_clients.removeIf([client](const Watched &w) { return w.client == client || !w.client; });
    updateStatus();
}

QString RingNotifier::labelOf(const AdminClient *client) const
{
    for (const Watched &w : m_clients) {
        if (w.client == client)
            return w.label;
    }
    return {};
}

QPair<QString, QString> RingNotifier::describeRing(const QJsonObject &ring,
                                                   const QString &callerName,
                                                   const QString &serverLabel)
{
    const QString from = ring.value(u"from"_s).toString();
    QString caller = ring.value(u"fromName"_s).toString();
    if (caller.isEmpty())
        caller = callerName;
    if (caller.isEmpty())
        caller = from.isEmpty() ? tr("Unknown caller") : from;
    else if (!from.isEmpty())
        caller = u"%1 (%2)"_s.arg(caller, from);
    const QString to = ring.value(u"to"_s).toString();
    const QString extension
        = to.isEmpty() || to == u"*"_s ? tr("all office phones") : tr("extension %1").arg(to);
    QDateTime at = QDateTime::fromString(ring.value(u"at"_s).toString(), Qt::ISODateWithMs);
    if (!at.isValid())
        at = QDateTime::currentDateTimeUtc();
    QString body
        = tr("Ringing %1 since %2").arg(extension, at.toLocalTime().toString(u"HH:mm:ss"_s));
    if (!serverLabel.isEmpty())
        body += u" · "_s + serverLabel;
    return {tr("Call from %1").arg(caller), body};
}

void RingNotifier::onEvent(AdminClient *client, const QString &type, const QJsonObject &body)
{
    if (type == AP::ring) {
        const QJsonObject ring = body.value(u"ring"_s).toObject();
        QString name;
        const AliasesModel *aliases = client->aliases();
        const int row = aliases->rowOfKey(ring.value(u"from"_s).toString());
        if (row >= 0)
            name = aliases->row(row).value(u"name"_s).toString();
        const auto [title, text] = describeRing(ring, name, labelOf(client));
        m_sink.notify(title, text);
        if (m_ringtone)
            m_sink.playRingtone();
    }
    if (type == AP::ring || type == AP::ringAnswered || type == AP::ringCleared
        || type == AP::ringTimeout || type == AP::snapshot)
        updateStatus();
}

void RingNotifier::updateStatus()
{
    m_clients.removeIf([](const Watched &w) { return !w.client; });
    AlertSink::Status status;
    status.allOnline = !m_clients.isEmpty();
    QStringList lines;
    for (const Watched &w : std::as_const(m_clients)) {
        const bool online = w.client->state() == AdminClient::State::Online;
        const int ringing = w.client->ringLog()->ringingCount();
        status.ringing += ringing;
        status.anyOnline = status.anyOnline || online;
        status.allOnline = status.allOnline && online;
        QString state;
        switch (w.client->state()) {
        case AdminClient::State::Online: state = tr("online"); break;
        case AdminClient::State::Offline: state = tr("offline"); break;
        default: state = tr("connecting"); break;
        }
        lines.append(ringing > 0 ? tr("%1: %2, %n ringing", nullptr, ringing).arg(w.label, state)
                                 : tr("%1: %2").arg(w.label, state));
    }
    if (lines.isEmpty())
        lines.append(tr("Not connected"));
    status.tooltip = u"Switchboard console\n"_s + lines.join(u'\n');
    m_sink.setStatus(status);
}
