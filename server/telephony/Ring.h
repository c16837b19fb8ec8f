#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

class PeerChannel;

// One inbound call in flight (DESIGN.md "Office phones and rings"): who it rang, who declined,
// who answered, and the `ringTimeoutSec` timer. Owned by the RingDispatcher.
class Ring : public QObject {
    Q_OBJECT
public:
    enum class State { Ringing, Answered };

    struct Call {
        QString callId;
        QString from;
        QString fromName; // empty: none
        QString to; // an extension or "*"
        QString room;
    };

    Ring(const Call &call, int timeoutSec, QObject *parent = nullptr);
    // The `ring` frame of a call (also written by other nodes to their phones).
    static QString frameFor(const Call &call);

    const Call &call() const { return m_call; }
    State state() const { return m_state; }
    const QDateTime &startedAt() const { return m_startedAt; }
    const QDateTime &answeredAt() const { return m_answeredAt; }
    int delivered() const { return m_delivered; }
    // The `ring` frame, written once per phone.
    const QString &frame() const { return m_frame; }

    // Phones it is ringing on now (rung, not declined, still connected).
    const QList<PeerChannel *> &ringing() const { return m_ringing; }
    bool isRingingOn(PeerChannel *phone) const { return m_ringing.contains(phone); }
    void addRinging(PeerChannel *phone);
    void setDelivered(int count) { m_delivered = count; }
    // Takes the phone off the ring; `declined` remembers it declined.
    void drop(PeerChannel *phone, bool declined);
    // True when at least one phone declined and no phone is left ringing.
    bool everyoneDeclined() const { return m_ringing.isEmpty() && m_declines > 0; }
    int declines() const { return m_declines; }

    void markAnswered(const QString &phonePeerId);
    const QString &answeredBy() const { return m_answeredBy; }
    // The bridge's peer in the call room once it joined (an answered ring ends when it leaves).
    QString bridgePeerId;

signals:
    void timedOut();

private:
    Call m_call;
    State m_state = State::Ringing;
    QDateTime m_startedAt;
    QDateTime m_answeredAt;
    int m_delivered = 0;
    int m_declines = 0;
    QString m_frame;
    QString m_answeredBy;
    QList<PeerChannel *> m_ringing;
    QTimer m_timeout;
};
