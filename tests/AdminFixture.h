#pragma once

// The fixture of the admin HTTP tests (tst_adminauth, tst_admincrud, tst_adminlogs): a real
// Application with two tenants (a.test with an OIDC issuer, b.test), raw HTTP with any Host, and
// signed admin requests. Each test class derives from it; its private slots (inherited, and run by
// Qt Test) start the server before the first test and stop it after the last.

#include "RawHttp.h"
#include "Signing.h"
#include "TestClient.h"
#include "TestIssuer.h"
#include "TestServer.h"
#include "app/Application.h"
#include "auth/AdminAuth.h"
#include "auth/OidcVerifier.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace Qt::StringLiterals;

using Headers = QList<QPair<QByteArray, QByteArray>>;

namespace {
inline const QByteArray hostA = "a.test";
inline const QByteArray hostB = "b.test";
inline const QByteArray secretA = "secret-of-tenant-a";
inline const QByteArray secretB = "secret-of-tenant-b";
// Rotation (SECURITY.md): A still accepts its previous secret, B's window has closed.
inline const QByteArray previousSecretA = "previous-secret-of-a";
inline const QByteArray previousSecretB = "previous-secret-of-b";

using Reply = RawResponse;

// One HTTP/1.1 request with Connection: close (rawHttp), so the test picks the Host.
inline Reply http(quint16 port, const QByteArray &method, const QByteArray &query,
                  const QByteArray &host, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                  const QByteArray &body = {})
{
    QByteArray extra;
    for (const auto &h : headers)
        extra += h.first + ": " + h.second + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        extra += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return rawHttp(port, httpRequest(method, query, host, extra) + body, 10000);
}

inline QByteArray sign(const QByteArray &secret, const QByteArray &method, const QByteArray &query,
                       const QByteArray &host, const QByteArray &time, const QByteArray &body)
{
    return Signing::sign(secret, Signing::adminRequest(method, query, host, time, body));
}

inline QByteArray nowText(qint64 offsetSec = 0)
{
    return QByteArray::number(QDateTime::currentSecsSinceEpoch() + offsetSec);
}

// The current time with a fraction that differs on every call: two identical requests within
// one second are two different signatures (a signature is accepted once).
inline QByteArray uniqueTime()
{
    static int counter = 0;
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    return QByteArray::number(ms / 1000) + '.'
        + QByteArray::number(ms % 1000).rightJustified(3, '0')
        + QByteArray::number(++counter % 1000000).rightJustified(6, '0');
}

inline QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}
} // namespace

class AdminFixture : public QObject {
    Q_OBJECT
protected:
    void startServer();
    void stopServer();
    // A request signed with the tenant's admin secret for `host` (default: tenant A).
    Reply admin(const QByteArray &method, const QByteArray &query, const QByteArray &body = {},
                const QByteArray &host = hostA);
    quint16 port() const { return m_app->httpPort(); }

    QTemporaryDir m_dir;
    TestIssuer m_issuer;
    std::unique_ptr<Application> m_app;
    QString m_unauthorisedMessage;

private slots:
    void initTestCase() { startServer(); }
    void cleanupTestCase() { stopServer(); }
};

inline void AdminFixture::startServer()
{
    QVERIFY(m_dir.isValid());
    m_issuer.addKey(u"k1"_s, TestIssuer::KeyType::Ec);
    const QString jwksPath = m_dir.filePath(u"jwks.json"_s);
    QVERIFY(m_issuer.writeJwks(jwksPath));

    const QJsonObject cfg{
        {u"listen"_s, u"127.0.0.1:0"_s},
        {u"dataDir"_s, m_dir.path()},
        {u"tenants"_s,
         QJsonArray{
             QJsonObject{{u"hosts"_s, QJsonArray{u"a.test"_s, u"127.0.0.1"_s}},
                         {u"adminSecret"_s, QString::fromLatin1(secretA)},
                         {u"previousAdminSecret"_s, QString::fromLatin1(previousSecretA)},
                         {u"previousSecretsUntil"_s,
                          QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate)},
                         {u"officeKeys"_s, QJsonArray{u"office-key-a"_s}},
                         {u"bridgeSecret"_s, u"bridge-secret-of-a"_s},
                         {u"oidc"_s,
                          QJsonObject{{u"issuer"_s, m_issuer.issuer()},
                                      {u"audience"_s, m_issuer.audience()},
                                      {u"jwksFile"_s, jwksPath},
                                      {u"adminGroups"_s, QJsonArray{u"sb-admins"_s}}}}},
             QJsonObject{{u"hosts"_s, QJsonArray{u"b.test"_s}},
                         {u"adminSecret"_s, QString::fromLatin1(secretB)},
                         {u"previousAdminSecret"_s, QString::fromLatin1(previousSecretB)},
                         {u"previousSecretsUntil"_s,
                          QDateTime::currentDateTimeUtc().addSecs(-1).toString(Qt::ISODate)},
                         {u"bridgeSecret"_s, u"bridge-secret-of-b"_s}}}}};
    const auto config = testserver::fromJson(QJsonDocument(cfg).toJson(), m_dir.path());
    QVERIFY(config);
    m_app = testserver::start(*config);
    QVERIFY(m_app);
    QVERIFY(m_app->tenantForHost(u"a.test"_s)->oidc()->keyCount() == 1);

    const Reply r = http(port(), "GET", "stats=1", hostA);
    QCOMPARE(r.status, 401);
    m_unauthorisedMessage = r.json().value("message"_L1).toString();
    QVERIFY(!m_unauthorisedMessage.isEmpty());
}

inline void AdminFixture::stopServer()
{
    m_app.reset();
}

inline Reply AdminFixture::admin(const QByteArray &method, const QByteArray &query,
                                 const QByteArray &body, const QByteArray &host)
{
    const QByteArray secret = host == hostB ? secretB : secretA;
    const QByteArray time = uniqueTime();
    return http(
        port(), method, query, host,
        {{"X-Admin-Time", time}, {"X-Admin-Sig", sign(secret, method, query, host, time, body)}},
        body);
}
