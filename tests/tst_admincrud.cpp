// The admin edits over real HTTP: virtual numbers, aliases and whitelist with their statuses and
// field errors, and kick (tst_adminedits runs the shared rules through both doors).

#include "AdminFixture.h"
#include "DataRows.h"

class tst_AdminCrud : public AdminFixture {
    Q_OBJECT
private slots:
    void virtualNumbers();
    void badFields_data();
    void badFields();
    void aliasesAndWhitelist();
    void kick();
};

void tst_AdminCrud::virtualNumbers()
{
    const QJsonObject vn{{u"number"_s, u"2000"_s}, {u"name"_s, u"Reception"_s},
                         {u"mode"_s, u"tts"_s},    {u"text"_s, u"Welcome"_s},
                         {u"startMs"_s, 1500},     {u"maxSec"_s, 120},
                         {u"loop"_s, true},        {u"visibility"_s, u"internal"_s}};
    Reply r = admin("POST", "virtualnumbers=1", compact(vn));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json(), vn);
    QCOMPARE(admin("POST", "virtualnumbers=1", compact(vn)).status, 409);
    r = admin("GET", "virtualnumbers=1");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value("virtualNumbers"_L1).toArray(), QJsonArray{vn});
    // Saving a virtual number puts it on the whitelist.
    r = admin("GET", "whitelist=1");
    bool listed = false;
    for (const QJsonValue &w : r.json().value("whitelist"_L1).toArray())
        listed = listed || w.toObject().value("number"_L1).toString() == u"2000"_s;
    QVERIFY(listed);

    // PUT updates the fields given and keeps the rest.
    r = admin("PUT", "virtualnumbers=1", R"({"number":"2000","name":"Front desk","loop":false})");
    QCOMPARE(r.status, 200);
    QJsonObject updated = vn;
    updated.insert(u"name"_s, u"Front desk"_s);
    updated.insert(u"loop"_s, false);
    QCOMPARE(r.json(), updated);
    QCOMPARE(admin("GET", "virtualnumbers=1").json().value("virtualNumbers"_L1).toArray(),
             QJsonArray{updated});
    QCOMPARE(admin("PUT", "virtualnumbers=1", R"({"number":"2999","name":"Nobody"})").status, 404);

    // Tenant B does not see tenant A's numbers.
    QCOMPARE(
        admin("GET", "virtualnumbers=1", {}, hostB).json().value("virtualNumbers"_L1).toArray(),
        QJsonArray());
    QCOMPARE(admin("DELETE", "virtualnumbers&number=2000", {}, hostB).status, 404);

    QCOMPARE(admin("DELETE", "virtualnumbers&number=2000").status, 200);
    QCOMPARE(admin("DELETE", "virtualnumbers&number=2000").status, 404);
    QCOMPARE(admin("GET", "virtualnumbers=1").json().value("virtualNumbers"_L1).toArray(),
             QJsonArray());

    r = admin("PATCH", "virtualnumbers=1", compact(vn));
    QCOMPARE(r.status, 405);
    QVERIFY(r.header("allow").contains("DELETE"));
}

void tst_AdminCrud::badFields_data()
{
    addColumns<QByteArray, QByteArray, QByteArray, QString>("method", "query", "body", "field");

    const QByteArray vq = "virtualnumbers=1";
    auto vn = [](const QString &key, const QJsonValue &value) {
        QJsonObject o{{u"number"_s, u"3000"_s}, {u"name"_s, u"Line"_s}, {u"mode"_s, u"ai"_s}};
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
        return compact(o);
    };
    // A POST of a virtual number whose `key` is `value` (undefined: missing): the field named.
    const auto badVnumField = [&](const char *name, const QString &key, const QJsonValue &value) {
        QTest::addRow("%s", name) << QByteArray("POST") << vq << vn(key, value) << key;
    };
    badVnumField("vnum number letters", u"number"_s, u"abc"_s);
    badVnumField("vnum number missing", u"number"_s, QJsonValue::Undefined);
    badVnumField("vnum number as integer", u"number"_s, 3000);
    badVnumField("vnum name empty", u"name"_s, u""_s);
    badVnumField("vnum name control char", u"name"_s, u"a\u0007b"_s);
    badVnumField("vnum mode unknown", u"mode"_s, u"fax"_s);
    badVnumField("vnum maxSec negative", u"maxSec"_s, -1);
    badVnumField("vnum startMs fraction", u"startMs"_s, 1.5);
    badVnumField("vnum loop string", u"loop"_s, u"yes"_s);
    badVnumField("vnum visibility unknown", u"visibility"_s, u"secret"_s);
    badVnumField("vnum text number", u"text"_s, 5);
    badVnumField("vnum unknown field", u"colour"_s, u"red"_s);
    QTest::addRow("vnum PUT without number")
        << QByteArray("PUT") << vq << QByteArray(R"({"name":"x"})") << u"number"_s;
    QTest::addRow("vnum body not JSON")
        << QByteArray("POST") << vq << QByteArray("number=3000") << QString();
    QTest::addRow("vnum body an array")
        << QByteArray("POST") << vq << QByteArray("[]") << QString();
    QTest::addRow("vnum duplicate key")
        << QByteArray("POST") << vq
        << QByteArray(R"({"number":"3000","number":"3001","name":"a","mode":"ai"})") << QString();
    QTest::addRow("vnum DELETE without number")
        << QByteArray("DELETE") << vq << QByteArray() << u"number"_s;
    QTest::addRow("alias number bad")
        << QByteArray("POST") << QByteArray("aliases=1")
        << QByteArray(R"({"number":"+0123","name":"x"})") << u"number"_s;
    QTest::addRow("alias name missing") << QByteArray("POST") << QByteArray("aliases=1")
                                        << QByteArray(R"({"number":"+4930123456"})") << u"name"_s;
    QTest::addRow("whitelist note too long")
        << QByteArray("POST") << QByteArray("whitelist=1")
        << compact({{u"number"_s, u"+4930123456"_s}, {u"note"_s, QString(201, u'x')}}) << u"note"_s;
    QTest::addRow("whitelist DELETE bad number")
        << QByteArray("DELETE") << QByteArray("whitelist&number=x") << QByteArray() << u"number"_s;
    QTest::addRow("kick without peerId") << QByteArray("POST") << QByteArray("kick=1")
                                         << QByteArray(R"({"reason":"x"})") << u"peerId"_s;
    QTest::addRow("kick reason not text")
        << QByteArray("POST") << QByteArray("kick=1") << QByteArray(R"({"peerId":"p","reason":7})")
        << u"reason"_s;
    QTest::addRow("cdrlog limit zero")
        << QByteArray("GET") << QByteArray("cdrlog=1&limit=0") << QByteArray() << u"limit"_s;
    QTest::addRow("cdrlog limit huge")
        << QByteArray("GET") << QByteArray("cdrlog=1&limit=5000") << QByteArray() << u"limit"_s;
    QTest::addRow("diallog before text")
        << QByteArray("GET") << QByteArray("diallog=1&before=abc") << QByteArray() << u"before"_s;
    QTest::addRow("diallog from garbage")
        << QByteArray("GET") << QByteArray("diallog=1&from=yesterday") << QByteArray() << u"from"_s;
    QTest::addRow("cdrlog to garbage")
        << QByteArray("GET") << QByteArray("cdrlog=1&to=2026-13-45") << QByteArray() << u"to"_s;
}

void tst_AdminCrud::badFields()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const Reply r = admin(method, query, body);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json().value("error"_L1).toString(), u"bad-request"_s);
    QCOMPARE(r.json().value("field"_L1).toString(), field);
    QVERIFY(!r.json().value("message"_L1).toString().isEmpty());
    // Nothing was created.
    QCOMPARE(admin("GET", "virtualnumbers=1").json().value("virtualNumbers"_L1).toArray(),
             QJsonArray());
}

void tst_AdminCrud::aliasesAndWhitelist()
{
    const QJsonObject alias{{u"number"_s, u"+4930111222"_s}, {u"name"_s, u"Main office"_s}};
    QCOMPARE(admin("POST", "aliases=1", compact(alias)).status, 201);
    QCOMPARE(admin("POST", "aliases=1", compact(alias)).status, 409);
    QCOMPARE(admin("PUT", "aliases=1", R"({"number":"+4930111222","name":"Head office"})").status,
             200);
    QCOMPARE(admin("PUT", "aliases=1", R"({"number":"+4930999999","name":"Nobody"})").status, 404);
    const QJsonArray aliases = admin("GET", "aliases=1").json().value("aliases"_L1).toArray();
    QCOMPARE(
        aliases,
        QJsonArray({QJsonObject{{u"number"_s, u"+4930111222"_s}, {u"name"_s, u"Head office"_s}}}));
    // `+` in a query value is a literal plus.
    QCOMPARE(admin("DELETE", "aliases&number=+4930111222").status, 200);
    QCOMPARE(admin("DELETE", "aliases&number=+4930111222").status, 404);

    QCOMPARE(admin("POST", "whitelist=1", R"({"number":"+4930555666","note":"supplier"})").status,
             201);
    QCOMPARE(admin("POST", "whitelist=1", R"({"number":"+4930555666"})").status, 409);
    QCOMPARE(admin("POST", "whitelist=1", R"({"number":"42"})").status, 201);
    const QJsonArray list = admin("GET", "whitelist=1").json().value("whitelist"_L1).toArray();
    QVERIFY(
        list.contains(QJsonObject{{u"number"_s, u"+4930555666"_s}, {u"note"_s, u"supplier"_s}}));
    QVERIFY(list.contains(QJsonObject{{u"number"_s, u"42"_s}})); // note omitted when empty
    QCOMPARE(admin("PUT", "whitelist=1", R"({"number":"42","note":"lift"})").status, 200);
    QCOMPARE(admin("DELETE", "whitelist&number=%2B4930555666").status, 200);
    QCOMPARE(admin("DELETE", "whitelist&number=42").status, 200);
    QCOMPARE(admin("GET", "whitelist=1", {}, hostB).json().value("whitelist"_L1).toArray(),
             QJsonArray());
}

void tst_AdminCrud::kick()
{
    TestClient victim;
    QVERIFY(victim.open(port(), "127.0.0.1"));
    TestClient other;
    QVERIFY(other.open(port(), "127.0.0.1"));
    victim.send({{u"type"_s, u"join"_s}, {u"room"_s, u"kickroom"_s}, {u"name"_s, u"V"_s}});
    const QString victimId = victim.waitFor(u"welcome"_s).value("peerId"_L1).toString();
    QVERIFY(!victimId.isEmpty());
    other.send({{u"type"_s, u"join"_s}, {u"room"_s, u"kickroom"_s}, {u"name"_s, u"O"_s}});
    QVERIFY(!other.waitFor(u"welcome"_s).isEmpty());

    // Another tenant cannot kick this peer.
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, victimId}}), hostB).status, 404);
    QCOMPARE(admin("POST", "kick=1", R"({"peerId":"no-such-peer"})").status, 404);

    QSignalSpy closed(&victim.socket, &QWebSocket::disconnected);
    const Reply r = admin("POST", "kick=1",
                          compact({{u"peerId"_s, victimId}, {u"reason"_s, u"Time is up"_s}}));
    QCOMPARE(r.status, 200);
    const QJsonObject kicked = victim.waitFor(u"kicked"_s);
    QCOMPARE(kicked.value("reason"_L1).toString(), u"admin"_s);
    QCOMPARE(kicked.value("message"_L1).toString(), u"Time is up"_s);
    QVERIFY(closed.size() > 0 || closed.wait(5000));
    QCOMPARE(int(victim.socket.closeCode()), 4000);
    const QJsonObject left = other.waitFor(u"peer-left"_s);
    QCOMPARE(left.value("peerId"_L1).toString(), victimId);
    QCOMPARE(left.value("reason"_L1).toString(), u"kicked"_s);
    QCOMPARE(admin("POST", "kick=1", compact({{u"peerId"_s, victimId}})).status, 404);
}

QTEST_GUILESS_MAIN(tst_AdminCrud)
#include "tst_admincrud.moc"
