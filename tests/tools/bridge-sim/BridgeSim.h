#pragma once

#include <QHash>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QSocketNotifier>
#include <QStringList>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <memory>

// Plays the office's SIP bridge against a Switchboard server: keeps a bridge session open,
// posts signed office-ring / office-ring-clear / trunk-status webhooks on command (stdin) or on a
// schedule, answers dial-request with dial-status, and can join call rooms as the `bridge` peer.
// Every event is printed as one line on stdout.
class BridgeSim : public QObject {
    Q_OBJECT
public:
    struct Options {
        QUrl server; // http://host:port
        QByteArray secret;
        int ringEverySec = 0;
        QString ringTo = QStringLiteral("*");
        int answerAfterMs = 1000;
        QString dialResult = QStringLiteral("answered"); // or a failure reason
        bool joinRooms = true;
        bool readStdin = true;
    };

    explicit BridgeSim(const Options &options, QObject *parent = nullptr);
    // The session's socket emits disconnected from its destructor, after the reconnect timer
    // (declared later) is gone: cut its connections first.
    ~BridgeSim() override;
    void start();
    // One command line: ring, clear, trunks, registrar, end, status, quit (see --help).
    void command(const QString &line);

signals:
    void quit();

private:
    QByteArray host() const;
    QString wsUrl() const;
    QByteArray sign(const QByteArray &message) const;
    void openSession();
    void onSessionText(const QString &text);
    void post(const QByteArray &flag, QJsonObject body);
    void sendSession(const QJsonObject &frame);
    void dialStatus(const QString &callId, const QString &state, const QString &reason = {});
    void joinRoom(const QString &callId, const QString &room, const QString &name);
    void leaveRoom(const QString &callId);
    void ringNow(const QString &callId, const QString &from, const QString &to,
                 const QString &room = {});
    void print(const QString &line);

    Options m_options;
    QWebSocket m_session;
    QNetworkAccessManager m_http;
    std::unique_ptr<QSocketNotifier> m_stdin;
    QByteArray m_stdinBuffer;
    QTimer m_ringTimer;
    QTimer m_reconnect;
    QHash<QString, QWebSocket *> m_roomSockets; // callId → socket in the call's room
    int m_ringCount = 0;
    bool m_welcomed = false;
    QStringList m_pending; // session frames waiting for bridge-welcome
};
