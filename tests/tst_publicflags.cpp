// The public flags of /signal.ashx (healthsummary, vnum-overview, cameras) over real HTTP against
// an in-process Application, their errors and CORS, and the Application's store wiring.

#include "DataRows.h"
#include "RawHttp.h"
#include "Signing.h"
#include "TestClient.h"
#include "TestServer.h"
#include "app/Application.h"
#include "config/BuildInfo.h"
#include "config/ServerConfig.h"
#include "http/PublicFlags.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
ServerConfig testConfig(const QString &dataDir)
{
    ServerConfig c = testserver::config(dataDir);
    c.limits.maxBodyBytes = 2048;
    TenantConfig a = testserver::tenant({u"localhost"_s}, "admin-secret", "bridge-secret");
    a.cameras = {CameraConfig{u"lobby"_s, u"lobby-stream"_s, u"anonymous"_s},
                 CameraConfig{u"vault"_s, u"vault-stream"_s, u"verified"_s}};
    TenantConfig b = testserver::tenant({u"b.example"_s}, {}, {});
    b.publicBaseUrl = u"https://phone.b.example"_s;
    c.tenants = {a, b};
    return c;
}

QStringList keysOf(const QJsonObject &o)
{
    QStringList k = o.keys();
    k.sort();
    return k;
}

VirtualNumber makeVnum(const QString &number, const QString &name, const QString &visibility)
{
    VirtualNumber vn;
    vn.number = number;
    vn.name = name;
    vn.mode = u"gemini-live"_s;
    vn.text = u"secret script"_s;
    vn.startMs = 1234;
    vn.maxSec = 99;
    vn.loop = true;
    vn.visibility = visibility;
    return vn;
}

Room::Member &addHeldMember(Room &room, const QString &peerId)
{
    auto m = std::make_unique<Room::Member>();
    m->peerId = peerId;
    m->name = u"Someone"_s;
    m->kind = QLatin1StringView("browser");
    return room.add(std::move(m));
}
} // namespace

class tst_PublicFlags : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void http_data();
    void http();
    void healthSummary();
    void vnumOverview();
    void vnumOverviewInternalHook();
    void cameras();
    void publicBaseUrlFallback();

    void storeLocation();
    void startFailsWithoutStore_data();
    void startFailsWithoutStore();
    void pruneAtStart_data();
    void pruneAtStart();

private:
    QJsonObject get(const QByteArray &flag, const QByteArray &host = "localhost",
                    const QByteArray &extra = {})
    {
        const RawResponse r = rawHttp(m_port, httpRequest("GET", flag, host, extra));
        if (r.status != 200)
            qWarning("GET %s: %d %s", flag.constData(), r.status, r.body.constData());
        return r.json();
    }
    Tenant &tenant(const QString &host) { return *m_app->tenantForHost(host); }
    // Saves each of `numbers` for tenant `host`; false unless every one was created.
    bool createVnums(const QString &host, const QList<VirtualNumber> &numbers)
    {
        for (const VirtualNumber &vn : numbers) {
            if (m_app->store().createVirtualNumber(host, vn) != Store::Result::Ok)
                return false;
        }
        return true;
    }
    // Opens a bridge session for tenant `localhost` (a signed bridge-hello); true once welcomed.
    bool connectBridge()
    {
        m_bridge = std::make_unique<TestClient>();
        if (!m_bridge->open(m_port))
            return false;
        const qint64 t = QDateTime::currentSecsSinceEpoch();
        m_bridge->send(QJsonObject{{u"type"_s, u"bridge-hello"_s},
                                   {u"time"_s, t},
                                   {u"sig"_s,
                                    QString::fromLatin1(Signing::sign(
                                        "bridge-secret", Signing::bridgeHello("localhost", t)))}});
        return !m_bridge->waitFor(u"bridge-welcome"_s).isEmpty();
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;
    std::unique_ptr<TestClient> m_bridge;
    qint64 m_reportTime = QDateTime::currentSecsSinceEpoch(); // trunk reports must not go back
};

void tst_PublicFlags::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_app = testserver::start(testConfig(m_dir.path()));
    QVERIFY(m_app);
    m_port = m_app->httpPort();
}

void tst_PublicFlags::cleanupTestCase()
{
    m_app.reset();
}

void tst_PublicFlags::cleanup()
{
    // Each test plants its own data: forget rooms, numbers, CDRs and trunks of the last one.
    for (Tenant *t : m_app->tenants()) {
        for (Room *room : t->rooms().rooms()) {
            QStringList ids;
            for (const auto &m : room->members())
                ids.append(m->peerId);
            for (const QString &id : ids)
                room->remove(id, QLatin1StringView("left"));
        }
        for (const VirtualNumber &vn : m_app->store().virtualNumbers(t->config().host))
            m_app->store().deleteVirtualNumber(t->config().host, vn.number);
        t->setTrunkReport({}, ++m_reportTime);
    }
    m_bridge.reset();
    QTRY_VERIFY(!tenant(u"localhost"_s).bridge().isConnected());
    m_app->store().pruneLogsBefore(QDateTime::currentDateTimeUtc().addDays(1));
    m_app->publicFlags().setInternalVnumAccess({});
    QTRY_COMPARE(tenant(u"localhost"_s).rooms().count(), 0);
}

void tst_PublicFlags::http_data()
{
    // errorCode: empty: not an error
    // headers: "name: value" that must be present
    addColumns<QByteArray, int, QByteArray, QList<QByteArray>, bool>(
        "request", "status", "errorCode", "headers", "emptyBody");

    const QList<QByteArray> ok = {"content-type: application/json", "cache-control: no-store",
                                  "access-control-allow-origin: *"};
    for (const QByteArray flag : {"healthsummary", "vnum-overview", "cameras"}) {
        const QByteArray q = flag + "=1";
        QTest::addRow("GET %s", flag.constData())
            << httpRequest("GET", q, "localhost") << 200 << QByteArray() << ok << false;
        QTest::addRow("GET %s, value ignored", flag.constData())
            << httpRequest("GET", flag + "=0&unknown=x", "localhost") << 200 << QByteArray() << ok
            << false;
        QTest::addRow("HEAD %s", flag.constData())
            << httpRequest("HEAD", q, "localhost") << 200 << QByteArray() << ok << true;
        QTest::addRow("OPTIONS %s", flag.constData())
            << httpRequest("OPTIONS", q, "localhost") << 204 << QByteArray()
            << QList<QByteArray>{"access-control-allow-origin: *",
                                 "access-control-allow-headers: Authorization",
                                 "access-control-allow-methods: GET, HEAD, OPTIONS"}
            << true;
        QTest::addRow("POST %s", flag.constData())
            << httpRequest("POST", q, "localhost", "Content-Length: 2\r\n") + "{}" << 405
            << QByteArray("method-not-allowed")
            << QList<QByteArray>{"allow: GET, HEAD, OPTIONS", "content-type: application/json"}
            << false;
        QTest::addRow("DELETE %s", flag.constData())
            << httpRequest("DELETE", q, "localhost") << 405 << QByteArray("method-not-allowed")
            << QList<QByteArray>{"allow: GET, HEAD, OPTIONS"} << false;
        QTest::addRow("%s, unknown tenant", flag.constData())
            << httpRequest("GET", q, "nobody.example") << 404 << QByteArray("not-found")
            << QList<QByteArray>{"content-type: application/json"} << false;
        QTest::addRow("%s, oversized body", flag.constData())
            << httpRequest("POST", q, "localhost", "Content-Length: 100000\r\n") << 413
            << QByteArray("payload-too-large")
            << QList<QByteArray>{"content-type: application/json"} << false;
        QTest::addRow("%s with another flag", flag.constData())
            << httpRequest("GET", q + "&stats=1&healthsummary=1&cameras=1", "localhost") << 400
            << QByteArray("bad-request") << QList<QByteArray>{} << false;
    }
    QTest::addRow("unknown flag") << httpRequest("GET", "nope=1", "localhost") << 400
                                  << QByteArray("bad-request")
                                  << QList<QByteArray>{"content-type: application/json"} << false;
    QTest::addRow("flag with a different case")
        << httpRequest("GET", "HealthSummary=1", "localhost") << 400 << QByteArray("bad-request")
        << QList<QByteArray>{} << false;
    QTest::addRow("other tenant") << httpRequest("GET", "cameras=1", "b.example") << 200
                                  << QByteArray() << ok << false;
    QTest::addRow("host with port and dot")
        << httpRequest("GET", "cameras=1", "LocalHost.:8080") << 200 << QByteArray() << ok << false;
}

void tst_PublicFlags::http()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, errorCode);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(bool, emptyBody);

    const RawResponse r = rawHttp(m_port, request);
    QCOMPARE(r.status, status);
    for (const QByteArray &h : headers) {
        const qsizetype colon = h.indexOf(':');
        const QByteArray name = h.left(colon);
        const QByteArray value = h.mid(colon + 1).trimmed();
        QVERIFY2(r.hasHeader(name), h.constData());
        QVERIFY2(r.header(name).startsWith(value),
                 QByteArray(h + " / got: " + r.header(name)).constData());
    }
    if (emptyBody)
        QVERIFY2(r.body.isEmpty(), r.body.constData());
    if (!errorCode.isEmpty()) {
        const QJsonObject body = r.json();
        QCOMPARE(body.value(u"error"_s).toString().toLatin1(), errorCode);
        QVERIFY(!body.value(u"message"_s).toString().isEmpty());
        // CORS is for the answers only, and the body never echoes the request.
        QVERIFY(!r.hasHeader("access-control-allow-origin"));
        QVERIFY(!r.body.contains("signal.ashx"));
    }
    if (status == 200 && !emptyBody)
        QVERIFY(!r.json().isEmpty());
}

void tst_PublicFlags::healthSummary()
{
    Tenant &a = tenant(u"localhost"_s);
    Store &store = m_app->store();

    // Two browsers in a user-named room.
    TestClient c1, c2;
    QVERIFY(c1.open(m_port));
    QVERIFY(c2.open(m_port));
    QVERIFY(!c1.join(u"myroom"_s, u"Alice"_s).isEmpty());
    QVERIFY(!c2.join(u"myroom"_s, u"Bob"_s).isEmpty());
    // A public vnum's room (its random part holds '-'), an internal vnum's room, a call room.
    QCOMPARE(store.createVirtualNumber(a.config().host,
                                       makeVnum(u"2000"_s, u"Reception"_s, u"anonymous"_s)),
             Store::Result::Ok);
    QCOMPARE(store.createVirtualNumber(a.config().host,
                                       makeVnum(u"7777"_s, u"Dr. Private"_s, u"internal"_s)),
             Store::Result::Ok);
    Room *vnumRoom = a.rooms().findOrCreate(u"vnum-2000-abc-DEF_ghi-jklmnopqrstu"_s,
                                            Room::Kind::VirtualNumber);
    QVERIFY(vnumRoom);
    addHeldMember(*vnumRoom, u"p1"_s);
    Room *internalRoom
        = a.rooms().findOrCreate(u"vnum-7777-abcdefghijklmnopqrstuv"_s, Room::Kind::VirtualNumber);
    addHeldMember(*internalRoom, u"p2"_s);
    Room *callRoom = a.rooms().findOrCreate(u"call-abcdefghijklmnopqrstuv"_s, Room::Kind::Call);
    addHeldMember(*callRoom, u"p3"_s);
    addHeldMember(*callRoom, u"p4"_s);

    a.setTrunkReport({{u"main"_s, u"sip.provider.example"_s, true},
                      {u"sip.provider.example"_s, u"sip.provider.example"_s, false}},
                     ++m_reportTime);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto cdr = [&](const QString &tenantHost, qint64 secsAgo, bool vnumDial) {
        CdrRecord c;
        c.callId = u"c%1"_s.arg(secsAgo);
        c.direction = vnumDial ? u"out"_s : u"in"_s;
        c.startedAt = now.addSecs(-secsAgo);
        c.endedAt = c.startedAt.addSecs(5);
        c.result = u"answered"_s;
        c.virtualNumber = vnumDial;
        QVERIFY(store.addCdr(tenantHost, c) > 0);
    };
    cdr(a.config().host, 60, true);
    cdr(a.config().host, 23 * 3600, true);
    cdr(a.config().host, 25 * 3600, true); // older than 24 h
    cdr(a.config().host, 60, false); // a ring, not a vnum dial
    cdr(u"b.example"_s, 60, true); // another tenant

    const QJsonObject h = get("healthsummary=1");
    QCOMPARE(
        keysOf(h),
        QStringList({u"build"_s, u"rooms"_s, u"tenant"_s, u"trunks"_s, u"vnumCallsLast24h"_s}));
    QCOMPARE(h.value(u"build"_s).toString(), QString::fromLatin1(buildinfo::stamp()));
    QCOMPARE(h.value(u"tenant"_s).toString(), u"localhost"_s);
    QCOMPARE(h.value(u"vnumCallsLast24h"_s).toInt(-1), 2);

    const QJsonArray expectedRooms{
        QJsonObject{{u"id"_s, u"room-…"_s}, {u"peers"_s, 2}},
        QJsonObject{{u"id"_s, u"room-…"_s}, {u"peers"_s, 1}}, // the internal number
        QJsonObject{{u"id"_s, u"vnum-2000-…"_s}, {u"peers"_s, 1}},
    };
    QCOMPARE(h.value(u"rooms"_s).toArray(), expectedRooms);

    const QJsonArray trunks = h.value(u"trunks"_s).toArray();
    QCOMPARE(trunks.size(), 2);
    for (const auto &t : trunks) {
        QCOMPARE(keysOf(t.toObject()), QStringList({u"id"_s, u"lastSeenSec"_s, u"registered"_s}));
        QVERIFY(t.toObject().value(u"lastSeenSec"_s).toInt(-1) >= 0);
        QVERIFY(t.toObject().value(u"lastSeenSec"_s).toInt(-1) < 60);
    }
    QCOMPARE(trunks[0].toObject().value(u"id"_s).toString(), u"main"_s);
    QCOMPARE(trunks[0].toObject().value(u"registered"_s).toBool(), true);
    QCOMPARE(trunks[1].toObject().value(u"id"_s).toString(), u"trunk-2"_s); // was the hostname
    QCOMPARE(trunks[1].toObject().value(u"registered"_s).toBool(), false);

    // Tenant B sees none of it.
    const QJsonObject hb = get("healthsummary=1", "b.example");
    QCOMPARE(hb.value(u"tenant"_s).toString(), u"b.example"_s);
    QCOMPARE(hb.value(u"rooms"_s).toArray(), QJsonArray());
    QCOMPARE(hb.value(u"trunks"_s).toArray(), QJsonArray());
    QCOMPARE(hb.value(u"vnumCallsLast24h"_s).toInt(-1), 1);

    // A room disappears from the summary when its peers leave.
    c1.socket.close();
    c2.socket.close();
    QTRY_COMPARE(get("healthsummary=1").value(u"rooms"_s).toArray().size(), 2);
}

void tst_PublicFlags::vnumOverview()
{
    Tenant &a = tenant(u"localhost"_s);
    QVERIFY(createVnums(a.config().host,
                        {makeVnum(u"2000"_s, u"Reception"_s, u"anonymous"_s),
                         makeVnum(u"+4930 1&x"_s, u"Odd"_s, u"anonymous"_s),
                         makeVnum(u"7777"_s, u"Dr. Private"_s, u"internal"_s),
                         makeVnum(u"8888"_s, u"Odd vis"_s, u"hidden"_s)}));
    QVERIFY(createVnums(u"b.example"_s, {makeVnum(u"3000"_s, u"B's line"_s, u"anonymous"_s)}));

    const QString base = u"http://localhost:%1"_s.arg(m_port);
    auto expectedRow = [&](const QString &number, const QString &name, const QString &dialParam,
                           bool available) {
        return QJsonObject{
            {u"number"_s, number},
            {u"name"_s, name},
            {u"mode"_s, u"gemini-live"_s},
            {u"dialUrl"_s,
             QString(base + u"/room.html?room=random&dial="_s + dialParam + u"&cam=off"_s)},
            {u"visibility"_s, u"anonymous"_s},
            {u"available"_s, available},
        };
    };
    QJsonObject v = get("vnum-overview=1");
    QCOMPARE(keysOf(v), QStringList{u"virtualNumbers"_s});
    QCOMPARE(v.value(u"virtualNumbers"_s).toArray(),
             QJsonArray({expectedRow(u"+4930 1&x"_s, u"Odd"_s, u"%2B4930%201%26x"_s, false),
                         expectedRow(u"2000"_s, u"Reception"_s, u"2000"_s, false)}));

    QVERIFY(connectBridge());
    QVERIFY(a.bridge().isConnected());
    v = get("vnum-overview=1");
    QCOMPARE(v.value(u"virtualNumbers"_s).toArray(),
             QJsonArray({expectedRow(u"+4930 1&x"_s, u"Odd"_s, u"%2B4930%201%26x"_s, true),
                         expectedRow(u"2000"_s, u"Reception"_s, u"2000"_s, true)}));

    // Tenant B: its own row, its own publicBaseUrl, and no bridge.
    const QJsonArray rowsB
        = get("vnum-overview=1", "b.example").value(u"virtualNumbers"_s).toArray();
    QCOMPARE(rowsB.size(), 1);
    QCOMPARE(rowsB[0].toObject().value(u"number"_s).toString(), u"3000"_s);
    QCOMPARE(rowsB[0].toObject().value(u"dialUrl"_s).toString(),
             u"https://phone.b.example/room.html?room=random&dial=3000&cam=off"_s);
    QCOMPARE(rowsB[0].toObject().value(u"available"_s).toBool(), false);
}

void tst_PublicFlags::vnumOverviewInternalHook()
{
    const QString host = u"localhost"_s;
    QVERIFY(createVnums(host,
                        {makeVnum(u"2000"_s, u"Reception"_s, u"anonymous"_s),
                         makeVnum(u"7777"_s, u"Staff line"_s, u"internal"_s),
                         makeVnum(u"8888"_s, u"Unknown vis"_s, u"secret"_s)}));
    // Stand-in for the OIDC Bearer check of the admin issue.
    m_app->publicFlags().setInternalVnumAccess([](const HttpRequest &request, Tenant &) {
        return request.header("authorization") == "Bearer good";
    });
    auto numbers = [&](const QByteArray &extra) {
        QStringList out;
        for (const auto &row :
             get("vnum-overview=1", "localhost", extra).value(u"virtualNumbers"_s).toArray())
            out.append(row.toObject().value(u"number"_s).toString() + u'/'
                       + row.toObject().value(u"visibility"_s).toString());
        return out;
    };
    QCOMPARE(numbers({}), QStringList{u"2000/anonymous"_s});
    QCOMPARE(numbers("Authorization: Bearer bad\r\n"), QStringList{u"2000/anonymous"_s});
    QCOMPARE(numbers("Authorization: Bearer good\r\n"),
             QStringList({u"2000/anonymous"_s, u"7777/internal"_s}));
}

void tst_PublicFlags::cameras()
{
    QCOMPARE(get("cameras=1"),
             QJsonObject({{u"cameras"_s,
                           QJsonArray{QJsonObject{{u"name"_s, u"lobby"_s},
                                                  {u"streamId"_s, u"lobby-stream"_s}}}}}));
    QCOMPARE(get("cameras=1", "b.example"), QJsonObject({{u"cameras"_s, QJsonArray()}}));
}

void tst_PublicFlags::publicBaseUrlFallback()
{
    PublicFlags &flags = m_app->publicFlags();
    QCOMPARE(flags.publicBaseUrl(tenant(u"localhost"_s)), u"http://localhost:%1"_s.arg(m_port));
    QCOMPARE(flags.publicBaseUrl(tenant(u"b.example"_s)), u"https://phone.b.example"_s);
    QCOMPARE(flags.dialUrl(tenant(u"b.example"_s), u"+49 30"_s),
             u"https://phone.b.example/room.html?room=random&dial=%2B49%2030&cam=off"_s);
}

void tst_PublicFlags::storeLocation()
{
    QVERIFY(m_app->store().isOpen());
    QVERIFY(QFileInfo::exists(QDir(m_dir.path()).filePath(u"switchboard.db"_s)));
    QCOMPARE(m_app->store().schemaVersion(), Store::currentSchemaVersion());
}

void tst_PublicFlags::startFailsWithoutStore_data()
{
    addColumns<QString, QString>("fixture", "errorPart");
    QTest::addRow("data dir is a file") << u"file"_s << u"dataDir"_s;
    QTest::addRow("database is garbage") << u"garbage"_s << u"store:"_s;
    QTest::addRow("no data dir configured") << u"empty"_s << u"dataDir"_s;
}

void tst_PublicFlags::startFailsWithoutStore()
{
    QFETCH(QString, fixture);
    QFETCH(QString, errorPart);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString dataDir = dir.path();
    if (fixture == u"file"_s) {
        dataDir = dir.filePath(u"plain-file"_s);
        QFile f(dataDir);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("x");
    } else if (fixture == u"garbage"_s) {
        QFile f(dir.filePath(u"switchboard.db"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, 'g'));
    } else {
        dataDir.clear();
    }
    Application app(testConfig(dataDir));
    QString error;
    QVERIFY(!app.start(&error));
    QVERIFY2(error.contains(errorPart), qPrintable(error));
    QVERIFY(!app.store().isOpen());
}

void tst_PublicFlags::pruneAtStart_data()
{
    addColumns<int, int>("retentionDays", "keptCdrs");
    QTest::addRow("default 90 days") << 90 << 1;
    QTest::addRow("200 days") << 200 << 2;
    QTest::addRow("0 keeps everything") << 0 << 2;
}

void tst_PublicFlags::pruneAtStart()
{
    QFETCH(int, retentionDays);
    QFETCH(int, keptCdrs);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        Store store;
        QVERIFY(store.open(dir.filePath(u"switchboard.db"_s)));
        for (int daysAgo : {100, 1}) {
            CdrRecord c;
            c.callId = u"c%1"_s.arg(daysAgo);
            c.direction = u"in"_s;
            c.startedAt = QDateTime::currentDateTimeUtc().addDays(-daysAgo);
            c.endedAt = c.startedAt;
            c.result = u"missed"_s;
            QVERIFY(store.addCdr(u"localhost"_s, c) > 0);
        }
    }
    ServerConfig config = testConfig(dir.path());
    config.retentionDays = retentionDays;
    Application app(config);
    QString error;
    QVERIFY2(app.start(&error), qPrintable(error));
    QCOMPARE(app.store().cdrs(u"localhost"_s).size(), keptCdrs);
}

QTEST_GUILESS_MAIN(tst_PublicFlags)
#include "tst_publicflags.moc"
