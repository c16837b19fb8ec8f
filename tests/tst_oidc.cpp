// OidcVerifier against a test issuer whose keys are generated at test time and whose JWKS is
// served by a local QHttpServer; then verifiedIdentity over the real signaling socket.

#include "DataRows.h"
#include "TestIssuer.h"
#include "TestServer.h"
#include "app/Application.h"
#include "auth/Jwks.h"
#include "auth/OidcVerifier.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"

#include <QHttpServer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace Qt::StringLiterals;
using Failure = OidcVerifier::Failure;

namespace {
// A signaling client that collects frames and waits for one of a type.
class Client {
public:
    explicit Client(quint16 port) : m_spy(&m_socket, &QWebSocket::textMessageReceived)
    {
        m_socket.open(QUrl(u"ws://127.0.0.1:%1/signal.ashx"_s.arg(port)));
    }
    bool connected()
    {
        QSignalSpy spy(&m_socket, &QWebSocket::connected);
        return m_socket.state() == QAbstractSocket::ConnectedState || spy.wait(5000);
    }
    void send(const QJsonObject &frame)
    {
        m_socket.sendTextMessage(
            QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
    }
    // The next frame of `type` (frames of other types before it are skipped); empty on timeout.
    QJsonObject next(const QString &type)
    {
        for (int waits = 0; waits < 50;) {
            while (m_seen < m_spy.size()) {
                const QJsonObject f
                    = QJsonDocument::fromJson(m_spy.at(m_seen++).at(0).toString().toUtf8())
                          .object();
                if (f.value("type"_L1).toString() == type)
                    return f;
            }
            if (!m_spy.wait(100))
                ++waits;
        }
        return {};
    }

private:
    QWebSocket m_socket;
    QSignalSpy m_spy;
    qsizetype m_seen = 0;
};

QByteArray payloadOf(const QJsonObject &claims)
{
    return TestIssuer::part(claims);
}
} // namespace

class tst_Oidc : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void jwksParse_data();
    void jwksParse();
    void verify_data();
    void verify();
    void unknownKidThenRotatedIn();
    void fetchFailureKeepsKeys();
    void jwksFile();
    void groups();
    void joinWithIdToken();
    void identify();
    void registerWithIdToken();

private:
    OidcConfig config() const;
    std::unique_ptr<OidcVerifier> readyVerifier();

    TestIssuer m_issuer;
    QHttpServer m_jwksServer;
    quint16 m_jwksPort = 0;
    int m_jwksRequests = 0;
    bool m_jwksBroken = false;
    std::unique_ptr<OidcVerifier> m_verifier;
    QTemporaryDir m_dir;
};

void tst_Oidc::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_issuer.addKey(u"rsa-1"_s, TestIssuer::KeyType::Rsa);
    m_issuer.addKey(u"ec-1"_s, TestIssuer::KeyType::Ec);
    m_issuer.addKey(u"rsa-sig"_s, TestIssuer::KeyType::Rsa, true,
                    QJsonObject{{u"use"_s, u"sig"_s}, {u"alg"_s, u"RS256"_s}});
    m_issuer.addKey(u"rsa-enc"_s, TestIssuer::KeyType::Rsa, true,
                    QJsonObject{{u"use"_s, u"enc"_s}});
    m_issuer.addKey(u"rsa-says-es"_s, TestIssuer::KeyType::Rsa, true,
                    QJsonObject{{u"alg"_s, u"ES256"_s}});
    m_issuer.addKey(u"rsa-unpublished"_s, TestIssuer::KeyType::Rsa, false);
    m_issuer.addKey(u"rsa-2"_s, TestIssuer::KeyType::Rsa, false); // rotated in later
    m_issuer.addKey(u"rsa-3"_s, TestIssuer::KeyType::Rsa, false);

    m_jwksServer.route(u"/jwks"_s, [this]() {
        ++m_jwksRequests;
        if (m_jwksBroken)
            return QHttpServerResponse("application/json", "this is not a key set");
        return QHttpServerResponse("application/json", m_issuer.jwks());
    });
    m_jwksPort = m_jwksServer.listen(QHostAddress::LocalHost, 0);
    QVERIFY(m_jwksPort != 0);
    m_verifier = readyVerifier();
    QVERIFY(m_verifier);
    QCOMPARE(m_verifier->keyCount(), 4); // rsa-enc is skipped
}

OidcConfig tst_Oidc::config() const
{
    OidcConfig c;
    c.issuer = m_issuer.issuer();
    c.audience = m_issuer.audience();
    c.jwksUrl = u"http://127.0.0.1:%1/jwks"_s.arg(m_jwksPort);
    c.adminGroups = {u"switchboard-admins"_s};
    return c;
}

std::unique_ptr<OidcVerifier> tst_Oidc::readyVerifier()
{
    auto v = std::make_unique<OidcVerifier>(config());
    QSignalSpy loaded(v.get(), &OidcVerifier::keysUpdated);
    if (!loaded.wait(5000))
        return {};
    return v;
}

void tst_Oidc::jwksParse_data()
{
    addColumns<QByteArray, bool, int>("json", "valid", "keys");

    TestIssuer small;
    small.addKey(u"a"_s, TestIssuer::KeyType::Rsa);
    small.addKey(u"b"_s, TestIssuer::KeyType::Ec);
    const QJsonArray two
        = QJsonDocument::fromJson(small.jwks()).object().value("keys"_L1).toArray();
    auto with = [](const QJsonArray &keys) {
        return QJsonDocument(QJsonObject{{u"keys"_s, keys}}).toJson(QJsonDocument::Compact);
    };
    QJsonObject rsa = two.at(0).toObject();
    QJsonObject ec = two.at(1).toObject();

    QTest::addRow("two keys") << with(two) << true << 2;
    QTest::addRow("not JSON") << QByteArray("<html>") << false << 0;
    QTest::addRow("keys not an array") << QByteArray(R"({"keys":{}})") << false << 0;
    QTest::addRow("empty set") << QByteArray(R"({"keys":[]})") << true << 0;
    QJsonObject noKid = rsa;
    noKid.remove(u"kid"_s);
    QTest::addRow("no kid") << with({noKid}) << true << 0;
    QJsonObject shortRsa = rsa;
    shortRsa.insert(u"n"_s, QString::fromLatin1(TestIssuer::b64(QByteArray(128, '\xff'))));
    QTest::addRow("RSA 1024 bits") << with({shortRsa}) << true << 0;
    QJsonObject offCurve = ec;
    offCurve.insert(u"y"_s, QString::fromLatin1(TestIssuer::b64(QByteArray(32, '\x01'))));
    QTest::addRow("EC point off the curve") << with({offCurve}) << true << 0;
    QJsonObject p384 = ec;
    p384.insert(u"crv"_s, u"P-384"_s);
    QTest::addRow("EC P-384") << with({p384}) << true << 0;
    QJsonObject padded = rsa;
    padded.insert(u"e"_s, u"AQAB="_s);
    QTest::addRow("padded base64") << with({padded}) << true << 0;
    QJsonObject oct{{u"kid"_s, u"h"_s}, {u"kty"_s, u"oct"_s}, {u"k"_s, u"c2VjcmV0"_s}};
    QTest::addRow("symmetric key") << with({oct}) << true << 0;
    QJsonObject dup = ec;
    dup.insert(u"kid"_s, u"a"_s);
    QTest::addRow("duplicate kid") << with({rsa, dup}) << true << 0;
    QJsonObject verifyOnly = rsa;
    verifyOnly.insert(u"key_ops"_s, QJsonArray{u"encrypt"_s});
    QTest::addRow("key_ops without verify") << with({verifyOnly}) << true << 0;
}

void tst_Oidc::jwksParse()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    QFETCH(int, keys);
    const Jwks set = Jwks::parse(json);
    QCOMPARE(set.isValid(), valid);
    QCOMPARE(set.size(), keys);
}

void tst_Oidc::verify_data()
{
    addColumns<QByteArray, Failure>("token", "failure");

    const TestIssuer &is = m_issuer;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QJsonObject good = is.claims();
    auto modified = [&](const QString &key, const QJsonValue &value) {
        QJsonObject c = good;
        if (value.isUndefined())
            c.remove(key);
        else
            c.insert(key, value);
        return c;
    };

    QTest::addRow("valid RS256") << is.token(u"rsa-1"_s, good) << Failure::None;
    QTest::addRow("valid ES256") << is.token(u"ec-1"_s, good) << Failure::None;
    QTest::addRow("valid, key declares use sig and alg RS256")
        << is.token(u"rsa-sig"_s, good) << Failure::None;
    QTest::addRow("audience array containing ours")
        << is.token(u"rsa-1"_s, modified(u"aud"_s, QJsonArray{u"other"_s, is.audience()}))
        << Failure::None;
    QTest::addRow("expired within the leeway")
        << is.token(u"rsa-1"_s, modified(u"exp"_s, now - 30)) << Failure::None;
    QTest::addRow("nbf within the leeway")
        << is.token(u"ec-1"_s, modified(u"nbf"_s, now + 30)) << Failure::None;

    QTest::addRow("expired") << is.token(u"rsa-1"_s, modified(u"exp"_s, now - 120))
                             << Failure::Expired;
    QTest::addRow("expired ES256")
        << is.token(u"ec-1"_s, modified(u"exp"_s, now - 3600)) << Failure::Expired;
    QTest::addRow("not yet valid (nbf)")
        << is.token(u"rsa-1"_s, modified(u"nbf"_s, now + 300)) << Failure::NotYetValid;
    QTest::addRow("issued in the future (iat)")
        << is.token(u"rsa-1"_s, modified(u"iat"_s, now + 300)) << Failure::NotYetValid;
    QTest::addRow("wrong issuer") << is.token(u"rsa-1"_s,
                                              modified(u"iss"_s, u"https://evil.test"_s))
                                  << Failure::Issuer;
    QTest::addRow("issuer missing")
        << is.token(u"rsa-1"_s, modified(u"iss"_s, QJsonValue::Undefined)) << Failure::Issuer;
    QTest::addRow("wrong audience (string)")
        << is.token(u"rsa-1"_s, modified(u"aud"_s, u"another-app"_s)) << Failure::Audience;
    QTest::addRow("wrong audience (array)")
        << is.token(u"rsa-1"_s, modified(u"aud"_s, QJsonArray{u"a"_s, u"b"_s}))
        << Failure::Audience;
    QTest::addRow("audience missing")
        << is.token(u"rsa-1"_s, modified(u"aud"_s, QJsonValue::Undefined)) << Failure::Audience;
    QTest::addRow("exp missing") << is.token(u"rsa-1"_s, modified(u"exp"_s, QJsonValue::Undefined))
                                 << Failure::Malformed;
    QTest::addRow("exp a string") << is.token(u"rsa-1"_s, modified(u"exp"_s, u"tomorrow"_s))
                                  << Failure::Malformed;
    QTest::addRow("name claim missing")
        << is.token(u"rsa-1"_s, modified(u"name"_s, QJsonValue::Undefined)) << Failure::MissingName;
    QTest::addRow("name claim empty")
        << is.token(u"ec-1"_s, modified(u"name"_s, u"  "_s)) << Failure::MissingName;
    QTest::addRow("name claim not a string")
        << is.token(u"ec-1"_s, modified(u"name"_s, 42)) << Failure::MissingName;

    QTest::addRow("alg none") << is.token(u"rsa-1"_s, good, u"none"_s) << Failure::Algorithm;
    QTest::addRow("alg None") << is.token(u"rsa-1"_s, good, u"None"_s) << Failure::Algorithm;
    QTest::addRow("HS256 signed with the public key (key confusion)")
        << is.token(u"rsa-1"_s, good, u"HS256"_s) << Failure::Algorithm;
    QTest::addRow("RS512") << is.token(u"rsa-1"_s, good, u"RS512"_s) << Failure::Algorithm;
    QTest::addRow("alg missing") << is.token(u"rsa-1"_s, good, {},
                                             QJsonObject{{u"alg"_s, QJsonValue()}})
                                 << Failure::Malformed;
    QTest::addRow("crit header") << is.token(u"rsa-1"_s, good, {},
                                             QJsonObject{{u"crit"_s, QJsonArray{u"exp"_s}}})
                                 << Failure::Malformed;

    QTest::addRow("kid not in the set")
        << is.token(u"rsa-unpublished"_s, good) << Failure::UnknownKey;
    QTest::addRow("kid missing") << is.token(u"rsa-1"_s, good, {},
                                             QJsonObject{{u"kid"_s, QJsonValue()}})
                                 << Failure::UnknownKey;
    QTest::addRow("key with use enc") << is.token(u"rsa-enc"_s, good) << Failure::UnknownKey;
    QTest::addRow("RS256 header on an EC key")
        << is.token(u"ec-1"_s, good, u"RS256"_s) << Failure::KeyMismatch;
    QTest::addRow("ES256 header on an RSA key")
        << is.token(u"rsa-1"_s, good, u"ES256"_s) << Failure::KeyMismatch;
    QTest::addRow("RSA key that declares alg ES256")
        << is.token(u"rsa-says-es"_s, good) << Failure::KeyMismatch;
    QTest::addRow("signed by another key under a known kid")
        << is.token(u"rsa-unpublished"_s, good, {}, QJsonObject{{u"kid"_s, u"rsa-1"_s}})
        << Failure::Signature;

    const QByteArray valid = is.token(u"rsa-1"_s, good);
    const QList<QByteArray> parts = valid.split('.');
    const QByteArray validEc = is.token(u"ec-1"_s, good);
    const QList<QByteArray> ecParts = validEc.split('.');
    QTest::addRow("payload altered after signing") << QByteArray(
        parts[0] + '.' + payloadOf(modified(u"name"_s, u"Mallory"_s)) + '.' + parts[2])
                                                   << Failure::Signature;
    QTest::addRow("ES256 payload altered") << QByteArray(
        ecParts[0] + '.' + payloadOf(modified(u"exp"_s, now + 99999)) + '.' + ecParts[2])
                                           << Failure::Signature;
    QTest::addRow("ES256 signature of wrong length")
        << QByteArray(ecParts[0] + '.' + ecParts[1] + '.' + ecParts[2].left(40))
        << Failure::Signature;
    QTest::addRow("truncated signature") << valid.left(valid.size() - 4) << Failure::Signature;
    QTest::addRow("truncated to two parts")
        << QByteArray(parts[0] + '.' + parts[1]) << Failure::Malformed;
    QTest::addRow("empty signature")
        << QByteArray(parts[0] + '.' + parts[1] + '.') << Failure::Malformed;
    QTest::addRow("four parts") << QByteArray(valid + ".x") << Failure::Malformed;
    QTest::addRow("padded base64") << QByteArray(valid + "==") << Failure::Malformed;
    QTest::addRow("empty") << QByteArray() << Failure::Malformed;
    QTest::addRow("garbage") << QByteArray("not a token at all") << Failure::Malformed;
    QTest::addRow("dots only") << QByteArray("..") << Failure::Malformed;
    QTest::addRow("header not JSON")
        << QByteArray("bm90IGpzb24." + parts[1] + '.' + parts[2]) << Failure::Malformed;
    QTest::addRow("header a JSON array")
        << QByteArray(TestIssuer::b64("[1,2]") + '.' + parts[1] + '.' + parts[2])
        << Failure::Malformed;
    QTest::addRow("binary garbage") << QByteArray("\x01\xff.\x80.\x00", 7) << Failure::Malformed;
    QTest::addRow("oversized") << QByteArray(parts[0] + '.' + QByteArray(20000, 'A') + '.'
                                             + parts[2])
                               << Failure::Malformed;
}

void tst_Oidc::verify()
{
    QFETCH(QByteArray, token);
    QFETCH(Failure, failure);
    Failure why = Failure::Malformed;
    const auto identity = m_verifier->verify(token, &why);
    QCOMPARE(why, failure);
    QCOMPARE(identity.has_value(), failure == Failure::None);
    if (identity) {
        QCOMPARE(identity->name, u"Ada Lovelace"_s);
        QCOMPARE(identity->issuer, m_issuer.issuer());
        // Only name and issuer: never the e-mail or the subject that the token also carries.
        const QJsonObject shown = identity->verifiedIdentity();
        QCOMPARE(shown.keys(), QStringList({u"issuer"_s, u"name"_s}));
    }
}

void tst_Oidc::unknownKidThenRotatedIn()
{
    auto v = readyVerifier();
    QVERIFY(v);
    const int fetches = v->fetchCount();
    const int served = m_jwksRequests;
    // The issuer rotates a new key in; our cached set does not have it yet.
    m_issuer.publish(u"rsa-2"_s);
    const QByteArray token = m_issuer.token(u"rsa-2"_s, m_issuer.claims());
    Failure why = Failure::None;
    QVERIFY(!v->verify(token, &why));
    QCOMPARE(why, Failure::UnknownKey);
    QCOMPARE(v->fetchCount(), fetches + 1); // the unknown kid triggered a refetch
    QSignalSpy loaded(v.get(), &OidcVerifier::keysUpdated);
    QVERIFY(loaded.wait(5000));
    QCOMPARE(m_jwksRequests, served + 1);
    QVERIFY(v->verify(token, &why));
    QCOMPARE(why, Failure::None);

    // Another new kid within the minute fails and does not hammer the issuer.
    m_issuer.publish(u"rsa-3"_s);
    const QByteArray later = m_issuer.token(u"rsa-3"_s, m_issuer.claims());
    QVERIFY(!v->verify(later, &why));
    QCOMPARE(why, Failure::UnknownKey);
    for (int i = 0; i < 20; ++i) {
        const QJsonObject kid{{u"kid"_s, u"made-up-%1"_s.arg(i)}};
        QVERIFY(!v->verify(m_issuer.token(u"rsa-3"_s, m_issuer.claims(), {}, kid), &why));
        QCOMPARE(why, Failure::UnknownKey);
    }
    QCOMPARE(v->fetchCount(), fetches + 1);
    QVERIFY(!v->isFetching());
}

void tst_Oidc::fetchFailureKeepsKeys()
{
    auto v = readyVerifier();
    QVERIFY(v);
    m_jwksBroken = true;
    QSignalSpy failed(v.get(), &OidcVerifier::keysFailed);
    Failure why = Failure::None;
    QVERIFY(!v->verify(m_issuer.token(u"rsa-unpublished"_s, m_issuer.claims()), &why));
    QVERIFY(failed.wait(5000));
    m_jwksBroken = false;
    // The garbage answer did not replace the cached set.
    QVERIFY(v->verify(m_issuer.token(u"rsa-1"_s, m_issuer.claims()), &why));
    QVERIFY(v->verify(m_issuer.token(u"ec-1"_s, m_issuer.claims()), &why));
}

void tst_Oidc::jwksFile()
{
    const QString path = m_dir.filePath(u"jwks.json"_s);
    QVERIFY(m_issuer.writeJwks(path));
    OidcConfig c = config();
    c.jwksUrl.clear();
    c.jwksFile = path;
    OidcVerifier v(c);
    QVERIFY(v.keyCount() > 0); // read at once, no event loop needed
    QVERIFY(v.verify(m_issuer.token(u"ec-1"_s, m_issuer.claims())));
    QVERIFY(!v.verify(m_issuer.token(u"rsa-unpublished"_s, m_issuer.claims())));

    OidcConfig missing = c;
    missing.jwksFile = m_dir.filePath(u"nope.json"_s);
    OidcVerifier none(missing);
    QCOMPARE(none.keyCount(), 0);
    QVERIFY(!none.verify(m_issuer.token(u"ec-1"_s, m_issuer.claims())));
}

void tst_Oidc::groups()
{
    const auto admin = m_verifier->verify(m_issuer.token(
        u"rsa-1"_s, m_issuer.claims(u"Ada"_s, {u"staff"_s, u"switchboard-admins"_s})));
    QVERIFY(admin);
    QVERIFY(m_verifier->hasAdminRights(*admin));
    QVERIFY(m_verifier->hasPhoneRights(*admin)); // phoneGroups default to the admin groups
    const auto staff
        = m_verifier->verify(m_issuer.token(u"rsa-1"_s, m_issuer.claims(u"Bob"_s, {u"staff"_s})));
    QVERIFY(staff);
    QVERIFY(!m_verifier->hasAdminRights(*staff));
    QVERIFY(!m_verifier->hasPhoneRights(*staff));
    QJsonObject single = m_issuer.claims(u"Cy"_s);
    single.insert(u"groups"_s, u"switchboard-admins"_s);
    const auto one = m_verifier->verify(m_issuer.token(u"ec-1"_s, single));
    QVERIFY(one);
    QVERIFY(m_verifier->hasAdminRights(*one));
}

namespace {
std::unique_ptr<Application> startApp(const QString &dataDir, quint16 jwksPort,
                                      const QString &issuer, QString *error)
{
    const QJsonObject cfg{
        {u"listen"_s, u"127.0.0.1:0"_s},
        {u"dataDir"_s, dataDir},
        {u"tenants"_s,
         QJsonArray{
             QJsonObject{{u"hosts"_s, QJsonArray{u"127.0.0.1"_s, u"localhost"_s}},
                         {u"adminSecret"_s, u"admin-secret"_s},
                         {u"bridgeSecret"_s, u"bridge-secret"_s},
                         {u"oidc"_s,
                          QJsonObject{{u"issuer"_s, issuer},
                                      {u"audience"_s, u"switchboard"_s},
                                      {u"jwksUrl"_s, u"http://127.0.0.1:%1/jwks"_s.arg(jwksPort)},
                                      {u"adminGroups"_s, QJsonArray{u"sb-admins"_s}},
                                      {u"phoneGroups"_s, QJsonArray{u"staff"_s}}}}}}}};
    auto config = testserver::fromJson(QJsonDocument(cfg).toJson(), dataDir);
    if (!config) {
        *error = u"invalid test config"_s;
        return {};
    }
    auto app = std::make_unique<Application>(*config);
    if (!app->start(error))
        return {};
    return app;
}
} // namespace

void tst_Oidc::joinWithIdToken()
{
    QString error;
    auto app = startApp(m_dir.path(), m_jwksPort, m_issuer.issuer(), &error);
    QVERIFY2(app, qPrintable(error));
    OidcVerifier *v = app->tenants().first()->oidc();
    QVERIFY(v);
    QTRY_VERIFY(v->keyCount() > 0);

    Client anon(app->httpPort());
    QVERIFY(anon.connected());
    anon.send({{u"type"_s, u"join"_s}, {u"room"_s, u"lobby"_s}, {u"name"_s, u"Guest"_s}});
    QVERIFY(!anon.next(u"welcome"_s).isEmpty());

    Client bad(app->httpPort());
    QVERIFY(bad.connected());
    QJsonObject expired = m_issuer.claims();
    expired.insert(u"exp"_s, QDateTime::currentSecsSinceEpoch() - 3600);
    bad.send({{u"type"_s, u"join"_s},
              {u"room"_s, u"lobby"_s},
              {u"name"_s, u"Eve"_s},
              {u"idToken"_s, QString::fromLatin1(m_issuer.token(u"rsa-1"_s, expired))}});
    const QJsonObject err = bad.next(u"error"_s);
    QCOMPARE(err.value("code"_L1).toString(), u"invalid-token"_s);
    QCOMPARE(err.value("ref"_L1).toString(), u"join"_s);
    // The join did not happen; joining without the token works.
    bad.send({{u"type"_s, u"join"_s}, {u"room"_s, u"lobby"_s}, {u"name"_s, u"Eve"_s}});
    const QJsonObject eveWelcome = bad.next(u"welcome"_s);
    QCOMPARE(eveWelcome.value("peers"_L1).toArray().size(), 1);
    const QJsonObject eveJoined = anon.next(u"peer-joined"_s);
    QVERIFY(!eveJoined.contains("verifiedIdentity"_L1));

    Client ada(app->httpPort());
    QVERIFY(ada.connected());
    ada.send({{u"type"_s, u"join"_s},
              {u"room"_s, u"lobby"_s},
              {u"name"_s, u"anything"_s},
              {u"idToken"_s, QString::fromLatin1(m_issuer.token(u"ec-1"_s, m_issuer.claims()))}});
    const QJsonObject welcome = ada.next(u"welcome"_s);
    QVERIFY(!welcome.isEmpty());
    const QJsonObject joined = anon.next(u"peer-joined"_s);
    QCOMPARE(joined.value("name"_L1).toString(), u"Ada Lovelace"_s);
    const QJsonObject expected{{u"name"_s, u"Ada Lovelace"_s}, {u"issuer"_s, m_issuer.issuer()}};
    QCOMPARE(joined.value("verifiedIdentity"_L1).toObject(), expected);
    QCOMPARE(joined.value("peerId"_L1).toString(), welcome.value("peerId"_L1).toString());

    // A newcomer sees the verified peer in welcome.peers.
    Client late(app->httpPort());
    QVERIFY(late.connected());
    late.send({{u"type"_s, u"join"_s}, {u"room"_s, u"lobby"_s}, {u"name"_s, u"Late"_s}});
    const QJsonArray peers = late.next(u"welcome"_s).value("peers"_L1).toArray();
    QCOMPARE(peers.size(), 3);
    int verified = 0;
    for (const QJsonValue &p : peers) {
        if (p.toObject().contains("verifiedIdentity"_L1)) {
            ++verified;
            QCOMPARE(p.toObject().value("verifiedIdentity"_L1).toObject(), expected);
        }
    }
    QCOMPARE(verified, 1);
}

void tst_Oidc::identify()
{
    QString error;
    auto app = startApp(m_dir.path(), m_jwksPort, m_issuer.issuer(), &error);
    QVERIFY2(app, qPrintable(error));
    QTRY_VERIFY(app->tenants().first()->oidc()->keyCount() > 0);

    Client a(app->httpPort());
    Client b(app->httpPort());
    QVERIFY(a.connected());
    QVERIFY(b.connected());
    const QString token
        = QString::fromLatin1(m_issuer.token(u"rsa-1"_s, m_issuer.claims(u"Grace Hopper"_s)));

    a.send({{u"type"_s, u"identify"_s}, {u"idToken"_s, token}});
    QCOMPARE(a.next(u"error"_s).value("code"_L1).toString(), u"not-joined"_s);

    a.send({{u"type"_s, u"join"_s}, {u"room"_s, u"r1"_s}, {u"name"_s, u"A"_s}});
    const QString aId = a.next(u"welcome"_s).value("peerId"_L1).toString();
    b.send({{u"type"_s, u"join"_s}, {u"room"_s, u"r1"_s}, {u"name"_s, u"B"_s}});
    QVERIFY(!b.next(u"welcome"_s).isEmpty());

    a.send({{u"type"_s, u"identify"_s},
            {u"idToken"_s,
             QString::fromLatin1(m_issuer.token(u"rsa-1"_s, m_issuer.claims(), u"HS256"_s))}});
    const QJsonObject refused = a.next(u"error"_s);
    QCOMPARE(refused.value("code"_L1).toString(), u"invalid-token"_s);
    QCOMPARE(refused.value("ref"_L1).toString(), u"identify"_s);

    a.send({{u"type"_s, u"identify"_s}, {u"idToken"_s, token}});
    const QJsonObject expected{{u"name"_s, u"Grace Hopper"_s}, {u"issuer"_s, m_issuer.issuer()}};
    for (Client *c : {&a, &b}) {
        const QJsonObject updated = c->next(u"peer-updated"_s);
        QCOMPARE(updated.value("peerId"_L1).toString(), aId);
        QCOMPARE(updated.value("name"_L1).toString(), u"Grace Hopper"_s);
        QCOMPARE(updated.value("verifiedIdentity"_L1).toObject(), expected);
    }
}

void tst_Oidc::registerWithIdToken()
{
    QString error;
    auto app = startApp(m_dir.path(), m_jwksPort, m_issuer.issuer(), &error);
    QVERIFY2(app, qPrintable(error));
    QTRY_VERIFY(app->tenants().first()->oidc()->keyCount() > 0);
    auto tokenFor = [this](const QStringList &groups) {
        return QString::fromLatin1(
            m_issuer.token(u"ec-1"_s, m_issuer.claims(u"Phone User"_s, groups)));
    };
    struct Case {
        QString token;
        QString expect; // "registered" or an error code
    };
    QJsonObject expired = m_issuer.claims(u"Phone User"_s, {u"staff"_s});
    expired.insert(u"exp"_s, QDateTime::currentSecsSinceEpoch() - 3600);
    const QList<Case> cases{
        {tokenFor({u"staff"_s}), u"registered"_s}, // phoneGroups
        {tokenFor({u"sb-admins"_s}),
         u"forbidden"_s}, // admins are not phones when phoneGroups is set
        {tokenFor({}), u"forbidden"_s}, // valid token without phone rights
        {QString::fromLatin1(m_issuer.token(u"rsa-1"_s, expired)), u"invalid-token"_s},
        {QString::fromLatin1(m_issuer.token(u"rsa-1"_s, m_issuer.claims(), u"HS256"_s)),
         u"invalid-token"_s},
        {u"garbage"_s, u"invalid-token"_s},
    };
    for (const Case &c : cases) {
        Client phone(app->httpPort());
        QVERIFY(phone.connected());
        phone.send({{u"type"_s, u"register"_s}, {u"extension"_s, u"*"_s}, {u"idToken"_s, c.token}});
        if (c.expect == u"registered"_s) {
            QVERIFY(!phone.next(u"registered"_s).value("peerId"_L1).toString().isEmpty());
        } else {
            const QJsonObject err = phone.next(u"error"_s);
            QCOMPARE(err.value("code"_L1).toString(), c.expect);
            QCOMPARE(err.value("ref"_L1).toString(), u"register"_s);
        }
    }
}

QTEST_GUILESS_MAIN(tst_Oidc)
#include "tst_oidc.moc"
