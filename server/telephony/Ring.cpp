#include "telephony/Ring.h"

#include "FrameWriter.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

QString Ring::frameFor(const Call &call)
{
    QJsonObject body{{u"callId"_s, call.callId},
                     {u"from"_s, call.from},
                     {u"to"_s, call.to},
                     {u"room"_s, call.room}};
    if (!call.fromName.isEmpty())
        body.insert(u"fromName"_s, call.fromName);
    return FrameWriter::make("ring"_L1, body);
}

Ring::Ring(const Call &call, int timeoutSec, QObject *parent)
    : QObject(parent), m_call(call), m_startedAt(QDateTime::currentDateTimeUtc()),
      m_frame(frameFor(call))
{
    m_timeout.setSingleShot(true);
    m_timeout.setInterval(std::chrono::seconds(timeoutSec));
    connect(&m_timeout, &QTimer::timeout, this, &Ring::timedOut);
    m_timeout.start();
}

void Ring::addRinging(PeerChannel *phone)
{
    if (!m_ringing.contains(phone))
        m_ringing.append(phone);
}

void Ring::drop(PeerChannel *phone, bool declined)
{
    if (m_ringing.removeOne(phone) && declined)
        ++m_declines;
}

void Ring::markAnswered(const QString &phonePeerId)
{
    m_state = State::Answered;
    m_answeredAt = QDateTime::currentDateTimeUtc();
    m_answeredBy = phonePeerId;
    m_ringing.clear();
    // An answered call is no longer bounded by the ring timeout; it ends with the bridge's clear
    // or when the bridge leaves the room. A day is the backstop against a bridge that forgets.
    m_timeout.setInterval(std::chrono::hours(24));
    m_timeout.start();
}
