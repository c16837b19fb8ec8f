#pragma once

// The fixture of the telephony tests (tst_bridgelink, tst_rings, tst_dials): the server of
// TelephonyServer.h with seeded virtual numbers and whitelist, and the helpers that ring, clear,
// open a bridge session or register a phone. Each test class derives from it; its private slots
// (inherited, and run by Qt Test) start the server once and check and clean up around each test.

#include "TelephonyServer.h"
#include "signal/Room.h"

#include <QDateTime>
#include <QProcess>

namespace harness {
inline const QString hostA = QStringLiteral("127.0.0.1");
inline const QString hostB = QStringLiteral("localhost");
} // namespace harness

class TelephonyFixture : public TelephonyServer {
    Q_OBJECT
protected:
    void startServer() override;
    void beforeEach();
    void afterEach();

    Tenant *tenantA() const { return m_app->tenantForHost(harness::hostA); }
    int ring(const QString &callId, const QString &to, const QString &room = {},
             const QByteArray &host = "127.0.0.1");
    void clear(const QString &callId, const QString &reason = {});
    // The result of the one CDR of `callId` in tenant A ("0 rows" before it is written).
    QString cdrResult(const QString &callId) const;
    std::unique_ptr<harness::Client> bridge();
    std::unique_ptr<harness::Client> phone(const QString &extension, QString *peerId = nullptr,
                                           const QString &host = harness::hostA);

    QStringList m_rung; // every callId a test rang, cleared after it so none leaks into the next

private slots:
    void init() { beforeEach(); }
    void cleanup() { afterEach(); }
};

using namespace Qt::StringLiterals;
using namespace harness;

inline void TelephonyFixture::startServer()
{
    TelephonyServer::startServer();
    if (QTest::currentTestFailed())
        return;
    Store *store = &tenantA()->store();
    const QString a = tenantA()->config().host;
    VirtualNumber open{u"2000"_s, u"Reception"_s, u"tts"_s,      u"Hello"_s, 0,
                       60,        false,          u"anonymous"_s};
    VirtualNumber internal{u"2001"_s, u"Staff line"_s, u"ai"_s, {}, 0, 60, false, u"internal"_s};
    QCOMPARE(store->createVirtualNumber(a, open), Store::Result::Ok);
    QCOMPARE(store->createVirtualNumber(a, internal), Store::Result::Ok);
    QCOMPARE(store->createWhitelistEntry(a, {u"+4930123456"_s, {}}), Store::Result::Ok);
    QCOMPARE(store->createWhitelistEntry(a, {u"55"_s, {}}), Store::Result::Ok);
    // Tenant B has a virtual number of the same name: A's peers never reach it.
    QCOMPARE(store->createVirtualNumber(
                 m_app->tenantForHost(hostB)->config().host,
                 VirtualNumber{u"3000"_s, u"B only"_s, u"tts"_s, {}, 0, 60, false, u"anonymous"_s}),
             Store::Result::Ok);
}

inline void TelephonyFixture::beforeEach()
{
    // Every test starts without a bridge session (the last test's sockets are closing).
    QTRY_VERIFY(!tenantA()->bridge().isConnected());
    QCOMPARE(tenantA()->rings().ringsInFlight(), 0);
}

inline void TelephonyFixture::afterEach()
{
    for (const QString &callId : std::as_const(m_rung))
        clear(callId);
    m_rung.clear();
}

inline int TelephonyFixture::ring(const QString &callId, const QString &to, const QString &room,
                                  const QByteArray &host)
{
    QJsonObject body{
        {u"time"_s, now()}, {u"callId"_s, callId}, {u"from"_s, u"+4930111222"_s}, {u"to"_s, to}};
    if (!room.isEmpty())
        body.insert(u"room"_s, room);
    if (host == "127.0.0.1")
        m_rung.append(callId);
    const QByteArrayView secret = host == "localhost" ? secretB : secretA;
    const HttpReply r = webhook(m_port, host, "office-ring", json(body), secret);
    if (r.status != 200)
        return -r.status;
    return r.json().value(u"delivered"_s).toInt(-1);
}

inline void TelephonyFixture::clear(const QString &callId, const QString &reason)
{
    QJsonObject body{{u"time"_s, now()}, {u"callId"_s, callId}};
    if (!reason.isEmpty())
        body.insert(u"reason"_s, reason);
    const HttpReply r = webhook(m_port, "127.0.0.1", "office-ring-clear", json(body), secretA);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(u"ok"_s).toBool(), true);
}

inline QString TelephonyFixture::cdrResult(const QString &callId) const
{
    const QList<CdrRecord> cdrs = cdrsFor(*m_app, hostA, callId);
    return cdrs.size() == 1 ? cdrs.first().result : u"%1 rows"_s.arg(cdrs.size());
}

inline std::unique_ptr<harness::Client> TelephonyFixture::bridge()
{
    auto b = std::make_unique<Client>(m_port);
    if (!b->waitConnected()
        || b->bridgeHello("127.0.0.1", secretA).value(u"type"_s) != u"bridge-welcome"_s)
        return nullptr;
    return b;
}

inline std::unique_ptr<harness::Client>
TelephonyFixture::phone(const QString &extension, QString *peerId, const QString &host)
{
    auto p = std::make_unique<Client>(m_port, host);
    if (!p->waitConnected())
        return nullptr;
    const QJsonObject r
        = p->registerPhone(extension, QString::fromLatin1(host == hostA ? officeKeyA : officeKeyB));
    if (r.value(u"extension"_s).toString() != extension)
        return nullptr;
    if (peerId)
        *peerId = r.value(u"peerId"_s).toString();
    return p;
}
