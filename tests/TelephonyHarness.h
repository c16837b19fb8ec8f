#pragma once

// Shared by the telephony tests (TelephonyFixture.h) and tst_webhooks: a real Application on
// 127.0.0.1:0 with two tenants, raw HTTP for the webhooks (any Host header), WebSocket clients that
// collect frames, and the signing helpers a bridge uses.

#include "Crypto.h"
#include "RawHttp.h"
#include "Signing.h"
#include "TestServer.h"
#include "app/Application.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <memory>

namespace harness {
using namespace Qt::StringLiterals;

inline const QByteArray secretA = QByteArrayLiteral("bridge-secret-a");
inline const QByteArray secretB = QByteArrayLiteral("bridge-secret-b");
// Rotation (SECURITY.md): tenant A still accepts its previous bridge secret for an hour, tenant
// B's window has closed.
inline const QByteArray previousSecretA = QByteArrayLiteral("old-bridge-secret-a");
inline const QByteArray previousSecretB = QByteArrayLiteral("old-bridge-secret-b");
inline const QByteArray officeKeyA = QByteArrayLiteral("office-key-a");
inline const QByteArray officeKeyB = QByteArrayLiteral("office-key-b");
inline constexpr int waitMs = 10000;

// Tenant A answers to 127.0.0.1, tenant B to localhost (both reach the loopback listener).
inline std::optional<ServerConfig> config(const QString &dataDir)
{
    const QByteArray json = R"({
      "keepaliveSec": 25,
      "tenants": [
        { "hosts": ["127.0.0.1"], "adminSecret": "admin-a", "bridgeSecret": "bridge-secret-a",
          "officeKeys": ["office-key-a", "second-key-a"], "ringTimeoutSec": 45 },
        { "hosts": ["localhost"], "adminSecret": "admin-b", "bridgeSecret": "bridge-secret-b",
          "officeKeys": ["office-key-b"], "ringTimeoutSec": 45 }
      ] })";
    auto c = testserver::fromJson(json, dataDir);
    if (!c)
        return c;
    c->tenants[0].previousBridgeSecret = previousSecretA;
    c->tenants[0].previousSecretsUntil = QDateTime::currentSecsSinceEpoch() + 3600;
    c->tenants[1].previousBridgeSecret = previousSecretB;
    c->tenants[1].previousSecretsUntil = QDateTime::currentSecsSinceEpoch() - 1;
    c->limits.maxConnectionsPerIp = 2000; // the fan-out test holds 500+ sockets from 127.0.0.1
    return c;
}

inline QByteArray hexMac(QByteArrayView secret, const QByteArray &message)
{
    return Signing::sign(secret, message);
}

inline qint64 now()
{
    return QDateTime::currentSecsSinceEpoch();
}

inline QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

struct HttpReply {
    int status = 0;
    QByteArray head;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// One request on its own connection (Connection: close), through rawHttp.
inline HttpReply http(quint16 port, const QByteArray &method, const QByteArray &host,
                      const QByteArray &query, const QByteArray &body,
                      const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    QByteArray request = method + " /signal.ashx?" + query + " HTTP/1.1\r\nHost: " + host
        + "\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const auto &h : headers)
        request += h.first + ": " + h.second + "\r\n";
    request += "\r\n" + body;
    const RawResponse r = rawHttp(port, request, waitMs);
    return HttpReply{r.status, r.head, r.body};
}

// A signed webhook POST: X-Sig = hex HMAC-SHA256(secret, Signing::webhook(...)).
inline HttpReply webhook(quint16 port, const QByteArray &host, const QByteArray &flag,
                         const QByteArray &body, QByteArrayView secret)
{
    return http(port, "POST", host, flag, body,
                {{"X-Sig", hexMac(secret, Signing::webhook(flag, host, body))}});
}

// A WebSocket client that keeps every frame it receives until a test takes it.
class Client : public QObject {
public:
    explicit Client(quint16 port, const QString &host = u"127.0.0.1"_s)
    {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            m_frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            m_closed = true;
            m_closeCode = int(m_socket.closeCode());
        });
        m_socket.open(QUrl(u"ws://%1:%2/signal.ashx"_s.arg(host).arg(port)));
    }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    bool waitConnected()
    {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, waitMs);
    }
    void send(const QJsonObject &frame)
    {
        m_socket.sendTextMessage(QString::fromUtf8(json(frame)));
    }
    // Takes the first frame of this type; an empty object when none came in time.
    QJsonObject take(const QString &type, int timeoutMs = waitMs)
    {
        return takeAny({type}, timeoutMs);
    }
    // Takes the first frame of any of these types.
    QJsonObject takeAny(const QStringList &types, int timeoutMs = waitMs)
    {
        QJsonObject found;
        [[maybe_unused]] const bool came = QTest::qWaitFor(
            [&] {
                for (qsizetype i = 0; i < m_frames.size(); ++i) {
                    if (types.contains(m_frames[i].value(u"type"_s).toString())) {
                        found = m_frames.takeAt(i);
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
        return found;
    }
    // Every frame sent before a pong has arrived once the pong is here.
    bool barrier()
    {
        send({{u"type"_s, u"ping"_s}});
        return !take(u"pong"_s).isEmpty();
    }
    int count(const QString &type) const
    {
        int n = 0;
        for (const QJsonObject &f : m_frames)
            n += f.value(u"type"_s).toString() == type;
        return n;
    }
    bool waitClosed()
    {
        return QTest::qWaitFor([this] { return m_closed; }, waitMs);
    }
    int closeCode() const { return m_closeCode; }
    bool isClosed() const { return m_closed; }
    QWebSocket &socket() { return m_socket; }

    // Convenience flows.
    QJsonObject registerPhone(const QString &extension, const QString &key)
    {
        send({{u"type"_s, u"register"_s}, {u"extension"_s, extension}, {u"officeKey"_s, key}});
        return take(u"registered"_s);
    }
    QJsonObject join(const QString &room, const QString &name = u"Tester"_s,
                     const QJsonObject &extra = {})
    {
        QJsonObject f{{u"type"_s, u"join"_s}, {u"room"_s, room}, {u"name"_s, name}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            f.insert(it.key(), it.value());
        send(f);
        return take(u"welcome"_s);
    }
    // Each hello signature is accepted once, and a signature covers only the second: tests that
    // open several sessions within one second step back a second each time (inside the window).
    static qint64 freshHelloTime()
    {
        static QSet<qint64> s_used;
        qint64 t = now();
        while (s_used.contains(t))
            --t;
        s_used.insert(t);
        return t;
    }
    QJsonObject bridgeHello(const QByteArray &host, QByteArrayView secret,
                            qint64 time = freshHelloTime())
    {
        const QByteArray sig = hexMac(secret, Signing::bridgeHello(host, time));
        send({{u"type"_s, u"bridge-hello"_s},
              {u"time"_s, time},
              {u"sig"_s, QString::fromLatin1(sig)}});
        // The answer: bridge-welcome, or the error that refused the hello.
        return takeAny({u"bridge-welcome"_s, u"error"_s});
    }

    // Joins as the bridge's peer of a call room (kind `bridge`).
    QJsonObject joinAsBridge(const QString &room, const QByteArray &host, QByteArrayView secret)
    {
        const qint64 t = now();
        const QByteArray sig = hexMac(secret, Signing::bridgeTicket(host, room.toUtf8(), t));
        return join(room, u"Caller"_s,
                    {{u"bridgeTicket"_s,
                      QJsonObject{{u"time"_s, t}, {u"sig"_s, QString::fromLatin1(sig)}}}});
    }

private:
    QWebSocket m_socket;
    QList<QJsonObject> m_frames;
    bool m_closed = false;
    int m_closeCode = 0;
};

// The rows a test left in the store for one tenant, newest first.
inline QList<CdrRecord> cdrsFor(Application &app, const QString &host, const QString &callId)
{
    QList<CdrRecord> out;
    Tenant *t = app.tenantForHost(host);
    if (!t)
        return out;
    for (const CdrRecord &r : t->store().cdrs(t->config().host, LogQuery{1000, 0, {}, {}})) {
        if (r.callId == callId)
            out.append(r);
    }
    return out;
}

inline QList<DialLogRecord> dialsFor(Application &app, const QString &host, const QString &number)
{
    QList<DialLogRecord> out;
    Tenant *t = app.tenantForHost(host);
    if (!t)
        return out;
    for (const DialLogRecord &r : t->store().dials(t->config().host, LogQuery{1000, 0, {}, {}})) {
        if (r.number == number)
            out.append(r);
    }
    return out;
}
} // namespace harness
