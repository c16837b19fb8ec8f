#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

class AliasesModel;
class PhonesModel;
class RingLogModel;
class RoomsModel;
class TrunksModel;
class VirtualNumbersModel;
class WhitelistModel;

// The console's one connection to a server's admin socket (docs/admin-socket.md): answers the
// challenge, feeds every model from the snapshot and the events, sends commands and reports
// their answers, and reconnects by itself (1 s, doubling to 30 s) after a lost connection.
// Widgets only display the models and call the command methods.
class AdminClient : public QObject {
    Q_OBJECT
public:
    enum class State { Offline, Connecting, Authenticating, Online };
    Q_ENUM(State)

    struct Credentials {
        QString tenant; // the tenant's host name, as the server's config names it
        QByteArray adminSecret; // either this ...
        QString bearer; // ... or an OIDC ID token with admin rights
    };

    explicit AdminClient(QObject *parent = nullptr);
    ~AdminClient() override;

    void connectTo(const QUrl &url, const Credentials &credentials);
    void disconnectFromServer();
    // Retries at once when a reconnect is pending (the operator's Refresh).
    void reconnectNow();
    State state() const { return m_state; }
    QString lastError() const { return m_lastError; }
    QUrl url() const { return m_url; }
    QString tenant() const { return m_credentials.tenant; }
    const QJsonObject &counters() const { return m_counters; }
    // Shortest and longest pause before reconnecting (tests shorten them).
    void setReconnectDelays(int firstMs, int maxMs);

    RoomsModel *rooms() const { return m_rooms; }
    PhonesModel *phones() const { return m_phones; }
    TrunksModel *trunks() const { return m_trunks; }
    RingLogModel *ringLog() const { return m_ringLog; }
    VirtualNumbersModel *virtualNumbers() const { return m_vnums; }
    AliasesModel *aliases() const { return m_aliases; }
    WhitelistModel *whitelist() const { return m_whitelist; }

    // Commands: each returns the id its answer (commandFinished) will carry, or an empty string
    // when not online.
    QString kick(const QString &peerId, const QString &reason = {});
    QString saveVirtualNumber(const QJsonObject &vnum, bool create);
    QString deleteVirtualNumber(const QString &number);
    QString saveAlias(const QJsonObject &alias, bool create);
    QString deleteAlias(const QString &number);
    QString saveWhitelistEntry(const QJsonObject &entry, bool create);
    QString deleteWhitelistEntry(const QString &number);
    // One page of history (AdminProtocol::cdrLog or dialLog) with {limit?, before?, from?, to?};
    // the page arrives as resultReceived(id, {cdrs|dials, nextBefore?}).
    QString requestLogPage(QLatin1StringView type, const QJsonObject &query);

    // Processes one message as if it came from the server (the socket's path in; tests too).
    void handleMessage(const QString &text);

signals:
    void stateChanged(AdminClient::State state);
    void online(const QString &tenant, const QString &actor);
    // Authentication was refused: the client stays offline and does not retry.
    void authenticationFailed(const QString &message);
    // A lost connection is retried after delayMs (doubling up to the maximum).
    void reconnectScheduled(int delayMs);
    void countersChanged(const QJsonObject &counters);
    void eventReceived(const QString &type, const QJsonObject &body);
    // The `result` of an ok answer (history pages), just before its commandFinished.
    void resultReceived(const QString &id, const QJsonObject &result);
    void commandFinished(const QString &id, bool ok, const QString &code, const QString &message,
                         const QString &field);

private:
    void open();
    void setState(State state);
    void onConnected();
    void onDisconnected();
    void scheduleReconnect();
    QString command(QLatin1StringView type, QJsonObject body);
    void applySnapshot(const QJsonObject &snapshot);

    QWebSocket m_socket;
    QTimer m_reconnect;
    QUrl m_url;
    Credentials m_credentials;
    State m_state = State::Offline;
    QString m_lastError;
    QJsonObject m_counters;
    bool m_wanted = false; // the user wants a connection (reconnect after a loss)
    bool m_authRefused = false;
    int m_firstDelayMs = 1000;
    int m_maxDelayMs = 30000;
    int m_delayMs = 1000;
    quint64 m_nextId = 1;

    RoomsModel *m_rooms;
    PhonesModel *m_phones;
    TrunksModel *m_trunks;
    RingLogModel *m_ringLog;
    VirtualNumbersModel *m_vnums;
    AliasesModel *m_aliases;
    WhitelistModel *m_whitelist;
};
