// The console's history: the paged call-record and dial-log model and its filter under
// QAbstractItemModelTester, the CSV writer against tricky fields, calls per hour, the trend
// samples, and the ring notifier's logic behind AlertSink (no desktop needed).

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "AlertSink.h"
#include "CallStats.h"
#include "CsvWriter.h"
#include "DataRows.h"
#include "HistoryFilter.h"
#include "HistoryModel.h"
#include "RingLogModel.h"
#include "RingNotifier.h"
#include "TrendHistory.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
QJsonObject cdr(int id, const QString &from, const QString &result, const QDateTime &startedAt,
                const QString &direction = u"in"_s)
{
    QJsonObject o{{u"id"_s, id},
                  {u"callId"_s, u"c-%1"_s.arg(id)},
                  {u"direction"_s, direction},
                  {u"from"_s, from},
                  {u"to"_s, u"10"_s},
                  {u"room"_s, u"call-%1"_s.arg(id)},
                  {u"startedAt"_s, AP::timestamp(startedAt.toMSecsSinceEpoch())},
                  {u"endedAt"_s, AP::timestamp(startedAt.addSecs(95).toMSecsSinceEpoch())},
                  {u"result"_s, result}};
    if (result == u"answered"_s)
        o.insert(u"answeredAt"_s, AP::timestamp(startedAt.addSecs(5).toMSecsSinceEpoch()));
    return o;
}

// Records what the notifier asks of the desktop.
class RecordingSink : public AlertSink {
public:
    void setStatus(const Status &status) override { statuses.append(status); }
    void notify(const QString &title, const QString &body) override
    {
        notifications.append({title, body});
    }
    void playRingtone() override { ++rings; }

    QList<Status> statuses;
    QList<QPair<QString, QString>> notifications;
    int rings = 0;
};

// An AdminClient fed messages directly, already "online" (hello/welcome handled).
void makeOnline(AdminClient &client)
{
    client.handleMessage(AP::make(AP::welcome, {{u"tenant"_s, u"localhost"_s}}));
    client.handleMessage(AP::make(AP::snapshot, {{u"tenant"_s, u"localhost"_s}}));
}
} // namespace

class tst_ConsoleHistory : public QObject {
    Q_OBJECT
private slots:
    void csvField_data();
    void csvField();
    void csvFromModel();
    void historyModelPages();
    void historyModelNames();
    void historyFilter_data();
    void historyFilter();
    void exportTimeHasOffset();
    void callsPerHour();
    void trendWindow();
    void notifierRings_data();
    void notifierRings();
    void notifierStatus();
};

void tst_ConsoleHistory::csvField_data()
{
    addColumns<QString, QString>("in", "out");
    QTest::addRow("plain") << u"+4930123"_s << u"+4930123"_s;
    QTest::addRow("empty") << u""_s << u""_s;
    QTest::addRow("comma") << u"Weber, Anna"_s << u"\"Weber, Anna\""_s;
    QTest::addRow("quote") << u"the \"boss\""_s << u"\"the \"\"boss\"\"\""_s;
    QTest::addRow("only quotes") << u"\"\""_s << u"\"\"\"\"\"\""_s;
    QTest::addRow("newline") << u"line1\nline2"_s << u"\"line1\nline2\""_s;
    QTest::addRow("crlf") << u"a\r\nb"_s << u"\"a\r\nb\""_s;
    QTest::addRow("non-ASCII") << u"Chloé Müller 山田"_s << u"Chloé Müller 山田"_s;
    QTest::addRow("non-ASCII with comma") << u"Łódź, PL"_s << u"\"Łódź, PL\""_s;
    QTest::addRow("spaces kept") << u"  padded "_s << u"  padded "_s;
    QTest::addRow("semicolon") << u"a;b"_s << u"a;b"_s;
}

void tst_ConsoleHistory::csvField()
{
    QFETCH(QString, in);
    QFETCH(QString, out);
    QCOMPARE(CsvWriter::field(in), out);
}

void tst_ConsoleHistory::csvFromModel()
{
    QStandardItemModel model(2, 3);
    model.setHorizontalHeaderLabels({u"Number"_s, u"Name"_s, u"Note"_s});
    model.setItem(0, 0, new QStandardItem(u"+4930"_s));
    model.setItem(0, 1, new QStandardItem(u"Müller, \"Mo\""_s));
    model.setItem(0, 2, new QStandardItem(u"two\nlines"_s));
    model.setItem(1, 0, new QStandardItem(u"10"_s));
    model.setItem(1, 1, new QStandardItem(u"Zoë"_s));
    auto *exported = new QStandardItem(u"shown"_s);
    exported->setData(u"exported"_s, CsvWriter::ExportRole);
    model.setItem(1, 2, exported);
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(CsvWriter::write(model, buffer));
    const QByteArray expected = "Number,Name,Note\r\n"
                                "+4930,\"M\xc3\xbcller, \"\"Mo\"\"\",\"two\nlines\"\r\n"
                                "10,Zo\xc3\xab,exported\r\n";
    QCOMPARE(buffer.data(), expected);
    QVERIFY(!buffer.data().startsWith("\xef\xbb\xbf")); // no byte-order mark
}

void tst_ConsoleHistory::historyModelPages()
{
    AdminClient client;
    HistoryModel model(HistoryModel::Kind::Calls, &client);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(!model.canFetchMore({})); // offline: nothing to ask
    const QDateTime t0 = QDateTime::currentDateTimeUtc();
    model.appendPage({cdr(9, u"+4930111"_s, u"missed"_s, t0),
                      cdr(8, u"+4930222"_s, u"answered"_s, t0.addSecs(-60))},
                     8);
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(model.hasMore());
    model.appendPage({cdr(7, u"+4930333"_s, u"declined"_s, t0.addSecs(-120))}, 0);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(!model.hasMore());
    QCOMPARE(model.index(1, 7).data().toString(), u"90"_s); // talked from answer to end
    QCOMPARE(model.index(0, 2).data().toString(), u"+4930111"_s);
    QCOMPARE(model.index(0, 0).data(HistoryModel::ResultRole).toString(), u"missed"_s);

    // Online, the first page is asked with a limit; the answer fills the model.
    QSignalSpy loading(&model, &HistoryModel::loadingChanged);
    makeOnline(client); // `online` reloads
    QVERIFY(model.isLoading());
    QCOMPARE(model.rowCount(), 0);
    client.handleMessage(
        AP::make(AP::ok,
                 {{u"id"_s, u"1"_s},
                  {u"result"_s,
                   QJsonObject{{u"cdrs"_s, QJsonArray{cdr(5, u"1"_s, u"missed"_s, t0)}},
                               {u"nextBefore"_s, 5}}}}));
    QCOMPARE(model.rowCount(), 1);
    // A full page has a next one: asked at once (the tester calls fetchMore as a view does),
    // or when asked.
    if (!model.isLoading()) {
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
    }
    QVERIFY(model.isLoading());
    QVERIFY(!model.canFetchMore({})); // one request at a time
    client.handleMessage(AP::make(
        AP::error,
        {{u"id"_s, u"2"_s}, {u"code"_s, u"internal"_s}, {u"message"_s, u"Internal error."_s}}));
    QVERIFY(!model.isLoading());
    QCOMPARE(model.lastError(), u"Internal error."_s);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(loading.size() >= 4);
}

void tst_ConsoleHistory::historyModelNames()
{
    AdminClient client;
    HistoryModel model(HistoryModel::Kind::Dials, &client);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QDateTime t0 = QDateTime::currentDateTimeUtc();
    model.appendPage({QJsonObject{{u"id"_s, 3},
                                  {u"at"_s, AP::timestamp(t0.toMSecsSinceEpoch())},
                                  {u"room"_s, u"reception"_s},
                                  {u"peerId"_s, u"peer-abc"_s},
                                  {u"number"_s, u"+4930999"_s},
                                  {u"outcome"_s, u"forbidden"_s}}},
                     0);
    QCOMPARE(model.index(0, 2).data().toString(), QString());
    client.handleMessage(AP::make(
        AP::aliases,
        {{u"aliases"_s,
          QJsonArray{QJsonObject{{u"number"_s, u"+4930999"_s}, {u"name"_s, u"Head office"_s}}}}}));
    QCOMPARE(model.index(0, 2).data().toString(), u"Head office"_s);
    QCOMPARE(model.index(0, 0).data(HistoryModel::NameRole).toString(), u"Head office"_s);
    QCOMPARE(model.index(0, 5).data().toString(), u"forbidden"_s);
}

void tst_ConsoleHistory::historyFilter_data()
{
    // fromDaysAgo: -1 for no bound
    addColumns<QString, QString, int, int, bool, QStringList>("text", "result", "fromDaysAgo",
                                                              "toDaysAgo", "missedToday", "calls");
    QTest::addRow("everything") << u""_s << u""_s << -1 << -1 << false
                                << QStringList{u"c-1"_s, u"c-2"_s, u"c-3"_s, u"c-4"_s, u"c-5"_s};
    QTest::addRow("by number") << u"4940"_s << u""_s << -1 << -1 << false
                               << QStringList{u"c-2"_s, u"c-4"_s};
    QTest::addRow("by name, any case")
        << u"RECEPTION"_s << u""_s << -1 << -1 << false << QStringList{u"c-1"_s};
    QTest::addRow("by room") << u"call-3"_s << u""_s << -1 << -1 << false << QStringList{u"c-3"_s};
    QTest::addRow("by result") << u""_s << u"missed"_s << -1 << -1 << false
                               << QStringList{u"c-2"_s, u"c-4"_s, u"c-5"_s};
    QTest::addRow("missed today") << u""_s << u""_s << -1 << -1 << true << QStringList{u"c-2"_s};
    QTest::addRow("yesterday only")
        << u""_s << u""_s << 1 << 1 << false << QStringList{u"c-3"_s, u"c-4"_s};
    QTest::addRow("since yesterday, missed")
        << u""_s << u"missed"_s << 1 << 0 << false << QStringList{u"c-2"_s, u"c-4"_s};
    QTest::addRow("number and result")
        << u"4940"_s << u"missed"_s << 2 << -1 << false << QStringList{u"c-2"_s, u"c-4"_s};
    QTest::addRow("nothing matches") << u"nobody"_s << u""_s << -1 << -1 << false << QStringList{};
}

void tst_ConsoleHistory::historyFilter()
{
    QFETCH(QString, text);
    QFETCH(QString, result);
    QFETCH(int, fromDaysAgo);
    QFETCH(int, toDaysAgo);
    QFETCH(bool, missedToday);
    QFETCH(QStringList, calls);
    AdminClient client;
    client.handleMessage(AP::make(
        AP::aliases,
        {{u"aliases"_s,
          QJsonArray{QJsonObject{{u"number"_s, u"+4930111"_s}, {u"name"_s, u"Reception"_s}}}}}));
    HistoryModel model(HistoryModel::Kind::Calls, &client);
    // Noon local time today, yesterday and three days ago.
    const QDate today(2026, 12, 2);
    auto at = [&](int daysAgo) { return QDateTime(today.addDays(-daysAgo), QTime(12, 0)).toUTC(); };
    model.appendPage(
        {cdr(5, u"+4989555"_s, u"missed"_s, at(3)), cdr(4, u"+4940555"_s, u"missed"_s, at(1)),
         cdr(3, u"+4969555"_s, u"answered"_s, at(1)), cdr(2, u"+4940555"_s, u"missed"_s, at(0)),
         cdr(1, u"+4930111"_s, u"answered"_s, at(0))},
        0);
    HistoryFilter filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setToday(today);
    filter.setText(text);
    filter.setResult(result);
    filter.setDateRange(fromDaysAgo >= 0 ? today.addDays(-fromDaysAgo) : QDate(),
                        toDaysAgo >= 0 ? today.addDays(-toDaysAgo) : QDate());
    filter.setMissedToday(missedToday);
    QStringList shown;
    for (int r = 0; r < filter.rowCount(); ++r)
        shown.prepend(filter.index(r, 8).data().toString()); // oldest first, like the list
    std::sort(shown.begin(), shown.end());
    QCOMPARE(shown, calls);
    // The export writes exactly the filtered rows, plus the header.
    const QString csv = CsvWriter::toText(filter);
    QCOMPARE(csv.count(u"\r\n"_s), int(calls.size()) + 1);
}

void tst_ConsoleHistory::exportTimeHasOffset()
{
    const QDateTime t = QDateTime::fromString(u"2026-12-02T05:00:00.000Z"_s, Qt::ISODateWithMs);
    const QString text = HistoryModel::exportTime(t);
    // Local time with the offset, whatever the machine's zone: it names the same instant.
    QVERIFY2(QRegularExpression(u"^2026-12-0[12]T\\d\\d:\\d\\d:00[+-]\\d\\d:\\d\\d$"_s)
                 .match(text)
                 .hasMatch(),
             qPrintable(text));
    QCOMPARE(QDateTime::fromString(text, Qt::ISODate).toUTC(), t);
}

void tst_ConsoleHistory::callsPerHour()
{
    const QDate day(2026, 12, 2);
    auto at = [&](int hour, int minute) { return QDateTime(day, QTime(hour, minute)).toUTC(); };
    const QJsonArray cdrs{cdr(1, u"1"_s, u"answered"_s, at(9, 5)),
                          cdr(2, u"1"_s, u"answered"_s, at(9, 59)),
                          cdr(3, u"1"_s, u"missed"_s, at(9, 30)),
                          cdr(4, u"1"_s, u"declined"_s, at(14, 0)),
                          cdr(5, u"1"_s, u"failed"_s, at(14, 1)), // not one of the three
                          cdr(6, u"1"_s, u"missed"_s, at(23, 59)),
                          cdr(7, u"1"_s, u"missed"_s, QDateTime(day.addDays(-1), QTime(9, 0)))};
    const QList<CallStats::Hour> hours = CallStats::countByHour(cdrs, day);
    QCOMPARE(hours.size(), 24);
    QCOMPARE(hours[9], (CallStats::Hour{2, 1, 0}));
    QCOMPARE(hours[14], (CallStats::Hour{0, 0, 1}));
    QCOMPARE(hours[23], (CallStats::Hour{0, 1, 0}));
    int total = 0;
    for (const auto &h : hours)
        total += h.answered + h.missed + h.declined;
    QCOMPARE(total, 5);
}

void tst_ConsoleHistory::trendWindow()
{
    AdminClient client;
    TrendHistory trends(&client);
    QSignalSpy sampled(&trends, &TrendHistory::sampled);
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 2 * TrendHistory::windowMs;
    for (int i = 0; i <= 3700; i += 100)
        trends.record(t0 + qint64(i) * 1000,
                      {{u"peers"_s, i / 100}, {u"rooms"_s, 1}, {u"ringing"_s, i % 2}});
    QCOMPARE(sampled.size(), 38);
    // Only the last hour is kept.
    QVERIFY(trends.samples().first().ms >= t0 + 3700 * 1000 - TrendHistory::windowMs);
    QCOMPARE(trends.samples().last().peers, 37);
    // Live counters from the socket are sampled too.
    client.handleMessage(AP::make(AP::counters, {{u"counters"_s, QJsonObject{{u"peers"_s, 4}}}}));
    QCOMPARE(trends.samples().last().peers, 4);
    // Trunks: a sample per change only.
    client.handleMessage(
        AP::make(AP::trunkStatus,
                 {{u"trunks"_s,
                   QJsonArray{QJsonObject{{u"id"_s, u"a"_s}, {u"registered"_s, true}},
                              QJsonObject{{u"id"_s, u"b"_s}, {u"registered"_s, false}}}}}));
    client.handleMessage(
        AP::make(AP::trunkStatus,
                 {{u"trunks"_s,
                   QJsonArray{QJsonObject{{u"id"_s, u"a"_s}, {u"registered"_s, true}},
                              QJsonObject{{u"id"_s, u"b"_s}, {u"registered"_s, false}}}}}));
    QCOMPARE(trends.trunkSamples().size(), 1);
    QCOMPARE(trends.trunkSamples().last().registered, 1);
    QCOMPARE(trends.trunkSamples().last().total, 2);
}

void tst_ConsoleHistory::notifierRings_data()
{
    addColumns<QJsonObject, bool, QString, QString>("ring", "ringtone", "title", "bodyStart");
    const QString at = u"2026-12-02T09:15:00.000Z"_s;
    const QString local
        = QDateTime::fromString(at, Qt::ISODateWithMs).toLocalTime().toString(u"HH:mm:ss"_s);
    // A ring frame at `at` from `from` (none: anonymous), with the trunk's name if it gave one.
    const auto ring = [&](const QString &callId, const QString &from, const QString &to,
                          const QString &fromName = {}) {
        QJsonObject r{{u"callId"_s, callId}, {u"to"_s, to}, {u"at"_s, at}};
        if (!from.isEmpty())
            r.insert(u"from"_s, from);
        if (!fromName.isEmpty())
            r.insert(u"fromName"_s, fromName);
        return r;
    };
    QTest::addRow("name from the trunk")
        << ring(u"r1"_s, u"+4930555"_s, u"10"_s, u"Anna Weber"_s) << false
        << u"Call from Anna Weber (+4930555)"_s << u"Ringing extension 10 since %1"_s.arg(local);
    QTest::addRow("name from an alias")
        << ring(u"r2"_s, u"+4940111"_s, u"*"_s) << true << u"Call from Hamburg office (+4940111)"_s
        << u"Ringing all office phones since %1"_s.arg(local);
    QTest::addRow("number only") << ring(u"r3"_s, u"+4989000"_s, u"12"_s) << true
                                 << u"Call from +4989000"_s << u"Ringing extension 12"_s;
    QTest::addRow("anonymous") << ring(u"r4"_s, {}, u"12"_s) << false
                               << u"Call from Unknown caller"_s << u"Ringing extension 12"_s;
}

void tst_ConsoleHistory::notifierRings()
{
    QFETCH(QJsonObject, ring);
    QFETCH(bool, ringtone);
    QFETCH(QString, title);
    QFETCH(QString, bodyStart);
    RecordingSink sink;
    RingNotifier notifier(sink);
    notifier.setRingtoneEnabled(ringtone);
    AdminClient client;
    notifier.addClient(&client, u"Berlin"_s);
    makeOnline(client);
    // A dial out, an answer, a snapshot's rings: never a notification.
    client.handleMessage(AP::make(
        AP::dial, {{u"dial"_s, QJsonObject{{u"callId"_s, u"d1"_s}, {u"number"_s, u"2000"_s}}}}));
    client.handleMessage(AP::make(
        AP::snapshot,
        {{u"rings"_s, QJsonArray{QJsonObject{{u"callId"_s, u"old"_s}, {u"from"_s, u"1"_s}}}}}));
    QCOMPARE(sink.notifications.size(), 0);
    client.handleMessage(AP::make(AP::aliases,
                                  {{u"aliases"_s,
                                    QJsonArray{QJsonObject{{u"number"_s, u"+4940111"_s},
                                                           {u"name"_s, u"Hamburg office"_s}}}}}));
    client.handleMessage(AP::make(AP::ring, {{u"ring"_s, ring}}));
    QCOMPARE(sink.notifications.size(), 1);
    QCOMPARE(sink.notifications[0].first, title);
    QVERIFY2(sink.notifications[0].second.startsWith(bodyStart),
             qPrintable(sink.notifications[0].second));
    QVERIFY(sink.notifications[0].second.endsWith(u" · Berlin"_s));
    QCOMPARE(sink.rings, ringtone ? 1 : 0);
    QCOMPARE(sink.statuses.last().ringing, 2); // this ring and the snapshot's
    QVERIFY(sink.statuses.last().tooltip.contains(u"Berlin: online, 2 ringing"_s));
}

void tst_ConsoleHistory::notifierStatus()
{
    RecordingSink sink;
    RingNotifier notifier(sink);
    QCOMPARE(sink.statuses.size(), 0);
    notifier.updateStatus();
    QVERIFY(sink.statuses.last().tooltip.contains(u"Not connected"_s));
    QVERIFY(!sink.statuses.last().anyOnline);
    auto berlin = std::make_unique<AdminClient>();
    AdminClient hamburg;
    notifier.addClient(berlin.get(), u"Berlin"_s);
    notifier.addClient(&hamburg, u"Hamburg"_s);
    makeOnline(*berlin);
    QVERIFY(sink.statuses.last().anyOnline);
    QVERIFY(!sink.statuses.last().allOnline);
    QVERIFY(sink.statuses.last().tooltip.contains(u"Berlin: online"_s));
    QVERIFY(sink.statuses.last().tooltip.contains(u"Hamburg: offline"_s));
    berlin->handleMessage(
        AP::make(AP::ring, {{u"ring"_s, QJsonObject{{u"callId"_s, u"x"_s}, {u"from"_s, u"1"_s}}}}));
    QCOMPARE(sink.statuses.last().ringing, 1);
    berlin->handleMessage(AP::make(AP::ringAnswered, {{u"callId"_s, u"x"_s}}));
    QCOMPARE(sink.statuses.last().ringing, 0);
    makeOnline(hamburg);
    QVERIFY(sink.statuses.last().allOnline);
    berlin.reset(); // a closed tab: the status forgets it
    QVERIFY(!sink.statuses.last().tooltip.contains(u"Berlin"_s));
    QVERIFY(sink.statuses.last().tooltip.contains(u"Hamburg: online"_s));
}

QTEST_GUILESS_MAIN(tst_ConsoleHistory)
#include "tst_consolehistory.moc"
