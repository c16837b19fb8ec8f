#include "AdminProtocol.h"
#include "DataRows.h"
#include "Signing.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryFile>
#include <QTest>

using namespace Qt::StringLiterals;

// shared/Signing builds every signed message; these rows pin each one to the bytes DESIGN.md
// documents, so a change of format cannot pass unnoticed on both sides at once.
class tst_Signing : public QObject {
    Q_OBJECT
private slots:
    void messages_data();
    void messages();
    void window_data();
    void window();
    void matchAcceptsEitherCaseAndAnyKey_data();
    void matchAcceptsEitherCaseAndAnyKey();
    void adminSocketNonce();
    void adminSignToolAgrees_data();
    void adminSignToolAgrees();
};

void tst_Signing::messages_data()
{
    addColumns<QByteArray, QByteArray>("built", "expected");
    QTest::addRow("webhook") << Signing::webhook("office-ring", "phone.example.com", "{\"a\":1}")
                             << "office-ring|phone.example.com|{\"a\":1}"_ba;
    QTest::addRow("webhook, empty body")
        << Signing::webhook("trunk-status", "h", {}) << "trunk-status|h|"_ba;
    QTest::addRow("admin request (DESIGN.md example)")
        << Signing::adminRequest("DELETE", "virtualnumbers&number=2000", "phone.example.com",
                                 "1764111111", {})
        << "DELETE virtualnumbers&number=2000|phone.example.com|1764111111|"_ba;
    QTest::addRow("admin request with body and fraction")
        << Signing::adminRequest("POST", "aliases=1", "h", "1764111111.25", "{\"x\":\"|\"}")
        << "POST aliases=1|h|1764111111.25|{\"x\":\"|\"}"_ba;
    QTest::addRow("bridge hello") << Signing::bridgeHello("127.0.0.1", 1764111111)
                                  << "bridge-hello|127.0.0.1|1764111111"_ba;
    QTest::addRow("bridge ticket") << Signing::bridgeTicket("localhost", "call1", 1764111111)
                                   << "bridge-join|localhost|call1|1764111111"_ba;
    QTest::addRow("admin-socket challenge")
        << Signing::adminSocketChallenge("localhost", "ab") << "admin-socket|localhost|ab"_ba;
}

void tst_Signing::messages()
{
    QFETCH(QByteArray, built);
    QFETCH(QByteArray, expected);
    QCOMPARE(built, expected);
}

void tst_Signing::window_data()
{
    addColumns<qint64, bool>("offsetSec", "inside");
    QTest::addRow("now") << qint64(0) << true;
    QTest::addRow("edge past") << -Signing::windowSec << true;
    QTest::addRow("edge future") << Signing::windowSec << true;
    QTest::addRow("just past") << -Signing::windowSec - 1 << false;
    QTest::addRow("just future") << Signing::windowSec + 1 << false;
}

void tst_Signing::window()
{
    QFETCH(qint64, offsetSec);
    QFETCH(bool, inside);
    const qint64 now = 1764111111;
    QCOMPARE(Signing::withinWindow(now, now + offsetSec), inside);
    QCOMPARE(Signing::withinWindowMs(now * 1000, (now + offsetSec) * 1000), inside);
    QCOMPARE(Signing::windowMs, Signing::windowSec * 1000);
}

void tst_Signing::matchAcceptsEitherCaseAndAnyKey_data()
{
    addColumns<QByteArray, bool, bool>("signer", "upper", "matches");
    QTest::addRow("current") << "current"_ba << false << true;
    QTest::addRow("current, upper case") << "current"_ba << true << true;
    QTest::addRow("previous") << "previous"_ba << false << true;
    QTest::addRow("other") << "other"_ba << false << false;
}

void tst_Signing::matchAcceptsEitherCaseAndAnyKey()
{
    QFETCH(QByteArray, signer);
    QFETCH(bool, upper);
    QFETCH(bool, matches);
    const QByteArray message = Signing::bridgeHello("h", 1);
    QByteArray sig = Signing::sign(signer, message);
    QCOMPARE(sig.size(), 64);
    QCOMPARE(sig, sig.toLower());
    if (upper)
        sig = sig.toUpper();
    const QByteArray current = "current"_ba;
    const QByteArray previous = "previous"_ba;
    const auto mac = Signing::match(sig, {current, previous}, message);
    QCOMPARE(mac.has_value(), matches);
    if (mac)
        QCOMPARE(mac->toHex(), sig.toLower());
}

void tst_Signing::adminSocketNonce()
{
    const QString nonce = AdminProtocol::newNonce();
    const QString sig = AdminProtocol::signNonce("secret", u"localhost", nonce);
    QCOMPARE(sig.toLatin1(),
             Signing::sign("secret", Signing::adminSocketChallenge("localhost", nonce.toLatin1())));
    QVERIFY(AdminProtocol::verifyNonce("secret", u"localhost", nonce, sig));
    QVERIFY(!AdminProtocol::verifyNonce("secret", u"localhost", nonce, sig.left(63)));
}

void tst_Signing::adminSignToolAgrees_data()
{
    addColumns<QString, QString, QByteArray, QByteArray, QByteArray>("method", "url", "query",
                                                                     "host", "body");
    QTest::addRow("GET") << u"GET"_s << u"http://Phone.Example.com.:8080/signal.ashx?stats=1"_s
                         << "stats=1"_ba
                         << "phone.example.com"_ba << QByteArray();
    QTest::addRow("DELETE") << u"DELETE"_s
                            << u"https://localhost/signal.ashx?virtualnumbers&number=2000#x"_s
                            << "virtualnumbers&number=2000"_ba
                            << "localhost"_ba << QByteArray();
    QTest::addRow("POST with body")
        << u"POST"_s << u"http://[::1]:9/signal.ashx?aliases=1"_s << "aliases=1"_ba
        << "::1"_ba
        << "{\"number\":\"200\",\"name\":\"A|B\"}\n"_ba;
}

// tools/admin-sign is a shell script (for operators without the console); it must sign the very
// bytes Signing::adminRequest builds.
void tst_Signing::adminSignToolAgrees()
{
    QFETCH(QString, method);
    QFETCH(QString, url);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, body);
    QStringList args{u"--print"_s, method, url};
    QTemporaryFile bodyFile;
    if (!body.isEmpty()) {
        QVERIFY(bodyFile.open());
        bodyFile.write(body);
        bodyFile.close();
        args << bodyFile.fileName();
    }
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"SWITCHBOARD_ADMIN_SECRET"_s, u"tool-secret"_s);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SB_SOURCE_DIR "/tools/admin-sign"), args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const QRegularExpression re(u"^X-Admin-Time: (\\S+)\nX-Admin-Sig: ([0-9a-f]{64})\n$"_s);
    const auto m = re.match(out);
    QVERIFY2(m.hasMatch(), qPrintable(out));
    const QByteArray time = m.captured(1).toLatin1();
    QCOMPARE(m.captured(2).toLatin1(),
             Signing::sign("tool-secret",
                           Signing::adminRequest(method.toLatin1(), query, host, time, body)));
}

QTEST_GUILESS_MAIN(tst_Signing)
#include "tst_signing.moc"
