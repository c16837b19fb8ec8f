// GET /metrics (DESIGN.md "TLS, service and metrics") through the real binary: served on the
// admin listener only, Prometheus text 0.0.4 checked by a small parser (promtool is not in
// Debian 12), the families DESIGN.md lists, counters that move with traffic, allowFrom.

#include "DataRows.h"
#include "TestClient.h"
#include "TlsFixture.h"

#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace tlsfixture;

namespace {
// One parsed exposition: families with their type and help, samples with labels.
struct Exposition {
    struct Sample {
        QString name;
        QMap<QString, QString> labels;
        double value = 0;
    };
    QMap<QString, QString> type; // family -> counter|gauge|histogram|...
    QMap<QString, QString> help;
    QList<Sample> samples;
    QString error; // empty when the text parsed

    double value(const QString &name, const QMap<QString, QString> &labels = {}) const
    {
        for (const Sample &s : samples) {
            bool match = s.name == name;
            for (auto it = labels.begin(); match && it != labels.end(); ++it)
                match = s.labels.value(it.key()) == it.value();
            if (match)
                return s.value;
        }
        return -1;
    }
};

// The family a sample belongs to: histogram samples carry _bucket/_sum/_count.
QString familyOf(const QString &sample, const QMap<QString, QString> &types)
{
    for (const char *suffix : {"_bucket", "_sum", "_count"}) {
        const QString base = sample.chopped(0);
        if (base.endsWith(QLatin1StringView(suffix))) {
            const QString f = base.left(base.size() - qsizetype(strlen(suffix)));
            if (types.value(f) == u"histogram"_s)
                return f;
        }
    }
    return sample;
}

// Text format 0.0.4: `# HELP name text`, `# TYPE name type`, `name{l="v",...} value`, values
// with \\ \" \n escapes; HELP and TYPE at most once per family and before its samples; a
// family's samples together.
Exposition parse(const QByteArray &text)
{
    Exposition e;
    const QRegularExpression nameRe(u"^[a-zA-Z_:][a-zA-Z0-9_:]*$"_s);
    const QRegularExpression labelRe(
        u"^([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\""_s);
    QSet<QString> closed; // families whose samples have ended
    QString current;
    if (!text.endsWith('\n'))
        e.error = u"no final newline"_s;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype n = 0; n < lines.size() && e.error.isEmpty(); ++n) {
        const QString line = QString::fromUtf8(lines[n]);
        const QString where = u"line %1: "_s.arg(n + 1);
        if (line.isEmpty())
            continue;
        if (line.startsWith(u"# "_s)) {
            const QStringList parts = line.split(u' ');
            if (parts.size() < 3 || (parts[1] != u"HELP"_s && parts[1] != u"TYPE"_s))
                continue; // a plain comment
            const QString name = parts[2];
            if (!nameRe.match(name).hasMatch()) {
                e.error = where + u"bad family name"_s;
            } else if (parts[1] == u"TYPE"_s) {
                static const QStringList types{u"counter"_s, u"gauge"_s, u"histogram"_s,
                                               u"summary"_s, u"untyped"_s};
                if (parts.size() != 4 || !types.contains(parts[3]))
                    e.error = where + u"bad TYPE"_s;
                else if (e.type.contains(name))
                    e.error = where + u"second TYPE for "_s + name;
                else if (closed.contains(name) || current == name)
                    e.error = where + u"TYPE after samples of "_s + name;
                else
                    e.type.insert(name, parts[3]);
            } else {
                if (e.help.contains(name))
                    e.error = where + u"second HELP for "_s + name;
                e.help.insert(name, parts.mid(3).join(u' '));
            }
            continue;
        }
        if (line.startsWith(u'#'))
            continue;
        Exposition::Sample s;
        qsizetype i = 0;
        while (i < line.size() && line[i] != u'{' && line[i] != u' ')
            ++i;
        s.name = line.left(i);
        if (!nameRe.match(s.name).hasMatch()) {
            e.error = where + u"bad sample name"_s;
            break;
        }
        if (i < line.size() && line[i] == u'{') {
            ++i;
            while (i < line.size() && line[i] != u'}') {
                const auto m = labelRe.match(line.mid(i));
                if (!m.hasMatch()) {
                    e.error = where + u"bad label"_s;
                    break;
                }
                QString v = m.captured(2);
                v.replace(u"\\n"_s, u"\n"_s)
                    .replace(u"\\\""_s, u"\""_s)
                    .replace(u"\\\\"_s, u"\\"_s);
                s.labels.insert(m.captured(1), v);
                i += m.capturedLength(0);
                if (i < line.size() && line[i] == u',')
                    ++i;
            }
            if (!e.error.isEmpty())
                break;
            if (i >= line.size()) {
                e.error = where + u"unclosed labels"_s;
                break;
            }
            ++i;
        }
        if (i >= line.size() || line[i] != u' ') {
            e.error = where + u"no value"_s;
            break;
        }
        const QStringList rest = line.mid(i + 1).split(u' ');
        bool ok = false;
        const QString v = rest.value(0);
        s.value = v == u"+Inf"_s ? qInf() : v == u"-Inf"_s ? -qInf() : v.toDouble(&ok);
        if ((!ok && !v.endsWith(u"Inf"_s) && v != u"NaN"_s) || rest.size() > 2) {
            e.error = where + u"bad value"_s;
            break;
        }
        const QString family = familyOf(s.name, e.type);
        if (family != current) {
            if (closed.contains(family)) {
                e.error = where + u"samples of "_s + family + u" not together"_s;
                break;
            }
            if (!current.isEmpty())
                closed.insert(current);
            current = family;
        }
        e.samples.append(s);
    }
    return e;
}

QByteArray httpGet(quint16 port, const QByteArray &path)
{
    return plainExchange(
        port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

QByteArray bodyOf(const QByteArray &response)
{
    const qsizetype i = response.indexOf("\r\n\r\n");
    return i < 0 ? QByteArray() : response.mid(i + 4);
}
} // namespace

class tst_Metrics : public QObject {
    Q_OBJECT
private slots:
    void parserRejectsBadText_data();
    void parserRejectsBadText();
    void exposition();
    void allowFrom_data();
    void allowFrom();

private:
    bool start(const QString &extra);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

bool tst_Metrics::start(const QString &extra)
{
    m_server.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    QFile f(m_dir->filePath(u"config.json"_s));
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(u"{\"listen\":\"127.0.0.1:0\",\"adminListen\":\"127.0.0.1:0\",\"dataDir\":\"%1\",%2"
            "\"tenants\":[{\"hosts\":[\"localhost\",\"127.0.0.1\"],"
            "\"adminSecret\":\"a\",\"bridgeSecret\":\"b\"}]}"_s
                .arg(m_dir->path(), extra.isEmpty() ? QString() : extra + u',')
                .toUtf8());
    f.close();
    m_server = std::make_unique<Server>();
    return m_server->start({u"--config"_s, f.fileName()});
}

// The parser must be able to fail, or the exposition test proves nothing.
void tst_Metrics::parserRejectsBadText_data()
{
    addColumns<QByteArray, bool>("text", "valid");
    QTest::newRow("good") << QByteArray("# HELP a_b x\n# TYPE a_b counter\na_b{k=\"v\\\"\"} 1\n")
                          << true;
    QTest::newRow("histogram") << QByteArray(
        "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
        "h_sum 2\nh_count 1\n") << true;
    QTest::newRow("two TYPE") << QByteArray("# TYPE a gauge\n# TYPE a gauge\na 1\n") << false;
    QTest::newRow("TYPE late") << QByteArray("a 1\n# TYPE a gauge\n") << false;
    QTest::newRow("bad label") << QByteArray("a{k=v} 1\n") << false;
    QTest::newRow("no value") << QByteArray("a{k=\"v\"}\n") << false;
    QTest::newRow("bad value") << QByteArray("a one\n") << false;
    QTest::newRow("split family") << QByteArray("a 1\nb 1\na 2\n") << false;
    QTest::newRow("no newline") << QByteArray("a 1") << false;
}

void tst_Metrics::parserRejectsBadText()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    const Exposition e = parse(text);
    QVERIFY2(e.error.isEmpty() == valid, qPrintable(e.error));
}

void tst_Metrics::exposition()
{
    QVERIFY(start({}));
    const quint16 port = m_server->port();
    const quint16 admin = m_server->adminPort();

    // Traffic for the counters: one relayed signal, one refused frame, answers, an auth failure.
    TestClient a, b;
    QVERIFY(a.open(port));
    QVERIFY(b.open(port));
    const QString aId = a.join(u"m"_s, u"Ann"_s).value(u"peerId"_s).toString();
    QVERIFY(!b.join(u"m"_s, u"Bob"_s).isEmpty());
    b.send(u"{\"type\":\"signal\",\"to\":\""_s + aId + u"\",\"data\":{}}"_s);
    QVERIFY(!a.waitFor(u"signal"_s).isEmpty());
    b.send(u"not json"_s);
    QVERIFY(!b.waitFor(u"error"_s).isEmpty());
    QVERIFY(httpGet(port, "/signal.ashx").startsWith("HTTP/1.1 200"));
    QVERIFY(httpGet(port, "/signal.ashx?stats").startsWith("HTTP/1.1 401"));

    // Never on the public port.
    const QByteArray publicAnswer = httpGet(port, "/metrics");
    QVERIFY2(publicAnswer.startsWith("HTTP/1.1 404"), publicAnswer.constData());
    QVERIFY(!publicAnswer.contains("switchboard_"));

    const QByteArray response = httpGet(admin, "/metrics");
    QVERIFY2(response.startsWith("HTTP/1.1 200"), response.left(300).constData());
    QVERIFY(response.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    const Exposition e = parse(bodyOf(response));
    QVERIFY2(e.error.isEmpty(), qPrintable(e.error));

    // Naming rules: switchboard_<subsystem>_<noun>, counters _total, durations _seconds
    // histograms, only the agreed labels, HELP and TYPE for every family.
    const QRegularExpression nameRe(u"^switchboard_[a-z]+_[a-z_]+$"_s);
    const QSet<QString> labels{u"tenant"_s, u"reason"_s, u"flag"_s,    u"code"_s,
                               u"kind"_s,   u"le"_s,     u"version"_s, u"stamp"_s};
    for (auto it = e.type.begin(); it != e.type.end(); ++it) {
        QVERIFY2(nameRe.match(it.key()).hasMatch(), qPrintable(it.key()));
        QVERIFY2(e.help.contains(it.key()), qPrintable(it.key()));
        QVERIFY2((it.value() == u"counter"_s) == it.key().endsWith(u"_total"_s),
                 qPrintable(it.key()));
        if (it.key().endsWith(u"_seconds"_s))
            QCOMPARE(it.value(), u"histogram"_s);
    }
    for (const auto &s : e.samples) {
        QVERIFY2(e.type.contains(familyOf(s.name, e.type)), qPrintable(s.name));
        for (auto l = s.labels.begin(); l != s.labels.end(); ++l)
            QVERIFY2(labels.contains(l.key()), qPrintable(s.name + u' ' + l.key()));
    }
    // The families DESIGN.md lists.
    for (const char *family :
         {"switchboard_http_connections", "switchboard_signal_connections",
          "switchboard_signal_rooms", "switchboard_signal_peers", "switchboard_signal_held_peers",
          "switchboard_telephony_phones", "switchboard_telephony_rings_in_flight",
          "switchboard_signal_frames_relayed_total", "switchboard_signal_frames_refused_total",
          "switchboard_http_responses_total", "switchboard_auth_failures_total",
          "switchboard_store_write_seconds", "switchboard_eventloop_lag_seconds",
          "switchboard_process_resident_memory_bytes", "switchboard_build_info"})
        QVERIFY2(e.type.contains(QString::fromLatin1(family)), family);

    const QMap<QString, QString> tenant{{u"tenant"_s, u"localhost"_s}};
    QCOMPARE(e.value(u"switchboard_signal_rooms"_s, tenant), 1.0);
    QCOMPARE(e.value(u"switchboard_signal_peers"_s, tenant), 2.0);
    QCOMPARE(e.value(u"switchboard_signal_connections"_s, tenant), 2.0);
    QCOMPARE(e.value(u"switchboard_signal_frames_relayed_total"_s, tenant), 1.0);
    QCOMPARE(e.value(u"switchboard_signal_frames_refused_total"_s,
                     {{u"tenant"_s, u"localhost"_s}, {u"reason"_s, u"bad-frame"_s}}),
             1.0);
    QCOMPARE(e.value(u"switchboard_auth_failures_total"_s,
                     {{u"tenant"_s, u"localhost"_s}, {u"kind"_s, u"admin-http"_s}}),
             1.0);
    QCOMPARE(e.value(u"switchboard_http_responses_total"_s,
                     {{u"flag"_s, u"liveness"_s}, {u"code"_s, u"200"_s}}),
             1.0);
    QCOMPARE(e.value(u"switchboard_http_responses_total"_s,
                     {{u"flag"_s, u"stats"_s}, {u"code"_s, u"401"_s}}),
             1.0);
    QVERIFY(e.value(u"switchboard_process_resident_memory_bytes"_s) > 1e6);
    QCOMPARE(
        e.value(u"switchboard_build_info"_s, {{u"version"_s, QStringLiteral(SWITCHBOARD_VERSION)}}),
        1.0);
    // A histogram's buckets are cumulative and end in +Inf, which equals _count.
    double last = 0;
    for (const auto &s : e.samples) {
        if (s.name != u"switchboard_eventloop_lag_seconds_bucket"_s)
            continue;
        QVERIFY(s.value >= last);
        last = s.value;
    }
    QCOMPARE(e.value(u"switchboard_eventloop_lag_seconds_bucket"_s, {{u"le"_s, u"+Inf"_s}}),
             e.value(u"switchboard_eventloop_lag_seconds_count"_s));

    // Other paths and methods on the admin port answer like the API does.
    QVERIFY(httpGet(admin, "/nothing").startsWith("HTTP/1.1 404"));
    // The admin WebSocket on the same port still upgrades.
    QTcpSocket ws;
    ws.connectToHost(QHostAddress::LocalHost, admin);
    ws.write("GET /admin HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: "
             "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n");
    QByteArray head;
    QTRY_VERIFY_WITH_TIMEOUT((head += ws.readAll()).contains("\r\n\r\n"), 5000);
    QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
}

void tst_Metrics::allowFrom_data()
{
    addColumns<QString, bool>("extra", "allowed");
    QTest::newRow("default loopback") << QString() << true;
    QTest::newRow("listed") << u"\"metrics\":{\"allowFrom\":[\"127.0.0.1\"]}"_s << true;
    QTest::newRow("elsewhere") << u"\"metrics\":{\"allowFrom\":[\"10.0.0.0/8\"]}"_s << false;
}

void tst_Metrics::allowFrom()
{
    QFETCH(QString, extra);
    QFETCH(bool, allowed);
    QVERIFY(start(extra));
    const QByteArray r = httpGet(m_server->adminPort(), "/metrics");
    QVERIFY2(r.startsWith(allowed ? "HTTP/1.1 200" : "HTTP/1.1 403"), r.left(200).constData());
    QCOMPARE(r.contains("switchboard_build_info"), allowed);
}

QTEST_GUILESS_MAIN(tst_Metrics)
#include "tst_metrics.moc"
