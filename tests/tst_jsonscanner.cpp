#include "DataRows.h"
#include "Frame.h"
#include "JsonScanner.h"

#include <QTest>

using namespace Qt::StringLiterals;

// The string scan looks at 8 UTF-16 units at a time (the relay's hot loop): these rows put the
// character that ends or breaks a string at every offset around those blocks.
class tst_JsonScanner : public QObject {
    Q_OBJECT
private slots:
    void stringAtEveryOffset_data();
    void stringAtEveryOffset();
    void stringView_data();
    void stringView();
    void duplicateKeys_data();
    void duplicateKeys();
};

void tst_JsonScanner::stringAtEveryOffset_data()
{
    // value: raw value of "k" when ok
    addColumns<QString, bool, QString>("text", "ok", "value");

    for (int n = 0; n <= 33; ++n) {
        const QString plain(n, u'x');
        QTest::addRow("plain %d", n)
            << u"{\"k\":\""_s + plain + u"\"}"_s << true << u"\""_s + plain + u"\""_s;
        const QString esc = plain + u"\\\"y"_s;
        QTest::addRow("escaped quote after %d", n)
            << u"{\"k\":\""_s + esc + u"\"}"_s << true << u"\""_s + esc + u"\""_s;
        const QString uni = plain + u"\\u00e9\u20ac\uffff"_s;
        QTest::addRow("non-ASCII after %d", n)
            << u"{\"k\":\""_s + uni + u"\"}"_s << true << u"\""_s + uni + u"\""_s;
        QTest::addRow("control char after %d", n)
            << u"{\"k\":\""_s + plain + QChar(0x1f) + u"\"}"_s << false << QString();
        QTest::addRow("tab after %d", n)
            << u"{\"k\":\""_s + plain + u"\t\"}"_s << false << QString();
        QTest::addRow("unterminated after %d", n) << u"{\"k\":\""_s + plain << false << QString();
        QTest::addRow("bad escape after %d", n)
            << u"{\"k\":\""_s + plain + u"\\x\"}"_s << false << QString();
    }
    QTest::addRow("0x20 is allowed") << u"{\"k\":\"  \"}"_s << true << u"\"  \""_s;
}

void tst_JsonScanner::stringAtEveryOffset()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, value);
    JsonScanner::Fields fields;
    const auto result = JsonScanner::scanObject(text, fields);
    QCOMPARE(result == JsonScanner::Result::Ok, ok);
    if (ok) {
        QCOMPARE(fields.size(), 1);
        QCOMPARE(fields[0].raw.toString(), value);
    }
}

void tst_JsonScanner::stringView_data()
{
    addColumns<QString, bool, QString>("frame", "present", "to");

    QTest::addRow("plain") << u"{\"type\":\"signal\",\"to\":\"abc_-9\",\"data\":{}}"_s << true
                           << u"abc_-9"_s;
    QTest::addRow("escaped") << u"{\"type\":\"signal\",\"to\":\"a\\u0062c\",\"data\":{}}"_s << true
                             << u"abc"_s;
    QTest::addRow("empty") << u"{\"type\":\"signal\",\"to\":\"\",\"data\":{}}"_s << true
                           << QString();
    QTest::addRow("not a string") << u"{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\",\"to\":5}"_s
                                  << false << QString();
    QTest::addRow("absent") << u"{\"type\":\"ping\"}"_s << false << QString();
}

void tst_JsonScanner::stringView()
{
    QFETCH(QString, frame);
    QFETCH(bool, present);
    QFETCH(QString, to);
    const Frame f = Frame::parse(frame);
    QVERIFY(f.isValid());
    QString scratch;
    const auto v = f.stringView("to"_L1, scratch);
    QCOMPARE(v.has_value(), present);
    if (present) {
        QCOMPARE(v->toString(), to);
        QCOMPARE(*v == to, true);
        QCOMPARE(f.string("to"_L1).value_or(u"?"_s), to); // the allocating accessor agrees
    }
}

void tst_JsonScanner::duplicateKeys_data()
{
    addColumns<QString, bool>("text", "duplicate");
    QTest::addRow("distinct") << u"{\"a\":1,\"b\":2,\"c\":3}"_s << false;
    QTest::addRow("plain repeat") << u"{\"a\":1,\"b\":2,\"a\":3}"_s << true;
    QTest::addRow("escaped repeat") << u"{\"a\":1,\"\\u0061\":2}"_s << true;
    QTest::addRow("escaped distinct") << u"{\"a\":1,\"\\u0062\":2}"_s << false;
    QTest::addRow("escaped then plain") << u"{\"x\\n\":1,\"b\":2,\"b\":3}"_s << true;
}

void tst_JsonScanner::duplicateKeys()
{
    QFETCH(QString, text);
    QFETCH(bool, duplicate);
    JsonScanner::Fields fields;
    const auto result = JsonScanner::scanObject(text, fields);
    QCOMPARE(result, duplicate ? JsonScanner::Result::DuplicateKey : JsonScanner::Result::Ok);
}

QTEST_APPLESS_MAIN(tst_JsonScanner)
#include "tst_jsonscanner.moc"
