#include "DataRows.h"
#include "signal/TurnCredentials.h"

#include <QJsonArray>
#include <QTest>

using namespace Qt::StringLiterals;

// Expected credentials were computed outside the project with
//   echo -n "$username" | openssl dgst -sha1 -hmac "$secret" -binary | base64
class tst_TurnCredentials : public QObject {
    Q_OBJECT
private slots:
    void credential_data()
    {
        addColumns<QByteArray, qint64, QString, QString>("secret", "expiry", "peerId", "expected");
        QTest::addRow("short id") << QByteArray("secret") << qint64(1700000000) << u"peerA"_s
                                  << u"mfCnWNQHmq4Rel4p1Sn0tILb6LI="_s;
        QTest::addRow("other secret") << QByteArray("north-wind") << qint64(1700000000)
                                      << u"peerA"_s << u"bdHQF/HKO+z56QLqTu65IaoIYlU="_s;
        QTest::addRow("minted-size id")
            << QByteArray("secret") << qint64(1764111111) << u"AbCdEfGhIjKlMnOpQrStUv"_s
            << u"pOq/StnIVxyvyk8vW4TRK8G2wac="_s;
        QTest::addRow("minted-size id, other secret")
            << QByteArray("north-wind") << qint64(1764111111) << u"AbCdEfGhIjKlMnOpQrStUv"_s
            << u"UDq+Of7xoFl9RoK6dvd03Dey1tM="_s;
    }
    void credential()
    {
        QFETCH(QByteArray, secret);
        QFETCH(qint64, expiry);
        QFETCH(QString, peerId);
        QFETCH(QString, expected);
        const QString user = TurnCredentials::username(expiry, peerId);
        QCOMPARE(user, QString::number(expiry) + u':' + peerId);
        QCOMPARE(TurnCredentials::credential(secret, user), expected);
    }

    void mintUsesTtl()
    {
        TurnConfig turn;
        turn.secret = "secret";
        turn.urls = {u"turn:127.0.0.1:3478?transport=udp"_s};
        turn.ttlSec = 600;
        const QJsonObject entry = TurnCredentials::mint(turn, u"peerA"_s, 1699999400);
        QCOMPARE(entry.value(u"username"_s).toString(), u"1700000000:peerA"_s);
        QCOMPARE(entry.value(u"credential"_s).toString(), u"mfCnWNQHmq4Rel4p1Sn0tILb6LI="_s);
        QCOMPARE(entry.value(u"urls"_s).toArray().first().toString(), turn.urls.first());
    }

    void iceServersAppendTurnOnlyWhenSet()
    {
        TenantConfig t;
        t.iceServers = QJsonArray{QJsonObject{{u"urls"_s, u"stun:stun.example.com:3478"_s}}};
        QCOMPARE(TurnCredentials::iceServers(t, u"p"_s, 0).size(), 1);
        t.turn = TurnConfig{"s", {u"turn:x"_s}, 60};
        const QJsonArray withTurn = TurnCredentials::iceServers(t, u"p"_s, 0);
        QCOMPARE(withTurn.size(), 2);
        QCOMPARE(withTurn[1].toObject().value(u"username"_s).toString(), u"60:p"_s);
    }
};

QTEST_APPLESS_MAIN(tst_TurnCredentials)
#include "tst_turncredentials.moc"
