#include "telephony/Dial.h"

#include "signal/Room.h"

Dial::Dial(const QString &callId, Room *room, const QString &number, bool virtualNumber,
           QObject *parent)
    : QObject(parent), m_callId(callId), m_roomId(room->id()), m_room(room), m_number(number),
      m_virtualNumber(virtualNumber), m_startedAt(QDateTime::currentDateTimeUtc())
{
}

void Dial::markAnswered()
{
    if (!m_answeredAt.isValid())
        m_answeredAt = QDateTime::currentDateTimeUtc();
}
