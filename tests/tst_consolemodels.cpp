// The console's item models, checked by QAbstractItemModelTester while the AdminClient feeds them
// admin-protocol messages (no network: AdminClient::handleMessage is the socket's way in).

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "AliasesModel.h"
#include "PhonesModel.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "Signing.h"
#include "TrunksModel.h"
#include "VirtualNumbersModel.h"
#include "WhitelistModel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
QJsonObject peer(const QString &id, const QString &name, bool verified = false)
{
    QJsonObject p{
        {u"peerId"_s, id}, {u"name"_s, name}, {u"kind"_s, u"browser"_s}, {u"held"_s, false}};
    if (verified)
        p.insert(u"verifiedIdentity"_s,
                 QJsonObject{{u"name"_s, name}, {u"issuer"_s, u"https://id.example"_s}});
    return p;
}

QJsonObject room(const QString &id, const QJsonArray &peers = {})
{
    return {{u"id"_s, id}, {u"kind"_s, u"conference"_s}, {u"peers"_s, peers}};
}
} // namespace

class tst_ConsoleModels : public QObject {
    Q_OBJECT
private slots:
    void roomsTree();
    void roomsRemoveShiftsPersistentIndexes();
    void roomsShowOtherNodes();
    void ringLogNewestFirstAndColours();
    void ringLogFilter();
    void ringLogBounded();
    void tableModels_data();
    void tableModels();
    void clientFeedsModels();
    void clientRefusesBadNonce_data();
    void clientRefusesBadNonce();
    void protocolSignature();
};

void tst_ConsoleModels::roomsTree()
{
    RoomsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRooms({room(u"lobby"_s, {peer(u"p1"_s, u"Alice"_s, true)}), room(u"empty"_s)});
    QCOMPARE(model.rowCount(), 2);
    const QModelIndex lobby = model.roomIndex(u"lobby"_s);
    QCOMPARE(model.rowCount(lobby), 1);
    const QModelIndex alice = model.peerIndex(u"lobby"_s, u"p1"_s);
    QCOMPARE(alice.parent(), lobby);
    QCOMPARE(alice.data().toString(), u"Alice"_s);
    // The verified badge: a check mark and the verified name, the issuer in the tooltip.
    const QModelIndex badge = alice.siblingAtColumn(RoomsModel::VerifiedColumn);
    QVERIFY(badge.data().toString().startsWith(u"\u2714"_s));
    QVERIFY(badge.data(Qt::ToolTipRole).toString().contains(u"id.example"_s));
    QVERIFY(alice.data(RoomsModel::IsPeerRole).toBool());
    QVERIFY(!lobby.data(RoomsModel::IsPeerRole).toBool());

    model.addPeer(u"lobby"_s, peer(u"p2"_s, u"Bob"_s));
    QCOMPARE(model.rowCount(lobby), 2);
    QVERIFY(model.peerIndex(u"lobby"_s, u"p2"_s)
                .siblingAtColumn(RoomsModel::VerifiedColumn)
                .data()
                .toString()
                .isEmpty());
    model.addPeer(u"lobby"_s, peer(u"p2"_s, u"Bobby"_s)); // same peer: updated, not duplicated
    QCOMPARE(model.rowCount(lobby), 2);
    QCOMPARE(model.peerIndex(u"lobby"_s, u"p2"_s).data().toString(), u"Bobby"_s);
    model.addPeer(u"late"_s, peer(u"p3"_s, u"Carol"_s)); // a room not announced yet
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.peerCount(), 3);
    model.removePeer(u"lobby"_s, u"p1"_s);
    model.removePeer(u"lobby"_s, u"nobody"_s);
    QCOMPARE(model.rowCount(lobby), 1);
    model.removeRoom(u"empty"_s);
    model.removeRoom(u"nope"_s);
    QCOMPARE(model.rowCount(), 2);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void tst_ConsoleModels::roomsRemoveShiftsPersistentIndexes()
{
    RoomsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRooms({room(u"a"_s, {peer(u"a1"_s, u"A1"_s)}),
                    room(u"b"_s, {peer(u"b1"_s, u"B1"_s), peer(u"b2"_s, u"B2"_s)})});
    const QPersistentModelIndex b2 = model.peerIndex(u"b"_s, u"b2"_s);
    QVERIFY(b2.isValid());
    model.removeRoom(u"a"_s); // room b moves up a row; its peers must follow
    QVERIFY(b2.isValid());
    QCOMPARE(b2.data().toString(), u"B2"_s);
    QCOMPARE(b2.parent().row(), 0);
    QCOMPARE(b2.parent().data(RoomsModel::RoomIdRole).toString(), u"b"_s);
}

void tst_ConsoleModels::roomsShowOtherNodes()
{
    // Cluster mode (docs/cluster.md): the snapshot's remoteRooms and the remote-rooms event.
    AdminClient client;
    RoomsModel &model = *client.rooms();
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto remote = [](const QString &id, const QString &name, const QString &node) {
        QJsonObject p = peer(id, name);
        p.insert(u"node"_s, node);
        return p;
    };
    QJsonObject snap{{u"rooms"_s, QJsonArray{room(u"lobby"_s, {peer(u"p1"_s, u"Alice"_s)})}},
                     {u"remoteRooms"_s,
                      QJsonArray{room(u"lobby"_s, {remote(u"r1"_s, u"Bea"_s, u"sb-2"_s)}),
                                 room(u"far"_s, {remote(u"r2"_s, u"Cem"_s, u"sb-3"_s)})}}};
    client.handleMessage(AP::make(AP::snapshot, snap));
    QCOMPARE(model.rowCount(), 2);
    const QModelIndex lobby = model.roomIndex(u"lobby"_s);
    QCOMPARE(model.rowCount(lobby), 2); // Alice here, then Bea on sb-2
    QCOMPARE(model.peerCount(), 1);
    QCOMPARE(model.remotePeerCount(), 2);
    const QModelIndex bea = model.peerIndex(u"lobby"_s, u"r1"_s);
    QCOMPARE(bea.row(), 1);
    QCOMPARE(bea.data().toString(), u"Bea (on sb-2)"_s);
    QCOMPARE(bea.data(RoomsModel::NodeRole).toString(), u"sb-2"_s);
    QVERIFY(bea.data(RoomsModel::IsPeerRole).toBool()); // it can be kicked from here
    QVERIFY(bea.data(Qt::ToolTipRole).toString().contains(u"sb-2"_s));
    QCOMPARE(model.peerIndex(u"lobby"_s, u"p1"_s).data(RoomsModel::NodeRole).toString(), QString());
    QCOMPARE(lobby.siblingAtColumn(RoomsModel::VerifiedColumn).data().toString(),
             u"2 peer(s), 1 on other nodes"_s);
    QCOMPARE(model.rowCount(model.roomIndex(u"far"_s)), 1);

    // A local peer joins after the remote one: it goes before the other nodes' members.
    client.handleMessage(AP::make(
        AP::peerJoined, {{u"roomId"_s, u"lobby"_s}, {u"peer"_s, peer(u"p2"_s, u"Dan"_s)}}));
    QCOMPARE(model.peerIndex(u"lobby"_s, u"p2"_s).row(), 1);
    QCOMPARE(model.peerIndex(u"lobby"_s, u"r1"_s).row(), 2);
    // The local room ends while sb-2 still holds Bea: the room stays with her.
    client.handleMessage(AP::make(AP::roomRemoved, {{u"roomId"_s, u"lobby"_s}}));
    QCOMPARE(model.rowCount(model.roomIndex(u"lobby"_s)), 1);
    QCOMPARE(model.peerCount(), 0);
    // A new view: far is gone (no members left anywhere), lobby has Bea only.
    client.handleMessage(
        AP::make(AP::remoteRooms,
                 {{u"remoteRooms"_s,
                   QJsonArray{room(u"lobby"_s, {remote(u"r1"_s, u"Bea"_s, u"sb-2"_s)})}}}));
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(!model.roomIndex(u"far"_s).isValid());
    client.handleMessage(AP::make(AP::remoteRooms, {{u"remoteRooms"_s, QJsonArray{}}}));
    QCOMPARE(model.rowCount(), 0);
    // A local room is not dropped by an empty remote view.
    client.handleMessage(AP::make(AP::roomCreated, {{u"room"_s, room(u"mine"_s)}}));
    client.handleMessage(AP::make(AP::remoteRooms, {{u"remoteRooms"_s, QJsonArray{}}}));
    QCOMPARE(model.rowCount(), 1);
}

void tst_ConsoleModels::ringLogNewestFirstAndColours()
{
    RingLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addRing({{u"callId"_s, u"c1"_s},
                   {u"from"_s, u"+4930111"_s},
                   {u"to"_s, u"*"_s},
                   {u"room"_s, u"call-1"_s},
                   {u"at"_s, u"2026-11-26T00:00:00.000Z"_s}});
    model.addDial({{u"callId"_s, u"d1"_s},
                   {u"room"_s, u"lobby"_s},
                   {u"number"_s, u"2000"_s},
                   {u"outcome"_s, u"dialing"_s},
                   {u"at"_s, u"2026-11-26T00:00:01.000Z"_s}});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, RingLogModel::CallIdColumn).data().toString(), u"d1"_s); // newest first
    QCOMPARE(model.index(1, RingLogModel::StateColumn).data().toString(), u"ringing"_s);
    const QBrush ringing = model.index(1, 0).data(Qt::BackgroundRole).value<QBrush>();

    model.setState(u"c1"_s, u"answered"_s);
    QCOMPARE(model.index(1, 0).data(RingLogModel::StateRole).toString(), u"answered"_s);
    const QBrush answered = model.index(1, 0).data(Qt::BackgroundRole).value<QBrush>();
    QVERIFY(ringing.color() != answered.color());

    model.setState(u"d1"_s, u"failed"_s, u"busy"_s);
    QCOMPARE(model.index(0, RingLogModel::StateColumn).data().toString(), u"failed (busy)"_s);
    const QBrush failed = model.index(0, 0).data(Qt::BackgroundRole).value<QBrush>();
    QVERIFY(failed.color() != answered.color() && failed.color() != ringing.color());
    QVERIFY(model.index(0, 0).data(Qt::ForegroundRole).value<QBrush>().color().isValid());

    model.setState(u"unknown"_s, u"answered"_s); // ignored
    QCOMPARE(model.rowCount(), 2);
    // A snapshot's active ring that the log already has only updates it.
    model.mergeActive({QJsonObject{{u"callId"_s, u"c1"_s}, {u"state"_s, u"ringing"_s}},
                       QJsonObject{{u"callId"_s, u"c2"_s}, {u"from"_s, u"+4930222"_s}}});
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(2, 0).data(RingLogModel::StateRole).toString(), u"ringing"_s);
}

void tst_ConsoleModels::ringLogFilter()
{
    RingLogModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setFilterKeyColumn(-1);
    proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 5; ++i)
        model.addRing({{u"callId"_s, u"c%1"_s.arg(i)},
                       {u"from"_s, u"+49301%1"_s.arg(i)},
                       {u"to"_s, u"10"_s}});
    model.setState(u"c3"_s, u"timeout"_s);
    proxy.setFilterFixedString(u"TIMEOUT"_s);
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, RingLogModel::CallIdColumn).data().toString(), u"c3"_s);
    proxy.setFilterFixedString(u"+493014"_s);
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterFixedString(QString());
    QCOMPARE(proxy.rowCount(), 5);
}

void tst_ConsoleModels::ringLogBounded()
{
    RingLogModel model;
    for (int i = 0; i < RingLogModel::maxRows + 10; ++i)
        model.addRing({{u"callId"_s, u"c%1"_s.arg(i)}});
    QCOMPARE(model.rowCount(), RingLogModel::maxRows);
    QCOMPARE(model.index(0, RingLogModel::CallIdColumn).data().toString(),
             u"c%1"_s.arg(RingLogModel::maxRows + 9));
}

void tst_ConsoleModels::tableModels_data()
{
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("keyField");
    QTest::addColumn<QString>("otherField");
    QTest::addRow("phones") << u"phones"_s << u"peerId"_s << u"extension"_s;
    QTest::addRow("trunks") << u"trunks"_s << u"id"_s << u"host"_s;
    QTest::addRow("virtual numbers") << u"vnums"_s << u"number"_s << u"name"_s;
    QTest::addRow("aliases") << u"aliases"_s << u"number"_s << u"name"_s;
    QTest::addRow("whitelist") << u"whitelist"_s << u"number"_s << u"note"_s;
}

void tst_ConsoleModels::tableModels()
{
    QFETCH(QString, which);
    QFETCH(QString, keyField);
    QFETCH(QString, otherField);
    std::unique_ptr<JsonTableModel> model;
    if (which == u"phones"_s)
        model = std::make_unique<PhonesModel>();
    else if (which == u"trunks"_s)
        model = std::make_unique<TrunksModel>();
    else if (which == u"vnums"_s)
        model = std::make_unique<VirtualNumbersModel>();
    else if (which == u"aliases"_s)
        model = std::make_unique<AliasesModel>();
    else
        model = std::make_unique<WhitelistModel>();
    QAbstractItemModelTester tester(model.get(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->keyField(), keyField);
    int otherColumn = -1;
    for (int c = 0; c < model->columns().size(); ++c) {
        if (model->columns().at(c).key == otherField)
            otherColumn = c;
    }
    QVERIFY(otherColumn >= 0);
    QVERIFY(!model->headerData(otherColumn, Qt::Horizontal, Qt::DisplayRole).toString().isEmpty());

    model->setRows({QJsonObject{{keyField, u"k1"_s}, {otherField, u"one"_s}},
                    QJsonObject{{otherField, u"no key: dropped"_s}},
                    QJsonObject{{keyField, u"k2"_s}, {otherField, u"two"_s}}});
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->index(1, otherColumn).data().toString(), u"two"_s);
    model->upsert({{keyField, u"k1"_s}, {otherField, u"uno"_s}});
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->index(0, otherColumn).data().toString(), u"uno"_s);
    model->upsert({{keyField, u"k3"_s}, {otherField, u"three"_s}});
    QCOMPARE(model->rowCount(), 3);
    QVERIFY(model->removeKey(u"k2"_s));
    QVERIFY(!model->removeKey(u"k2"_s));
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->rowOfKey(u"k3"_s), 1);
    model->clear();
    QCOMPARE(model->rowCount(), 0);
}

void tst_ConsoleModels::clientFeedsModels()
{
    AdminClient client;
    QAbstractItemModelTester t1(client.rooms(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(client.ringLog(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t3(client.phones(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy counters(&client, &AdminClient::countersChanged);
    QSignalSpy finished(&client, &AdminClient::commandFinished);

    QJsonObject snap{
        {u"tenant"_s, u"localhost"_s},
        {u"rooms"_s, QJsonArray{room(u"lobby"_s, {peer(u"p1"_s, u"Alice"_s)})}},
        {u"phones"_s, QJsonArray{QJsonObject{{u"peerId"_s, u"ph1"_s}, {u"extension"_s, u"10"_s}}}},
        {u"trunks"_s, QJsonArray{QJsonObject{{u"id"_s, u"t1"_s}, {u"registered"_s, true}}}},
        {u"rings"_s, QJsonArray{}},
        {u"virtualNumbers"_s, QJsonArray{QJsonObject{{u"number"_s, u"2000"_s}}}},
        {u"aliases"_s, QJsonArray{}},
        {u"whitelist"_s, QJsonArray{QJsonObject{{u"number"_s, u"+4930123456"_s}}}},
        {u"counters"_s, QJsonObject{{u"rooms"_s, 1}, {u"peers"_s, 1}}}};
    client.handleMessage(AP::make(AP::snapshot, snap));
    QCOMPARE(client.rooms()->rowCount(), 1);
    QCOMPARE(client.phones()->rowCount(), 1);
    QCOMPARE(client.trunks()->rowCount(), 1);
    QCOMPARE(client.virtualNumbers()->rowCount(), 1);
    QCOMPARE(client.whitelist()->rowCount(), 1);
    QCOMPARE(counters.size(), 1);

    client.handleMessage(AP::make(AP::roomCreated, {{u"room"_s, room(u"call-x"_s)}}));
    client.handleMessage(AP::make(
        AP::peerJoined, {{u"roomId"_s, u"call-x"_s}, {u"peer"_s, peer(u"p9"_s, u"Bridge"_s)}}));
    QCOMPARE(client.rooms()->rowCount(client.rooms()->roomIndex(u"call-x"_s)), 1);
    client.handleMessage(
        AP::make(AP::peerLeft,
                 {{u"roomId"_s, u"call-x"_s}, {u"peerId"_s, u"p9"_s}, {u"reason"_s, u"left"_s}}));
    client.handleMessage(AP::make(AP::roomRemoved, {{u"roomId"_s, u"call-x"_s}}));
    QCOMPARE(client.rooms()->rowCount(), 1);

    client.handleMessage(
        AP::make(AP::phoneRegistered,
                 {{u"phone"_s, QJsonObject{{u"peerId"_s, u"ph2"_s}, {u"extension"_s, u"11"_s}}}}));
    QCOMPARE(client.phones()->rowCount(), 2);
    client.handleMessage(AP::make(AP::phoneUnregistered, {{u"peerId"_s, u"ph1"_s}}));
    QCOMPARE(client.phones()->rowCount(), 1);
    client.handleMessage(AP::make(AP::trunkStatus, {{u"trunks"_s, QJsonArray{}}}));
    QCOMPARE(client.trunks()->rowCount(), 0);

    client.handleMessage(AP::make(
        AP::ring, {{u"ring"_s, QJsonObject{{u"callId"_s, u"c1"_s}, {u"from"_s, u"+4930999"_s}}}}));
    client.handleMessage(
        AP::make(AP::ringCleared, {{u"callId"_s, u"c1"_s}, {u"reason"_s, u"caller-hung-up"_s}}));
    QCOMPARE(client.ringLog()->index(0, RingLogModel::StateColumn).data().toString(),
             u"cleared (caller-hung-up)"_s);
    client.handleMessage(AP::make(AP::ring, {{u"ring"_s, QJsonObject{{u"callId"_s, u"c2"_s}}}}));
    client.handleMessage(AP::make(AP::ringTimeout, {{u"callId"_s, u"c2"_s}}));
    QCOMPARE(client.ringLog()->index(0, 0).data(RingLogModel::StateRole).toString(), u"timeout"_s);
    client.handleMessage(AP::make(
        AP::dial, {{u"dial"_s, QJsonObject{{u"callId"_s, u"d1"_s}, {u"number"_s, u"2000"_s}}}}));
    client.handleMessage(
        AP::make(AP::dialStatus, {{u"callId"_s, u"d1"_s}, {u"state"_s, u"answered"_s}}));
    QCOMPARE(client.ringLog()->index(0, 0).data(RingLogModel::StateRole).toString(), u"answered"_s);
    QCOMPARE(client.ringLog()->rowCount(), 3);

    client.handleMessage(AP::make(
        AP::aliases,
        {{u"aliases"_s, QJsonArray{QJsonObject{{u"number"_s, u"10"_s}, {u"name"_s, u"Desk"_s}}}}}));
    QCOMPARE(client.aliases()->rowCount(), 1);
    client.handleMessage(AP::make(AP::ok, {{u"id"_s, u"7"_s}}));
    client.handleMessage(AP::makeError(AP::errDuplicate, u"8"_s, u"number"_s));
    QCOMPARE(finished.size(), 2);
    QCOMPARE(finished.at(0).at(1).toBool(), true);
    QCOMPARE(finished.at(1).at(0).toString(), u"8"_s);
    QCOMPARE(finished.at(1).at(2).toString(), u"duplicate"_s);
    QCOMPARE(finished.at(1).at(4).toString(), u"number"_s);

    client.handleMessage(u"not json"_s); // ignored, no crash
    client.handleMessage(u"[1,2]"_s);
    QCOMPARE(client.rooms()->rowCount(), 1);
    // Commands are refused while offline rather than queued.
    QVERIFY(client.kick(u"p1"_s).isEmpty());
}

void tst_ConsoleModels::clientRefusesBadNonce_data()
{
    QTest::addColumn<QString>("hello");
    QTest::addRow("short nonce") << AP::make(AP::hello,
                                             {{u"version"_s, 1}, {u"nonce"_s, u"abcd"_s}});
    QTest::addRow("upper-case nonce")
        << AP::make(AP::hello, {{u"version"_s, 1}, {u"nonce"_s, QString(64, u'A')}});
    QTest::addRow("not hex") << AP::make(AP::hello,
                                         {{u"version"_s, 1}, {u"nonce"_s, QString(64, u'g')}});
    QTest::addRow("other version")
        << AP::make(AP::hello, {{u"version"_s, 2}, {u"nonce"_s, QString(64, u'a')}});
}

void tst_ConsoleModels::clientRefusesBadNonce()
{
    QFETCH(QString, hello);
    AdminClient client;
    QSignalSpy failed(&client, &AdminClient::authenticationFailed);
    client.handleMessage(hello);
    QCOMPARE(failed.size(), 1);
}

void tst_ConsoleModels::protocolSignature()
{
    const QString nonce = AP::newNonce();
    QVERIFY(AP::isNonce(nonce));
    QVERIFY(AP::newNonce() != nonce);
    const QString sig = AP::signNonce("secret", u"localhost", nonce);
    QCOMPARE(sig.size(), 64);
    QVERIFY(AP::verifyNonce("secret", u"localhost", nonce, sig));
    QVERIFY(AP::verifyNonce("secret", u"localhost", nonce, sig.toUpper()));
    QVERIFY(!AP::verifyNonce("other", u"localhost", nonce, sig));
    QVERIFY(!AP::verifyNonce("secret", u"example.com", nonce, sig));
    QVERIFY(!AP::verifyNonce("", u"localhost", nonce, sig));
    QCOMPARE(Signing::adminSocketChallenge("localhost", "ab"),
             QByteArray("admin-socket|localhost|ab"));
    QVERIFY(AP::make(AP::ok, {{u"id"_s, u"1"_s}}).startsWith(u"{\"type\":\"ok\""_s));
    QVERIFY(!AP::parse(u"{\"id\":1}").has_value());
    QVERIFY(!AP::parse(QString(AP::maxMessageBytes + 1, u' ')).has_value());
    QCOMPARE(AP::parse(u"{\"id\":\"1\",\"type\":\"kick\"}")->type, u"kick"_s);
}

QTEST_GUILESS_MAIN(tst_ConsoleModels)
#include "tst_consolemodels.moc"
