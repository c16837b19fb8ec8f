// The anonymous-safety promise (public-api.txt, DESIGN.md "HTTP"): public answers never contain a
// caller number, an IP address, a trunk hostname, a secret, a token, or a virtual number's
// private fields, and one tenant's data never shows in another tenant's answers.
//
// The server runs with two tenants; private values are planted through every channel that holds
// them (config secrets, the store, trunk reports, WebSocket joins from forwarded client IPs), and
// then every public request of both tenants is fetched. A new public flag or field is one more
// row in publicAnswer_data(); a new kind of private value is one more entry in plant().

#include "DataRows.h"
#include "RawHttp.h"
#include "TestClient.h"
#include "TestServer.h"
#include "app/Application.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QJsonArray>
#include <QNetworkRequest>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
// Tenant A is `localhost`, tenant B `127.0.0.1`: both reach the loopback server, so WebSocket
// clients can pick a tenant by URL. Secrets are inline and unique per tenant.
const char kConfig[]
    = "{\n"
      "  \"listen\": \"127.0.0.1:8080\",\n"
      "  \"trustedProxies\": [\"127.0.0.0/8\"],\n"
      "  \"tenants\": [\n"
      "    { \"host\": \"localhost\",\n"
      "      \"adminSecret\": \"ADMIN-SECRET-A-q81x\", \"bridgeSecret\": "
      "\"BRIDGE-SECRET-A-z7p2\",\n"
      "      \"officeKeys\": [\"OFFICE-KEY-A1-m3n4\", \"OFFICE-KEY-A2-k9j8\"],\n"
      "      \"turn\": { \"secret\": \"TURN-SECRET-A-w5v6\", \"urls\": "
      "[\"turn:127.0.0.1:3478?transport=udp\"] },\n"
      "      \"cameras\": [ { \"name\": \"lobby-a\", \"streamId\": \"lobby-a-stream\", \"access\": "
      "\"anonymous\" },\n"
      "                   { \"name\": \"vault-a-cam\", \"streamId\": \"VAULT-STREAM-A\", "
      "\"access\": \"verified\" } ],\n"
      "      \"go2rtcUrl\": \"http://10.20.30.41:1984\" },\n"
      "    { \"host\": \"127.0.0.1\", \"publicBaseUrl\": \"https://phone-b.example\",\n"
      "      \"adminSecret\": \"ADMIN-SECRET-B-r2d2\", \"bridgeSecret\": "
      "\"BRIDGE-SECRET-B-c3po\",\n"
      "      \"officeKeys\": [\"OFFICE-KEY-B1-h7g6\"],\n"
      "      \"turn\": { \"secret\": \"TURN-SECRET-B-t1u2\", \"urls\": "
      "[\"turn:127.0.0.1:3478?transport=udp\"] },\n"
      "      \"go2rtcUrl\": \"http://10.20.30.42:1984\" }\n"
      "  ]\n"
      "}\n";

struct Planted {
    QString host; // the tenant's host
    QByteArray clientIp; // sent as X-Forwarded-For from the trusted loopback proxy
    QStringList privateValues; // never in any public answer
    QStringList publicValues; // fine in this tenant's answers, never in the other's
    QStringList peerIds; // of joined peers: their room mates see them, nobody else does
};

// Keys that must never appear anywhere in a public JSON answer.
const QStringList kForbiddenKeys
    = {u"text"_s, u"startMs"_s, u"maxSec"_s, u"loop"_s,        u"host"_s,     u"from"_s,
       u"to"_s,   u"callId"_s,  u"peerId"_s, u"secret"_s,      u"token"_s,    u"address"_s,
       u"ip"_s,   u"number_"_s, u"note"_s,   u"resumeToken"_s, u"streamUrl"_s};

void collectKeys(const QJsonValue &v, QStringList *keys)
{
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            keys->append(it.key());
            collectKeys(it.value(), keys);
        }
    } else if (v.isArray()) {
        for (const QJsonValue &e : v.toArray())
            collectKeys(e, keys);
    }
}
} // namespace

class tst_Leak : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void publicAnswer_data();
    void publicAnswer();
    void anonymousFrames();

private:
    bool plant(Planted &p, bool tenantA);
    TestClient *joinFrom(const QString &host, const QByteArray &clientIp, const QString &room,
                         const QString &name, Planted &p);

    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;
    Planted m_a;
    Planted m_b;
    QList<TestClient *> m_clients;
};

void tst_Leak::initTestCase()
{
    QVERIFY(m_dir.isValid());
    std::optional<ServerConfig> config = testserver::fromJson(QByteArray(kConfig), m_dir.path());
    QVERIFY(config);
    m_app = testserver::start(*config);
    QVERIFY(m_app);
    m_port = m_app->httpPort();

    m_a.host = u"localhost"_s;
    m_a.clientIp = "203.0.113.77";
    m_b.host = u"127.0.0.1"_s;
    m_b.clientIp = "198.51.100.23";
    QVERIFY(plant(m_a, true));
    QVERIFY(plant(m_b, false));

    // Every configured secret and office key of both tenants.
    for (Tenant *t : m_app->tenants()) {
        Planted &p = t->config().host == m_a.host ? m_a : m_b;
        p.privateValues << QString::fromUtf8(t->config().adminSecret)
                        << QString::fromUtf8(t->config().bridgeSecret)
                        << QString::fromUtf8(t->config().turn->secret) << t->config().go2rtcUrl
                        << t->config().go2rtcUrl.mid(7, 11); // the bare IP
        for (const QByteArray &k : t->config().officeKeys)
            p.privateValues << QString::fromUtf8(k);
        for (const CameraConfig &cam : t->config().cameras) {
            if (cam.access == u"anonymous"_s)
                p.publicValues << cam.streamId;
            else
                p.privateValues << cam.name << cam.streamId; // verified peers only
        }
    }
    QCOMPARE(m_a.privateValues.filter(u"OFFICE-KEY-A"_s).size(), 2); // the config was read
    // The loopback address is B's host; it may never show in A's answers.
    m_b.publicValues << m_b.host;
    m_a.publicValues << u"localhost:"_s;

    // Sanity: the healthsummary shows the planted rooms, so the data is really there.
    const QJsonObject h
        = rawHttp(m_port, httpRequest("GET", "healthsummary=1", "localhost")).json();
    QCOMPARE(h.value(u"rooms"_s).toArray().size(), 3); // conference, public vnum, internal vnum
    QCOMPARE(h.value(u"trunks"_s).toArray().size(), 2);
    QCOMPARE(h.value(u"vnumCallsLast24h"_s).toInt(), 1);
}

void tst_Leak::cleanupTestCase()
{
    qDeleteAll(m_clients);
    m_clients.clear();
    m_app.reset();
}

TestClient *tst_Leak::joinFrom(const QString &host, const QByteArray &clientIp, const QString &room,
                               const QString &name, Planted &p)
{
    auto *c = new TestClient;
    m_clients.append(c);
    QNetworkRequest req(QUrl(u"ws://%1:%2/signal.ashx"_s.arg(host).arg(m_port)));
    req.setRawHeader("X-Forwarded-For", clientIp);
    QSignalSpy connected(&c->socket, &QWebSocket::connected);
    c->socket.open(req);
    if (!connected.wait(5000))
        return nullptr;
    const QJsonObject welcome = c->join(room, name);
    if (welcome.isEmpty())
        return nullptr;
    // Tokens and credentials the server minted for this peer are private too.
    p.peerIds << welcome.value(u"peerId"_s).toString();
    p.privateValues << welcome.value(u"peerId"_s).toString()
                    << welcome.value(u"resumeToken"_s).toString();
    for (const QJsonValue &ice : welcome.value(u"iceServers"_s).toArray()) {
        const QJsonObject o = ice.toObject();
        if (o.contains(u"credential"_s))
            p.privateValues << o.value(u"credential"_s).toString()
                            << o.value(u"username"_s).toString();
    }
    return c;
}

bool tst_Leak::plant(Planted &p, bool tenantA)
{
    Store &store = m_app->store();
    Tenant *tenant = m_app->tenantForHost(p.host);
    if (!tenant)
        return false;
    const QString tag = tenantA ? u"A"_s : u"B"_s;
    const QString digit = tenantA ? u"1"_s : u"2"_s;

    // Caller numbers, callee numbers and rooms in CDRs and the dial log.
    const QString caller = u"+49151000777"_s + digit;
    const QString callee = u"+49302223334"_s + digit;
    const QString dialed = u"+44207946000"_s + digit;
    const QString room = u"private-room-"_s + tag.toLower();
    CdrRecord ring;
    ring.callId = u"CALLID-RING-"_s + tag;
    ring.direction = u"in"_s;
    ring.from = caller;
    ring.to = u"*"_s;
    ring.room = u"call-ROOMOFRING"_s + tag;
    ring.startedAt = QDateTime::currentDateTimeUtc().addSecs(-600);
    ring.endedAt = ring.startedAt.addSecs(30);
    ring.result = u"missed"_s;
    CdrRecord dial;
    dial.callId = u"CALLID-DIAL-"_s + tag;
    dial.direction = u"out"_s;
    dial.from = u"room:"_s + room;
    dial.to = callee;
    dial.room = room;
    dial.startedAt = QDateTime::currentDateTimeUtc().addSecs(-300);
    dial.answeredAt = dial.startedAt.addSecs(3);
    dial.endedAt = dial.startedAt.addSecs(60);
    dial.result = u"answered"_s;
    dial.virtualNumber = true;
    DialLogRecord log;
    log.callId = u"CALLID-LOG-"_s + tag;
    log.room = room;
    log.peerId = u"PEER-IN-LOG-"_s + tag;
    log.number = dialed;
    log.outcome = u"forbidden"_s;
    if (store.addCdr(p.host, ring) <= 0 || store.addCdr(p.host, dial) <= 0
        || store.addDial(p.host, log) <= 0)
        return false;
    p.privateValues << caller << callee << dialed << ring.callId << dial.callId << log.callId
                    << ring.room << room << log.peerId;

    // Aliases (caller names), the whitelist, an internal number with a personal name, and the
    // private fields of a public number.
    const QString aliasName = u"Erika Privatperson "_s + tag;
    const QString internalNumber = u"739"_s + digit;
    const QString internalName = u"Dr. Hildegard Geheim "_s + tag;
    const QString vnumText = u"Confidential TTS script "_s + tag;
    const QString publicNumber = u"210"_s + digit;
    const QString publicName = u"Reception "_s + tag + u"lpha"_s;
    const QString whitelisted = u"+49405556667"_s + digit;
    VirtualNumber internal;
    internal.number = internalNumber;
    internal.name = internalName;
    internal.mode = u"ai"_s;
    internal.text = vnumText + u" (internal)"_s;
    internal.visibility = u"internal"_s;
    VirtualNumber pub;
    pub.number = publicNumber;
    pub.name = publicName;
    pub.mode = u"tts"_s;
    pub.text = vnumText;
    pub.startMs = 987654321; // maxSec and loop are numbers too short to search for: see the keys
    pub.maxSec = 4321;
    pub.loop = true;
    pub.visibility = u"anonymous"_s;
    if (store.createAlias(p.host, {caller, aliasName}) != Store::Result::Ok
        || store.createWhitelistEntry(p.host, {whitelisted, u"Boss mobile "_s + tag})
            != Store::Result::Ok
        || store.createVirtualNumber(p.host, internal) != Store::Result::Ok
        || store.createVirtualNumber(p.host, pub) != Store::Result::Ok)
        return false;
    p.privateValues << aliasName << internalName << vnumText << whitelisted
                    << u"Boss mobile "_s + tag << u"987654321"_s;
    p.publicValues << publicName << u"dial="_s + publicNumber;

    // Trunk hostnames.
    const QString trunkHost = u"sbc-"_s + tag.toLower() + u".carrier-private.example"_s;
    tenant->setTrunkReport(
        {{u"trunk-main-"_s + tag, trunkHost, true}, {trunkHost + u":5061"_s, trunkHost, false}},
        QDateTime::currentSecsSinceEpoch());
    p.privateValues << trunkHost << u"carrier-private"_s;
    if (tenantA)
        p.publicValues << u"trunk-main-"_s + tag;

    // Live rooms: a user-named conference room joined over WebSocket from a forwarded IP, and
    // for tenant A a public vnum room, an internal vnum room and a call room.
    const QString roomName = u"secret-meeting-"_s + tag.toLower();
    if (!joinFrom(p.host, p.clientIp, roomName, u"Max Teilnehmer "_s + tag, p))
        return false;
    p.privateValues << roomName << QString::fromLatin1(p.clientIp);
    if (tenantA) {
        const QString vnumRoom = u"vnum-"_s + publicNumber + u"-RANDOM-PART-A1b2c3d4e5"_s;
        const QString internalRoom = u"vnum-"_s + internalNumber + u"-RANDOMPARTINTERNAL0"_s;
        const QString callRoom = u"call-CALLROOMRANDOMPART0"_s;
        for (const auto &[id, kind] : {std::pair{vnumRoom, Room::Kind::VirtualNumber},
                                       std::pair{internalRoom, Room::Kind::VirtualNumber},
                                       std::pair{callRoom, Room::Kind::Call}}) {
            Room *r = tenant->rooms().findOrCreate(id, kind);
            if (!r)
                return false;
            auto m = std::make_unique<Room::Member>();
            m->peerId = u"HELDPEER"_s + id.right(4);
            m->name = u"Held Person"_s;
            m->kind = QLatin1StringView("browser");
            p.privateValues << m->peerId;
            r->add(std::move(m));
        }
        p.privateValues << u"RANDOM-PART"_s << u"RANDOMPARTINTERNAL"_s << u"CALLROOMRANDOMPART"_s
                        << u"vnum-"_s + internalNumber;
        p.publicValues << u"vnum-"_s + publicNumber;
    }
    return true;
}

void tst_Leak::publicAnswer_data()
{
    // Every public request, for both tenants. A new public flag or variant is one row here.
    addColumns<QByteArray, QByteArray, QByteArray, QByteArray, int>("host", "method", "query",
                                                                    "extraHeaders", "status");
    struct Req {
        const char *name;
        QByteArray method;
        QByteArray query;
        QByteArray extra;
        int status;
    };
    const QList<Req> requests = {
        {"healthsummary", "GET", "healthsummary=1", {}, 200},
        {"vnum-overview", "GET", "vnum-overview=1", {}, 200},
        {"vnum-overview, bad Bearer", "GET", "vnum-overview=1",
         "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\r\n", 200},
        {"cameras", "GET", "cameras=1", {}, 200},
        {"healthsummary HEAD", "HEAD", "healthsummary=1", {}, 200},
        {"vnum-overview OPTIONS", "OPTIONS", "vnum-overview=1", {}, 204},
        {"cameras POST", "POST", "cameras=1", "Content-Length: 0\r\n", 405},
        {"unknown flag", "GET", "nope=1", {}, 400},
        {"admin flag without auth", "GET", "cdrlog=1", {}, -1}, // 400 now, 401 with admin
        {"liveness", "GET", {}, {}, 200},
    };
    for (const char *host : {"localhost", "127.0.0.1"}) {
        for (const Req &r : requests)
            QTest::addRow("%s: %s", host, r.name)
                << QByteArray(host) << r.method << r.query << r.extra << r.status;
    }
}

void tst_Leak::publicAnswer()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, extraHeaders);
    QFETCH(int, status);

    const Planted &own = host == m_a.host.toLatin1() ? m_a : m_b;
    const Planted &other = &own == &m_a ? m_b : m_a;
    const QByteArray headers = extraHeaders + "X-Forwarded-For: " + own.clientIp + "\r\n";
    const RawResponse r = rawHttp(m_port, httpRequest(method, query, host, headers));
    if (status > 0)
        QCOMPARE(r.status, status);
    else
        QVERIFY(r.status >= 400);

    // The whole answer, headers included, as text.
    const QString text = QString::fromUtf8(r.raw);
    for (const Planted *p : {&m_a, &m_b}) {
        for (const QString &value : p->privateValues) {
            QVERIFY(!value.isEmpty());
            QVERIFY2(!text.contains(value, Qt::CaseInsensitive),
                     qPrintable(u"private value \"%1\" of %2 in: %3"_s.arg(value, p->host, text)));
        }
    }
    for (const QString &value : other.publicValues)
        QVERIFY2(!text.contains(value, Qt::CaseInsensitive),
                 qPrintable(u"%1's value \"%2\" in %3's answer: %4"_s.arg(other.host, value,
                                                                          own.host, text)));
    // Own public values do show where they belong (else this test proves nothing).
    if (method == "GET" && query == "vnum-overview=1")
        QVERIFY(text.contains(own.publicValues.filter(u"dial="_s).value(0)));

    if (r.header("content-type").startsWith("application/json") && !r.body.isEmpty()) {
        QStringList keys;
        collectKeys(QJsonDocument::fromJson(r.body).object(), &keys);
        for (const QString &k : kForbiddenKeys)
            QVERIFY2(!keys.contains(k), qPrintable(u"key \"%1\" in: %2"_s.arg(k, text)));
    }
}

void tst_Leak::anonymousFrames()
{
    // What an anonymous peer receives over the WebSocket (welcome, peer-joined, ...) holds no
    // private value either, except what was minted for it and who its room mates are.
    Planted second;
    TestClient *firstA = m_clients.value(0);
    QVERIFY(firstA);
    TestClient *client
        = joinFrom(m_a.host, "192.0.2.99", u"secret-meeting-a"_s, u"Second"_s, second);
    QVERIFY(client);
    QVERIFY(!firstA->waitFor(u"peer-joined"_s).isEmpty());
    client->send(u"{\"type\":\"ping\"}"_s);
    QVERIFY(!client->waitFor(u"pong"_s).isEmpty());
    QVERIFY(client->raw.size() >= 2);

    const QString received = client->raw.join(u'\n');
    const QStringList allowed
        = second.privateValues + m_a.peerIds.mid(0, 1) + QStringList{u"secret-meeting-a"_s};
    for (const Planted *p : {&m_a, &m_b}) {
        for (const QString &value : p->privateValues) {
            if (allowed.contains(value))
                continue;
            QVERIFY2(!received.contains(value, Qt::CaseInsensitive),
                     qPrintable(u"private value \"%1\" sent to an anonymous peer: %2"_s.arg(
                         value, received)));
        }
    }
    // Neither peer learns the other's address.
    QVERIFY(!received.contains(QString::fromLatin1(m_a.clientIp)));
    QVERIFY(!firstA->raw.join(u'\n').contains(u"192.0.2.99"_s));
    // The welcome shows the room mate (so the check above had something to look at).
    QVERIFY(received.contains(m_a.peerIds.value(0)));
}

QTEST_GUILESS_MAIN(tst_Leak)
#include "tst_leak.moc"
