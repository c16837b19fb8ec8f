#include "DataRows.h"
#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"
#include "TestVectors.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_Frame : public QObject {
    Q_OBJECT
private:
    // {"type":"ping","k0":0,...} with `extra` keys; `escapedDuplicate` makes the last one
    // "\u006b0", the same key as the first extra one.
    static QString manyKeys(int extra, bool escapedDuplicate)
    {
        QString s = u"{\"type\":\"ping\""_s;
        for (int i = 0; i < extra; ++i) {
            if (escapedDuplicate && i == extra - 1)
                s += u",\"\\u006b0\":0"_s;
            else
                s += u",\"k%1\":0"_s.arg(i);
        }
        return s + u"}"_s;
    }

private slots:
    void parse_data()
    {
        addVectorRows<QString, bool, QString>("frame_parse.json", "text", "valid", "ref");
        // Rows too long to write out.
        QTest::addRow("1024 keys") << manyKeys(1023, false) << true << u"ping"_s;
        QTest::addRow("1025 keys") << manyKeys(1024, false) << false << QString();
        QTest::addRow("1025 keys nested")
            << (u"{\"type\":\"signal\",\"to\":\"p\",\"data\":"_s + manyKeys(1024, false) + u"}"_s)
            << false << QString();
        QTest::addRow("many keys, one escaped duplicate")
            << manyKeys(1000, true) << false << u"ping"_s;
        QTest::addRow("deep nesting") << (u"{\"type\":\"signal\",\"to\":\"p\",\"data\":"_s
                                          + QString(200, u'[') + QString(200, u']') + u"}"_s)
                                      << false << u""_s;
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, ref);
        const Frame f = Frame::parse(text);
        QCOMPARE(f.isValid(), valid);
        QCOMPARE(f.typeName(), ref);
    }

    void rawDataIsUntouched()
    {
        const QString data = u"{ \"sdp\" : {\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\u00e9\"} }"_s;
        const QString text = u"{\"to\":\"peer\",\"data\":"_s + data + u",\"type\":\"signal\"}"_s;
        const Frame f = Frame::parse(text);
        QVERIFY(f.isValid());
        QCOMPARE(f.raw("data"_L1).toString(), data);
        const QString out = FrameWriter::signal(u"me", f.raw("data"_L1));
        QCOMPARE(out, u"{\"type\":\"signal\",\"from\":\"me\",\"data\":"_s + data + u"}"_s);
        QVERIFY(QJsonDocument::fromJson(out.toUtf8()).isObject());
    }

    void writerPutsTypeFirst()
    {
        const QString out
            = FrameWriter::make("welcome"_L1, QJsonObject{{u"a"_s, 1}, {u"z"_s, u"x"_s}});
        QVERIFY(out.startsWith(u"{\"type\":\"welcome\","_s));
        const QJsonObject o = QJsonDocument::fromJson(out.toUtf8()).object();
        QCOMPARE(o.value(u"z"_s).toString(), u"x"_s);
        QCOMPARE(FrameWriter::make("pong"_L1), u"{\"type\":\"pong\"}"_s);
    }

    void errorFrame_data()
    {
        QTest::addColumn<QString>("code");
        for (const char *c :
             {"bad-frame", "not-joined", "already-joined", "unknown-peer", "room-full",
              "unknown-number", "forbidden", "rate-limited", "invalid-token", "bridge-unavailable",
              "unknown-call", "unknown-camera", "camera-unavailable"})
            QTest::newRow(c) << QString::fromLatin1(c);
    }
    void errorFrame()
    {
        QFETCH(QString, code);
        const QByteArray latin = code.toLatin1();
        const QString out = FrameWriter::error(QLatin1StringView(latin), u"join\"x");
        QVERIFY(out.startsWith(u"{\"type\":\"error\","_s));
        const QJsonObject o = QJsonDocument::fromJson(out.toUtf8()).object();
        QCOMPARE(o.value(u"code"_s).toString(), code);
        QCOMPARE(o.value(u"ref"_s).toString(), u"join\"x"_s);
        QVERIFY(!o.value(u"message"_s).toString().isEmpty());
        QVERIFY(o.value(u"message"_s).toString()
                != u"Error."_s); // every documented code has its text
        QVERIFY(!FrameWriter::error(QLatin1StringView(latin)).contains(u"\"ref\""_s));
    }

    void names_data()
    {
        // expected: empty: refused
        addColumns<QString, QString>("name", "expected");
        QTest::addRow("plain") << u"Ann"_s << u"Ann"_s;
        QTest::addRow("trimmed") << u"  Ann  "_s << u"Ann"_s;
        QTest::addRow("nfc") << u"Jose\u0301"_s << u"Jos\u00e9"_s;
        QTest::addRow("empty") << u"   "_s << QString();
        QTest::addRow("control") << u"A\u0007B"_s << QString();
        QTest::addRow("format char") << u"A\u200eB"_s << QString();
        QTest::addRow("64 code points") << QString(64, u'x') << QString(64, u'x');
        QTest::addRow("65 code points") << QString(65, u'x') << QString();
        QTest::addRow("astral counts once") << QString(32, u'x') + QString::fromUcs4(U"\U0001F600")
                                            << QString(32, u'x') + QString::fromUcs4(U"\U0001F600");
    }
    void names()
    {
        QFETCH(QString, name);
        QFETCH(QString, expected);
        const auto n = NameRules::normaliseDisplayName(name);
        QCOMPARE(n.value_or(QString()), expected);
    }

    void numbers()
    {
        QVERIFY(NameRules::isE164(u"+4930123456"));
        QVERIFY(!NameRules::isE164(u"+0930123456"));
        QVERIFY(!NameRules::isE164(u"+123456"));
        QVERIFY(!NameRules::isE164(u"+1234567890123456"));
        QVERIFY(NameRules::isExtension(u"10"));
        QVERIFY(!NameRules::isExtension(u"1"));
        QVERIFY(!NameRules::isExtension(u"1234567"));
        QVERIFY(NameRules::isRoomId(u"a_B-9"));
        QVERIFY(!NameRules::isRoomId(u"a b"));
        QVERIFY(!NameRules::isRoomId(QString(65, u'a')));
    }
};

QTEST_APPLESS_MAIN(tst_Frame)
#include "tst_frame.moc"
