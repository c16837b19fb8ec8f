#pragma once

// Shared by the telephony tests (TelephonyFixture.h) and tst_webhooks: a real Application on
// 127.0.0.1:0 with two tenants, raw HTTP for the webhooks (any Host header), the records a test
// left, and the signing helpers a bridge uses.

#include "Crypto.h"
#include "RawHttp.h"
#include "Signing.h"
#include "TestClient.h"
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

// The telephony tests' WebSocket client is the one of all tests (TestClient.h).
using Client = TestClient;

// The rows of one tenant's log (Store::cdrs or Store::dials) whose `field` is `value`, newest
// first.
template <typename Record>
QList<Record> logRowsFor(Application &app, const QString &host,
                         QList<Record> (Store::*log)(const QString &, const LogQuery &) const,
                         QString Record::*field, const QString &value)
{
    QList<Record> out;
    if (Tenant *t = app.tenantForHost(host)) {
        for (const Record &r : (t->store().*log)(t->config().host, LogQuery{1000, 0, {}, {}})) {
            if (r.*field == value)
                out.append(r);
        }
    }
    return out;
}

inline QList<CdrRecord> cdrsFor(Application &app, const QString &host, const QString &callId)
{
    return logRowsFor(app, host, &Store::cdrs, &CdrRecord::callId, callId);
}

inline QList<DialLogRecord> dialsFor(Application &app, const QString &host, const QString &number)
{
    return logRowsFor(app, host, &Store::dials, &DialLogRecord::number, number);
}
} // namespace harness
