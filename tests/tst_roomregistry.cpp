#include "signal/RoomRegistry.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_RoomRegistry : public QObject {
    Q_OBJECT
private:
    static std::unique_ptr<Room::Member> held(const QString &id)
    {
        auto m = std::make_unique<Room::Member>();
        m->peerId = id;
        m->name = id;
        m->kind = "browser"_L1;
        return m; // session == nullptr: frames queue
    }

private slots:
    void createFindRemove()
    {
        RoomRegistry reg(10, 2);
        QSignalSpy created(&reg, &RoomRegistry::roomCreated);
        QSignalSpy removed(&reg, &RoomRegistry::roomRemoved);
        Room *r = reg.findOrCreate(u"a"_s, Room::Kind::Conference);
        QVERIFY(r);
        QCOMPARE(reg.findOrCreate(u"a"_s, Room::Kind::Conference), r);
        QCOMPARE(created.size(), 1);
        r->add(held(u"p1"_s));
        r->add(held(u"p2"_s));
        QVERIFY(r->isFull());
        QCOMPARE(reg.peerCount(), 2);
        r->remove(u"p1", "left"_L1);
        QCOMPARE(r->member(u"p2")->queue.size(), 1); // p2 was told peer-left
        QVERIFY(r->member(u"p2")->queue.first().contains(u"\"reason\":\"left\""_s));
        QCOMPARE(reg.count(), 1);
        QPointer<Room> guard(r);
        r->remove(u"p2", "closed"_L1);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(reg.count(), 0);
        QVERIFY(!reg.find(u"a"_s));
        QTRY_VERIFY(guard.isNull()); // deleted later, not in its own signal
    }

    void maxRooms()
    {
        RoomRegistry reg(2, 16);
        QVERIFY(reg.findOrCreate(u"a"_s, Room::Kind::Conference));
        QVERIFY(reg.findOrCreate(u"b"_s, Room::Kind::Conference));
        QVERIFY(!reg.findOrCreate(u"c"_s, Room::Kind::Conference));
        QVERIFY(reg.findOrCreate(u"a"_s, Room::Kind::Conference)); // existing rooms still found
    }

    void heldQueueBounded()
    {
        RoomRegistry reg(10, 16);
        Room *r = reg.findOrCreate(u"q"_s, Room::Kind::Conference);
        Room::Member &m = r->add(held(u"p"_s));
        for (int i = 0; i < Room::maxQueuedFrames; ++i)
            QVERIFY(r->deliver(m, u"x"_s));
        QVERIFY(!r->deliver(m, u"x"_s));
        Room::Member &m2 = r->add(held(u"p2"_s));
        QVERIFY(!r->deliver(m2, QString(Room::maxQueuedBytes + 1, u'x')));
    }

    void mintedIds()
    {
        const QString a = RoomRegistry::mintId();
        QVERIFY(a.startsWith(u"room-"_s));
        QCOMPARE(a.size(), 5 + 22);
        QVERIFY(a != RoomRegistry::mintId());
        QCOMPARE(RoomRegistry::mintId(u"vnum-2000"_s).size(), 10 + 22);
    }

    void publicLabels()
    {
        Room conf(u"secret-name"_s, Room::Kind::Conference, 4);
        QCOMPARE(conf.publicLabel(), u"room-…"_s);
        Room vnum(u"vnum-2000-AbCdEfGhIjKlMnOpQrStUv"_s, Room::Kind::VirtualNumber, 4);
        QCOMPARE(vnum.publicLabel(), u"vnum-2000-…"_s);
    }
};

QTEST_GUILESS_MAIN(tst_RoomRegistry)
#include "tst_roomregistry.moc"
