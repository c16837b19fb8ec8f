// The admin reads over real HTTP: paging of the CDR and dial logs, stats and apidoc, the telephony
// state, and that admin-only values never reach the public flags.

#include "AdminFixture.h"
#include "DataRows.h"

class tst_AdminLogs : public AdminFixture {
    Q_OBJECT
private slots:
    void logsPaging();
    void statsAndApidoc();
    void telephonyState();
    void privateValuesStayPrivate_data();
    void privateValuesStayPrivate();
};

void tst_AdminLogs::logsPaging()
{
    Store &store = m_app->store();
    const QString a = u"a.test"_s;
    const QDateTime base = QDateTime::fromString(u"2026-01-10T12:00:00.000Z"_s, Qt::ISODateWithMs);
    QList<qint64> ids;
    for (int i = 0; i < 5; ++i) {
        CdrRecord c;
        c.callId = u"call-%1"_s.arg(i);
        c.direction = u"in"_s;
        c.from = u"+491700000%1"_s.arg(i);
        c.to = u"*"_s;
        c.room = u"call-room-%1"_s.arg(i);
        c.startedAt = base.addSecs(i * 3600);
        c.answeredAt = i % 2 ? c.startedAt.addSecs(5) : QDateTime();
        c.endedAt = c.startedAt.addSecs(60);
        c.result = i % 2 ? u"answered"_s : u"missed"_s;
        ids.append(store.addCdr(a, c));
        QVERIFY(ids.last() > 0);
        DialLogRecord d;
        d.at = base.addSecs(i * 3600);
        d.room = u"r%1"_s.arg(i);
        d.peerId = u"peer%1"_s.arg(i);
        d.number = u"+49300000%1"_s.arg(i);
        d.outcome = u"dialing"_s;
        d.callId = u"dial-%1"_s.arg(i);
        QVERIFY(store.addDial(a, d) > 0);
    }
    CdrRecord other;
    other.callId = u"b-call"_s;
    other.direction = u"in"_s;
    other.from = u"+4917099999"_s;
    other.to = u"*"_s;
    other.startedAt = base;
    other.endedAt = base.addSecs(1);
    other.result = u"missed"_s;
    QVERIFY(store.addCdr(u"b.test"_s, other) > 0);

    Reply r = admin("GET", "cdrlog=1&limit=2");
    QCOMPARE(r.status, 200);
    QJsonArray rows = r.json().value("cdrs"_L1).toArray();
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].toObject().value("callId"_L1).toString(), u"call-4"_s); // newest first
    QCOMPARE(rows[1].toObject().value("callId"_L1).toString(), u"call-3"_s);
    const QRegularExpression rfc3339(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    QVERIFY(rfc3339.match(rows[0].toObject().value("startedAt"_L1).toString()).hasMatch());
    QCOMPARE(rows[0].toObject().value("startedAt"_L1).toString(), u"2026-01-10T16:00:00.000Z"_s);
    QVERIFY(!rows[0].toObject().contains("answeredAt"_L1));
    QVERIFY(rfc3339.match(rows[1].toObject().value("answeredAt"_L1).toString()).hasMatch());
    const qint64 next = qint64(r.json().value("nextBefore"_L1).toDouble());
    QCOMPARE(next, ids[3]);

    r = admin("GET", "cdrlog=1&limit=2&before=" + QByteArray::number(next));
    rows = r.json().value("cdrs"_L1).toArray();
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].toObject().value("callId"_L1).toString(), u"call-2"_s);
    r = admin("GET", "cdrlog=1&limit=2&before=" + QByteArray::number(ids[1]));
    QCOMPARE(r.json().value("cdrs"_L1).toArray().size(), 1);
    QVERIFY(!r.json().contains("nextBefore"_L1));

    // from/to: RFC 3339 or unix seconds.
    r = admin("GET", "cdrlog=1&from=2026-01-10T13:00:00Z&to=2026-01-10T15:00:00Z");
    rows = r.json().value("cdrs"_L1).toArray();
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0].toObject().value("callId"_L1).toString(), u"call-3"_s);
    QCOMPARE(rows[2].toObject().value("callId"_L1).toString(), u"call-1"_s);
    r = admin("GET",
              "cdrlog=1&from=" + QByteArray::number(base.addSecs(4 * 3600).toSecsSinceEpoch()));
    QCOMPARE(r.json().value("cdrs"_L1).toArray().size(), 1);
    // Tenant B's row never shows at A, and A's never at B.
    for (const QJsonValue &v :
         admin("GET", "cdrlog=1&limit=1000").json().value("cdrs"_L1).toArray())
        QVERIFY(v.toObject().value("callId"_L1).toString() != u"b-call"_s);
    QCOMPARE(admin("GET", "cdrlog=1", {}, hostB).json().value("cdrs"_L1).toArray().size(), 1);

    r = admin("GET", "diallog=1&limit=3");
    rows = r.json().value("dials"_L1).toArray();
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[0].toObject().value("number"_L1).toString(), u"+493000004"_s);
    QCOMPARE(rows[0].toObject().value("at"_L1).toString(), u"2026-01-10T16:00:00.000Z"_s);
    QVERIFY(r.json().contains("nextBefore"_L1));
    r = admin("GET",
              "diallog=1&before="
                  + QByteArray::number(qint64(r.json().value("nextBefore"_L1).toDouble())));
    QCOMPARE(r.json().value("dials"_L1).toArray().size(), 2);
    QCOMPARE(admin("GET", "diallog=1", {}, hostB).json().value("dials"_L1).toArray().size(), 0);
}

void tst_AdminLogs::statsAndApidoc()
{
    TestClient c;
    QVERIFY(c.open(port(), "127.0.0.1"));
    c.send({{u"type"_s, u"join"_s}, {u"room"_s, u"statsroom"_s}, {u"name"_s, u"S"_s}});
    const QJsonObject welcome = c.waitFor(u"welcome"_s);
    QVERIFY(!welcome.isEmpty());
    Reply r = admin("GET", "stats=1");
    QCOMPARE(r.status, 200);
    const QJsonObject s = r.json();
    QCOMPARE(s.value("tenant"_L1).toString(), u"a.test"_s);
    QVERIFY(s.value("rooms"_L1).toInt() >= 1);
    QVERIFY(s.value("peers"_L1).toInt() >= 1);
    QVERIFY(s.value("sockets"_L1).toInt() >= 1);
    QVERIFY(s.value("uptimeSec"_L1).isDouble());
    QVERIFY(s.value("counters"_L1).toObject().value("peersJoined"_L1).toInt() >= 1);
    QVERIFY(s.value("memory"_L1).toObject().value("residentBytes"_L1).toDouble() > 0);
    for (const char *key : {"officePhones", "ringsInFlight", "bridgeConnected", "startedAt"})
        QVERIFY2(s.contains(QLatin1StringView(key)), key);
    QCOMPARE(s.value("heldPeers"_L1).toInt(), 0);
    // A socket lost without a close frame holds its peer (counted in peers too) until a resume.
    const int peers = s.value("peers"_L1).toInt();
    c.socket.abort();
    QTRY_COMPARE(admin("GET", "stats=1").json().value("heldPeers"_L1).toInt(), 1);
    QCOMPARE(admin("GET", "stats=1").json().value("peers"_L1).toInt(), peers);
    TestClient resumed;
    QVERIFY(resumed.open(port(), "127.0.0.1"));
    resumed.send({{u"type"_s, u"join"_s},
                  {u"room"_s, u"statsroom"_s},
                  {u"name"_s, u"S"_s},
                  {u"resume"_s, welcome.value("resumeToken"_L1)}});
    QCOMPARE(resumed.waitFor(u"welcome"_s).value("resumed"_L1).toBool(), true);
    QCOMPARE(admin("GET", "stats=1").json().value("heldPeers"_L1).toInt(), 0);
    QCOMPARE(admin("GET", "stats=1", {}, hostB).json().value("rooms"_L1).toInt(), 0);

    r = admin("GET", "apidoc=1");
    QCOMPARE(r.status, 200);
    QStringList adminFlags;
    for (const QJsonValue &v : r.json().value("routes"_L1).toArray()) {
        if (v.toObject().value("access"_L1).toString() == u"admin"_s) {
            adminFlags.append(v.toObject().value("flag"_L1).toString());
            QVERIFY(!v.toObject().value("summary"_L1).toString().isEmpty());
        }
    }
    for (const QString &flag : {u"stats"_s, u"diallog"_s, u"cdrlog"_s, u"registrar"_s, u"aliases"_s,
                                u"whitelist"_s, u"virtualnumbers"_s, u"kick"_s, u"apidoc"_s})
        QVERIFY2(adminFlags.contains(flag), qPrintable(flag));
    QCOMPARE(admin("GET", "registrar=1").json().value("registrar"_L1).toArray(), QJsonArray());
}

void tst_AdminLogs::telephonyState()
{
    // A bridge session reports its registrar; an office phone registers; ?stats, ?registrar and
    // ?kick see them.
    TestClient bridge;
    QVERIFY(bridge.open(port(), "127.0.0.1"));
    const qint64 t = QDateTime::currentSecsSinceEpoch();
    const QByteArray sig
        = Signing::sign("bridge-secret-of-a", Signing::bridgeHello("127.0.0.1", t));
    bridge.send(
        {{u"type"_s, u"bridge-hello"_s}, {u"time"_s, t}, {u"sig"_s, QString::fromLatin1(sig)}});
    QVERIFY(!bridge.waitFor(u"bridge-welcome"_s).isEmpty());
    const QJsonArray entries{QJsonObject{{u"extension"_s, u"201"_s},
                                         {u"contact"_s, u"sip:201@10.1.2.3:5060"_s},
                                         {u"userAgent"_s, u"Desk phone"_s}}};
    bridge.send({{u"type"_s, u"registrar"_s}, {u"entries"_s, entries}});
    QTRY_COMPARE(admin("GET", "registrar=1").json().value("registrar"_L1).toArray(), entries);
    const QRegularExpression rfc3339(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    QVERIFY(rfc3339.match(admin("GET", "registrar=1").json().value("reportedAt"_L1).toString())
                .hasMatch());
    QCOMPARE(admin("GET", "registrar=1", {}, hostB).json().value("registrar"_L1).toArray(),
             QJsonArray());

    TestClient phone;
    QVERIFY(phone.open(port(), "127.0.0.1"));
    phone.send({{u"type"_s, u"register"_s},
                {u"extension"_s, u"201"_s},
                {u"officeKey"_s, u"office-key-a"_s}});
    const QString phoneId = phone.waitFor(u"registered"_s).value("peerId"_L1).toString();
    QVERIFY(!phoneId.isEmpty());

    QJsonObject s = admin("GET", "stats=1").json();
    QCOMPARE(s.value("bridgeConnected"_L1).toBool(), true);
    QCOMPARE(s.value("officePhones"_L1).toInt(), 1);
    QCOMPARE(s.value("ringsInFlight"_L1).toInt(), 0);
    QCOMPARE(admin("GET", "stats=1", {}, hostB).json().value("officePhones"_L1).toInt(), 0);

    // A phone in no room is kicked too.
    QSignalSpy closed(&phone.socket, &QWebSocket::disconnected);
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, phoneId}}), hostB).status, 404);
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, phoneId}})).status, 200);
    QCOMPARE(phone.waitFor(u"kicked"_s).value("reason"_L1).toString(), u"admin"_s);
    QVERIFY(closed.size() > 0 || closed.wait(5000));
    QCOMPARE(int(phone.socket.closeCode()), 4000);
    QTRY_COMPARE(admin("GET", "stats=1").json().value("officePhones"_L1).toInt(), 0);
}

void tst_AdminLogs::privateValuesStayPrivate_data()
{
    // Admin-only values, planted through the admin API and the store, then looked for in every
    // public answer of both tenants.
    addColumns<QByteArray, QByteArray, bool>("query", "host", "withBearer");
    for (const QByteArray &host : {hostA, hostB}) {
        for (const QByteArray &q : {QByteArray("healthsummary=1"), QByteArray("vnum-overview=1"),
                                    QByteArray("cameras=1")}) {
            QTest::addRow("%s %s", host.constData(), q.constData()) << q << host << false;
            QTest::addRow("%s %s with a non-admin Bearer", host.constData(), q.constData())
                << q << host << true;
        }
    }
}

void tst_AdminLogs::privateValuesStayPrivate()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, host);
    QFETCH(bool, withBearer);

    static bool planted = false;
    const QStringList secrets{u"TTS-PRIVATE-TEXT-7731"_s, u"+4915199887766"_s,
                              u"Private Alias Person"_s,  u"+4930444555666"_s,
                              u"note-private-4242"_s,     u"+4917012345999"_s,
                              u"+4930777888999"_s};
    if (!planted) {
        planted = true;
        QCOMPARE(admin("POST", "virtualnumbers=1",
                       compact({{u"number"_s, u"7001"_s},
                                {u"name"_s, u"Public Line"_s},
                                {u"mode"_s, u"tts"_s},
                                {u"text"_s, secrets[0]},
                                {u"startMs"_s, 987654},
                                {u"maxSec"_s, 4321},
                                {u"visibility"_s, u"anonymous"_s}}))
                     .status,
                 201);
        QCOMPARE(admin("POST", "aliases=1",
                       compact({{u"number"_s, secrets[1]}, {u"name"_s, secrets[2]}}))
                     .status,
                 201);
        QCOMPARE(admin("POST", "whitelist=1",
                       compact({{u"number"_s, secrets[3]}, {u"note"_s, secrets[4]}}))
                     .status,
                 201);
        CdrRecord c;
        c.callId = u"leak-call"_s;
        c.direction = u"in"_s;
        c.from = secrets[5];
        c.to = u"*"_s;
        c.startedAt = QDateTime::currentDateTimeUtc();
        c.endedAt = c.startedAt;
        c.result = u"missed"_s;
        QVERIFY(m_app->store().addCdr(u"a.test"_s, c) > 0);
        DialLogRecord d;
        d.at = QDateTime::currentDateTimeUtc();
        d.number = secrets[6];
        d.outcome = u"forbidden"_s;
        QVERIFY(m_app->store().addDial(u"a.test"_s, d) > 0);
        // The admin side does show them, so the check below can fail.
        const QByteArray adminView = admin("GET", "virtualnumbers=1").body
            + admin("GET", "aliases=1").body + admin("GET", "whitelist=1").body
            + admin("GET", "cdrlog=1").body + admin("GET", "diallog=1").body;
        for (const QString &s : secrets)
            QVERIFY2(adminView.contains(s.toUtf8()), qPrintable(s));
    }

    QList<QPair<QByteArray, QByteArray>> headers;
    if (withBearer)
        headers.append(
            {"Authorization",
             "Bearer " + m_issuer.token(u"k1"_s, m_issuer.claims(u"Staff"_s, {u"staff"_s}))});
    const Reply r = http(port(), "GET", query, host, headers);
    QCOMPARE(r.status, 200);
    for (const QString &s : secrets)
        QVERIFY2(!r.body.contains(s.toUtf8()), qPrintable(s));
    for (const QByteArray &s : {secretA, secretB, QByteArray("987654"), QByteArray("4321")})
        QVERIFY2(!r.body.contains(s), s.constData());
}

QTEST_GUILESS_MAIN(tst_AdminLogs)
#include "tst_adminlogs.moc"
