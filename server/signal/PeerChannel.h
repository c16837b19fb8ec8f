#pragma once

#include <QHostAddress>
#include <QLatin1StringView>
#include <QObject>
#include <QString>
#include <QStringView>

class Room;

// What rooms, telephony, cameras and admin edits need of one signaling socket: write a frame,
// answer an error, kick or close it, and who it is. PeerSession is the one implementation; the
// classes that only talk to a peer include this header instead of PeerSession's.
class PeerChannel : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~PeerChannel() override = default;

    virtual void sendText(const QString &frame) = 0;
    // Sends `{"type":"signal","from":<from>,"data":<rawData>}`, the relay (see PeerSession).
    virtual void sendSignal(QStringView from, QStringView rawData) = 0;
    virtual void sendError(QLatin1StringView code, QStringView ref = {}) = 0;
    // Sends `kicked {reason}` (with `message`, an admin's reason, when given) then closes with
    // `closeCode`; the membership ends as `leftReason` (empty: the peer is held for resume).
    virtual void kick(QLatin1StringView reason, quint16 closeCode, QLatin1StringView leftReason,
                      const QString &message = {})
        = 0;
    // Closes with a code; `final` ends the membership at once, otherwise the peer is held.
    virtual void closeWith(quint16 code, bool final,
                           QLatin1StringView leftReason = QLatin1StringView("closed"))
        = 0;

    virtual const QString &peerId() const = 0;
    virtual Room *room() const = 0;
    virtual const QHostAddress &clientAddress() const = 0;
    // The normalised Host, as signatures use it.
    virtual const QString &host() const = 0;

signals:
    // The socket is gone; the object is deleted later.
    void finished();
};
