#pragma once

#include "AlertSink.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

class AdminClient;

// Tells the operator about rings on every connected server: a notification for each new ring
// (caller name or number, the extension it rings, the time, and which server), the ringtone
// when enabled (off by default), and the tray status (connection state, rings in flight).
class RingNotifier : public QObject {
    Q_OBJECT
public:
    explicit RingNotifier(AlertSink &sink, QObject *parent = nullptr);

    void addClient(AdminClient *client, const QString &label);
    void removeClient(AdminClient *client);
    void setRingtoneEnabled(bool on) { m_ringtone = on; }
    bool ringtoneEnabled() const { return m_ringtone; }
    // The texts of a ring's notification (title, body), public for tests.
    static QPair<QString, QString> describeRing(const QJsonObject &ring, const QString &callerName,
                                                const QString &serverLabel);
    void updateStatus();

private:
    struct Watched {
        QPointer<AdminClient> client;
        QString label;
    };
    void onEvent(AdminClient *client, const QString &type, const QJsonObject &body);
    QString labelOf(const AdminClient *client) const;

    AlertSink &m_sink;
    QList<Watched> m_clients;
    bool m_ringtone = false;
};
