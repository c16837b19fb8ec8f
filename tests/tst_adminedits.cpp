// The admin edits through both doors (issue 14): every row runs once through the admin HTTP API
// and once through the admin socket, and both must validate, store and kick alike (AdminEdits).

#include "AdminProtocol.h"
#include "DataRows.h"
#include "RawHttp.h"
#include "Signing.h"
#include "TestClient.h"
#include "TestServer.h"
#include "app/Application.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
const QByteArray adminSecret = "edits-admin-secret";
const QByteArray officeKey = "edits-office-key";
const QString host = u"localhost"_s;

// An authenticated console on the admin socket that sends one command at a time.
class Console {
public:
    bool open(quint16 port)
    {
        QObject::connect(&m_ws, &QWebSocket::textMessageReceived, &m_ws,
                         [this](const QString &text) {
                             if (const auto m = AP::parse(text))
                                 m_frames.append(*m);
                         });
        m_ws.open(QUrl(u"ws://127.0.0.1:%1%2"_s.arg(port).arg(AP::path)));
        if (!QTest::qWaitFor([&] { return !m_frames.isEmpty(); }, 5000))
            return false;
        const QString nonce = m_frames.first().body.value(u"nonce"_s).toString();
        m_ws.sendTextMessage(AP::make(AP::auth,
                                      {{u"version"_s, AP::version},
                                       {u"tenant"_s, host},
                                       {u"hmac"_s, AP::signNonce(adminSecret, host, nonce)}}));
        return QTest::qWaitFor([&] { return has(AP::snapshot); }, 5000);
    }
    // Sends a command and returns its answer (`ok` or `error`), nullopt after 5 s.
    std::optional<AP::Message> command(QLatin1StringView type, QJsonObject body)
    {
        const QString id = QString::number(++m_nextId);
        body.insert(u"id"_s, id);
        m_ws.sendTextMessage(AP::make(type, body));
        std::optional<AP::Message> answer;
        [[maybe_unused]] const bool answered = QTest::qWaitFor(
            [&] {
                for (const AP::Message &m : std::as_const(m_frames)) {
                    if ((m.type == AP::ok || m.type == AP::error)
                        && m.body.value(u"id"_s).toString() == id)
                        answer = m;
                }
                return answer.has_value();
            },
            5000);
        return answer;
    }

private:
    bool has(QLatin1StringView type) const
    {
        for (const AP::Message &m : m_frames) {
            if (m.type == type)
                return true;
        }
        return false;
    }
    QWebSocket m_ws;
    QList<AP::Message> m_frames;
    int m_nextId = 0;
};

// The outcome of one edit, in the words both doors share: "" (done), bad-field, not-found, ...
struct Outcome {
    QString code;
    QString field;
};

QString codeForStatus(int status)
{
    switch (status) {
    case 200:
    case 201: return {};
    case 400: return AP::errBadField;
    case 404: return AP::errNotFound;
    case 409: return AP::errDuplicate;
    }
    return u"http-%1"_s.arg(status);
}
} // namespace

class tst_AdminEdits : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void edits_data();
    void edits();
    void kick_data();
    void kick();

private:
    Outcome viaHttp(const QByteArray &method, const QByteArray &query, const QJsonObject &body);
    Outcome viaSocket(QLatin1StringView type, const QJsonObject &body);
    Outcome run(bool socket, const QString &op, const QJsonObject &data);
    Outcome kickVia(bool socket, const QJsonObject &body);
    QJsonObject stored(const QString &op, const QString &number);

    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    std::unique_ptr<Console> m_console;
    int m_timeSeq = 0;
};

void tst_AdminEdits::initTestCase()
{
    QVERIFY(m_dir.isValid());
    ServerConfig c = testserver::config(m_dir.path());
    TenantConfig t = testserver::tenant({host}, adminSecret, "edits-bridge-secret");
    t.officeKeys = {officeKey};
    c.tenants = {t};
    m_app = std::make_unique<Application>(c);
    QString error;
    QVERIFY2(m_app->start(&error), qPrintable(error));
    m_console = std::make_unique<Console>();
    QVERIFY(m_console->open(m_app->adminPort()));
}

void tst_AdminEdits::cleanupTestCase()
{
    m_console.reset();
    m_app.reset();
}

void tst_AdminEdits::init()
{
    // Every row starts from the same store: one virtual number 2000 (so on the whitelist too).
    Store &store = m_app->store();
    for (const VirtualNumber &vn : store.virtualNumbers(host))
        store.deleteVirtualNumber(host, vn.number);
    for (const AliasEntry &a : store.aliases(host))
        store.deleteAlias(host, a.number);
    for (const WhitelistEntry &w : store.whitelist(host))
        store.deleteWhitelistEntry(host, w.number);
    VirtualNumber vn;
    vn.number = u"2000"_s;
    vn.name = u"Reception"_s;
    vn.mode = u"tts"_s;
    vn.text = u"Hello"_s;
    vn.maxSec = 60;
    QCOMPARE(store.createVirtualNumber(host, vn), Store::Result::Ok);
}

Outcome tst_AdminEdits::viaHttp(const QByteArray &method, const QByteArray &query,
                                const QJsonObject &body)
{
    const QByteArray raw = QJsonDocument(body).toJson(QJsonDocument::Compact);
    // A fraction keeps every signature distinct (each is accepted once).
    const QByteArray time = QByteArray::number(QDateTime::currentSecsSinceEpoch()) + '.'
        + QByteArray::number(++m_timeSeq);
    const QByteArray sig = Signing::sign(
        adminSecret, Signing::adminRequest(method, query, host.toUtf8(), time, raw));
    const RawResponse r
        = rawHttp(m_app->httpPort(),
                  httpRequest(method, query, host.toUtf8(),
                              "X-Admin-Time: " + time + "\r\nX-Admin-Sig: " + sig
                                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                                  + QByteArray::number(raw.size()) + "\r\n")
                      + raw);
    return {codeForStatus(r.status), r.json().value(u"field"_s).toString()};
}

Outcome tst_AdminEdits::viaSocket(QLatin1StringView type, const QJsonObject &body)
{
    const auto answer = m_console->command(type, body);
    if (!answer)
        return {u"no-answer"_s, {}};
    if (answer->type == AP::ok)
        return {};
    return {answer->body.value(u"code"_s).toString(), answer->body.value(u"field"_s).toString()};
}

Outcome tst_AdminEdits::kickVia(bool socket, const QJsonObject &body)
{
    return socket ? viaSocket(AP::kick, body) : viaHttp("POST", "kick=1", body);
}

Outcome tst_AdminEdits::run(bool socket, const QString &op, const QJsonObject &data)
{
    struct Route {
        QLatin1StringView type;
        QByteArray method;
        QByteArray query;
    };
    static const QList<Route> routes{
        {AP::vnumCreate, "POST", "virtualnumbers=1"}, {AP::vnumUpdate, "PUT", "virtualnumbers=1"},
        {AP::aliasCreate, "POST", "aliases=1"},       {AP::aliasUpdate, "PUT", "aliases=1"},
        {AP::whitelistCreate, "POST", "whitelist=1"}, {AP::whitelistUpdate, "PUT", "whitelist=1"},
    };
    for (const Route &r : routes) {
        if (op != r.type)
            continue;
        return socket ? viaSocket(r.type, {{u"data"_s, data}}) : viaHttp(r.method, r.query, data);
    }
    return {u"unknown-op"_s, {}};
}

QJsonObject tst_AdminEdits::stored(const QString &op, const QString &number)
{
    Store &store = m_app->store();
    if (op.startsWith(u"vnum"_s)) {
        const auto vn = store.virtualNumber(host, number);
        if (!vn)
            return {};
        return {{u"name"_s, vn->name}, {u"text"_s, vn->text}, {u"mode"_s, vn->mode}};
    }
    if (op.startsWith(u"alias"_s)) {
        for (const AliasEntry &a : store.aliases(host)) {
            if (a.number == number)
                return {{u"name"_s, a.name}};
        }
        return {};
    }
    for (const WhitelistEntry &w : store.whitelist(host)) {
        if (w.number == number)
            return {{u"note"_s, w.note}};
    }
    return {};
}

void tst_AdminEdits::edits_data()
{
    // code: "" when the edit is done
    // expected: the stored entry's fields afterwards
    addColumns<bool, QString, QJsonObject, QString, QString, QJsonObject>(
        "socket", "op", "data", "code", "field", "expected");

    const QString long5000(5000, u'x');
    const QString long8001(8001, u'x');
    const QString name65(65, u'n');
    // The tts virtual number 3000 "Weather" with this text.
    const auto weather = [](const QString &text) {
        return QJsonObject{{u"number"_s, u"3000"_s},
                           {u"name"_s, u"Weather"_s},
                           {u"mode"_s, u"tts"_s},
                           {u"text"_s, text}};
    };
    struct Case {
        const char *name;
        QString op;
        QJsonObject data;
        QString code;
        QString field;
        QJsonObject expected;
    };
    const QList<Case> cases{
        {"alias name trimmed",
         AP::aliasCreate,
         {{u"number"_s, u"10"_s}, {u"name"_s, u"  Front desk  "_s}},
         {},
         {},
         {{u"name"_s, u"Front desk"_s}}},
        {"alias name control character",
         AP::aliasCreate,
         {{u"number"_s, u"10"_s}, {u"name"_s, u"Front\u0007desk"_s}},
         AP::errBadField,
         u"name"_s,
         {}},
        {"alias name too long",
         AP::aliasCreate,
         {{u"number"_s, u"10"_s}, {u"name"_s, name65}},
         AP::errBadField,
         u"name"_s,
         {}},
        {"alias name blank",
         AP::aliasCreate,
         {{u"number"_s, u"10"_s}, {u"name"_s, u"   "_s}},
         AP::errBadField,
         u"name"_s,
         {}},
        {"alias unknown field",
         AP::aliasCreate,
         {{u"number"_s, u"10"_s}, {u"name"_s, u"Desk"_s}, {u"colour"_s, u"red"_s}},
         AP::errBadField,
         u"colour"_s,
         {}},
        {"alias bad number",
         AP::aliasCreate,
         {{u"number"_s, u"call me"_s}, {u"name"_s, u"Desk"_s}},
         AP::errBadField,
         u"number"_s,
         {}},
        {"alias update missing",
         AP::aliasUpdate,
         {{u"number"_s, u"11"_s}, {u"name"_s, u"Desk"_s}},
         AP::errNotFound,
         {},
         {}},
        {"vnum text of 5000 characters",
         AP::vnumCreate,
         weather(long5000),
         {},
         {},
         {{u"name"_s, u"Weather"_s}, {u"text"_s, long5000}, {u"mode"_s, u"tts"_s}}},
        {"vnum text too long", AP::vnumCreate, weather(long8001), AP::errBadField, u"text"_s, {}},
        {"vnum name control character",
         AP::vnumCreate,
         {{u"number"_s, u"3000"_s}, {u"name"_s, u"Wea\u001bther"_s}, {u"mode"_s, u"tts"_s}},
         AP::errBadField,
         u"name"_s,
         {}},
        {"vnum name trimmed",
         AP::vnumCreate,
         {{u"number"_s, u"3000"_s}, {u"name"_s, u" Weather "_s}, {u"mode"_s, u"ai"_s}},
         {},
         {},
         {{u"name"_s, u"Weather"_s}, {u"text"_s, u""_s}, {u"mode"_s, u"ai"_s}}},
        {"vnum duplicate",
         AP::vnumCreate,
         {{u"number"_s, u"2000"_s}, {u"name"_s, u"Again"_s}, {u"mode"_s, u"tts"_s}},
         AP::errDuplicate,
         u"number"_s,
         {{u"name"_s, u"Reception"_s}, {u"text"_s, u"Hello"_s}, {u"mode"_s, u"tts"_s}}},
        {"vnum update keeps absent fields",
         AP::vnumUpdate,
         {{u"number"_s, u"2000"_s}, {u"name"_s, u"Front"_s}},
         {},
         {},
         {{u"name"_s, u"Front"_s}, {u"text"_s, u"Hello"_s}, {u"mode"_s, u"tts"_s}}},
        {"vnum update missing",
         AP::vnumUpdate,
         {{u"number"_s, u"2999"_s}, {u"name"_s, u"Front"_s}},
         AP::errNotFound,
         {},
         {}},
        {"whitelist note of 200",
         AP::whitelistCreate,
         {{u"number"_s, u"+4930123456"_s}, {u"note"_s, QString(200, u'n')}},
         {},
         {},
         {{u"note"_s, QString(200, u'n')}}},
        {"whitelist note too long",
         AP::whitelistCreate,
         {{u"number"_s, u"+4930123456"_s}, {u"note"_s, QString(201, u'n')}},
         AP::errBadField,
         u"note"_s,
         {}},
    };
    for (const Case &c : cases) {
        // The socket names the number of an entry it cannot find; HTTP says 404 only.
        const QString socketField
            = c.code == AP::errNotFound && c.field.isEmpty() ? u"number"_s : c.field;
        QTest::addRow("http: %s", c.name)
            << false << c.op << c.data << c.code << c.field << c.expected;
        QTest::addRow("socket: %s", c.name)
            << true << c.op << c.data << c.code << socketField << c.expected;
    }
}

void tst_AdminEdits::edits()
{
    QFETCH(bool, socket);
    QFETCH(QString, op);
    QFETCH(QJsonObject, data);
    QFETCH(QString, code);
    QFETCH(QString, field);
    QFETCH(QJsonObject, expected);
    const Outcome out = run(socket, op, data);
    QCOMPARE(out.code, code);
    QCOMPARE(out.field, field);
    QCOMPARE(stored(op, data.value(u"number"_s).toString()), expected);
}

void tst_AdminEdits::kick_data()
{
    // phone: the victim is a phone in no room, else a room's peer
    addColumns<bool, bool, QJsonValue, QString, QString>("socket", "phone", "reason", "code",
                                                         "field");
    for (const bool door : {false, true}) {
        const char *d = door ? "socket" : "http";
        QTest::addRow("%s: peer, no reason", d)
            << door << false << QJsonValue(QJsonValue::Undefined) << QString() << QString();
        QTest::addRow("%s: peer, reason", d)
            << door << false << QJsonValue(u"  Lunch break "_s) << QString() << QString();
        QTest::addRow("%s: phone in no room, reason", d)
            << door << true << QJsonValue(u"Moved desks"_s) << QString() << QString();
        QTest::addRow("%s: reason with a control character", d)
            << door << false << QJsonValue(u"Bye\u0001"_s) << QString(AP::errBadField)
            << u"reason"_s;
        QTest::addRow("%s: reason too long", d) << door << true << QJsonValue(QString(201, u'r'))
                                                << QString(AP::errBadField) << u"reason"_s;
        QTest::addRow("%s: reason not text", d)
            << door << false << QJsonValue(7) << QString(AP::errBadField) << u"reason"_s;
    }
}

void tst_AdminEdits::kick()
{
    QFETCH(bool, socket);
    QFETCH(bool, phone);
    QFETCH(QJsonValue, reason);
    QFETCH(QString, code);
    QFETCH(QString, field);

    TestClient victim;
    QVERIFY(victim.open(m_app->httpPort()));
    QString peerId;
    if (phone) {
        victim.send(QJsonObject{{u"type"_s, u"register"_s},
                                {u"extension"_s, u"100"_s},
                                {u"officeKey"_s, QString::fromLatin1(officeKey)}});
        peerId = victim.waitFor(u"registered"_s).value(u"peerId"_s).toString();
    } else {
        peerId = victim.join(u"kick-room"_s, u"Mallory"_s).value(u"peerId"_s).toString();
    }
    QVERIFY(!peerId.isEmpty());

    QJsonObject body{{u"peerId"_s, peerId}};
    if (!reason.isUndefined())
        body.insert(u"reason"_s, reason);
    const Outcome out = kickVia(socket, body);
    QCOMPARE(out.code, code);
    QCOMPARE(out.field, field);
    if (!code.isEmpty()) {
        QTest::qWait(50); // nothing may follow a refused kick
        QVERIFY(!victim.hasFrame(u"kicked"_s));
        QCOMPARE(victim.socket.state(), QAbstractSocket::ConnectedState);
        return;
    }
    const QJsonObject kicked = victim.waitFor(u"kicked"_s);
    QCOMPARE(kicked.value(u"reason"_s).toString(), u"admin"_s);
    if (reason.isUndefined())
        QVERIFY(!kicked.contains(u"message"_s));
    else
        QCOMPARE(kicked.value(u"message"_s).toString(), reason.toString().trimmed());
    QVERIFY(victim.waitClosed());
    QCOMPARE(int(victim.socket.closeCode()), 4000);

    // The same peer again: gone (once its socket has finished), through either door.
    Outcome again;
    QTRY_COMPARE((again = kickVia(socket, {{u"peerId"_s, peerId}})).code, QString(AP::errNotFound));
    QCOMPARE(again.field, u"peerId"_s);
}

QTEST_GUILESS_MAIN(tst_AdminEdits)
#include "tst_adminedits.moc"
