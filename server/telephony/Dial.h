#pragma once

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>

class Room;

// One outbound call the bridge brings into a room (DESIGN.md "Dials"). Owned by the Dialer; it
// is the context of the room connections that watch for the last non-bridge peer leaving.
class Dial : public QObject {
    Q_OBJECT
public:
    Dial(const QString &callId, Room *room, const QString &number, bool virtualNumber,
         QObject *parent = nullptr);

    const QString &callId() const { return m_callId; }
    const QString &roomId() const { return m_roomId; }
    Room *room() const { return m_room; }
    const QString &number() const { return m_number; }
    bool isVirtualNumber() const { return m_virtualNumber; }
    // An `anonymous` virtual number may be shown to everyone in the room; any other number only
    // to verified peers (DESIGN.md "Limits").
    bool isNumberPublic() const { return m_numberPublic; }
    void setNumberPublic(bool numberPublic) { m_numberPublic = numberPublic; }
    const QDateTime &startedAt() const { return m_startedAt; }
    const QDateTime &answeredAt() const { return m_answeredAt; }
    void markAnswered();
    bool hangupSent() const { return m_hangupSent; }
    void setHangupSent() { m_hangupSent = true; }

private:
    QString m_callId;
    QString m_roomId;
    QPointer<Room> m_room;
    QString m_number;
    bool m_virtualNumber;
    bool m_hangupSent = false;
    bool m_numberPublic = false;
    QDateTime m_startedAt;
    QDateTime m_answeredAt;
};
