#pragma once

#include <QDate>
#include <QJsonArray>
#include <QList>
#include <QObject>
#include <QTimer>

class AdminClient;

// Calls per hour of today (answered / missed / declined) from the server's call records: loads
// today's records page by page (at most maxPages), counts them by local hour, and reloads a few
// seconds after a ring ends and every five minutes.
class CallStats : public QObject {
    Q_OBJECT
public:
    struct Hour {
        int answered = 0;
        int missed = 0;
        int declined = 0;
        bool operator==(const Hour &) const = default;
    };
    static constexpr int maxPages = 20;
    static constexpr int pageSize = 500;

    explicit CallStats(AdminClient *client, QObject *parent = nullptr);

    // Counts call records (cdrlog rows) of `day` (local) in 24 hourly buckets.
    static QList<Hour> countByHour(const QJsonArray &cdrs, const QDate &day);
    const QList<Hour> &hours() const { return m_hours; }
    void reload();
    // Shortens the pause after a ring ends (tests).
    void setSettleMs(int ms) { m_settle.setInterval(ms); }

signals:
    void changed();

private:
    void requestPage(qint64 before);
    void onResult(const QString &id, const QJsonObject &result);

    AdminClient *m_client;
    QList<Hour> m_hours;
    QJsonArray m_loading; // today's rows so far, while paging
    QDate m_day;
    QString m_pendingId;
    int m_pages = 0;
    QTimer m_settle;
    QTimer m_periodic;
};
