// switchboard-framebench: what one hostile visitor costs everybody else (DESIGN.md "Limits",
// BENCHMARKS.md "Hostile frames"). Part 1 times Frame::parse on 64 KiB frames of each worst
// shape; part 2 runs a server in this process, lets one socket send such frames as fast as its
// rate limit lets it, and measures a bystander's ping → pong latency meanwhile. Short (a few
// seconds); not a ctest: figures, not asserts.
#include "Frame.h"
#include "app/Application.h"
#include "config/ServerConfig.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;

namespace {
constexpr qsizetype frameSize = 64 * 1024 - 64; // under maxFrameBytes once UTF-8 encoded

QString manyKeys()
{
    QString s = u"{\"type\":\"ping\",\"\\u0061\":0"_s; // one escaped key, as in issue 15
    for (int i = 0; s.size() < frameSize - 16; ++i)
        s += u",\"k%1\":0"_s.arg(i);
    return s + u"}"_s;
}

// Under the 1024-key cap: 1023 distinct ~60-character keys, the last one an escaped duplicate
// of the first, so the whole frame is scanned and every key goes through the hash.
QString longKeys()
{
    QString s = u"{\"type\":\"ping\""_s;
    const qsizetype keyLength = (frameSize - 64) / 1023 - 6;
    for (int i = 0; i < 1022; ++i)
        s += u",\""_s + u"%1"_s.arg(i, int(keyLength), 10, QChar(u'x')) + u"\":0"_s;
    QString first = u"%1"_s.arg(0, int(keyLength), 10, QChar(u'x'));
    first.replace(0, 1, u"\\u0078"_s);
    return s + u",\""_s + first + u"\":0}"_s;
}

QString deepNesting()
{
    const qsizetype depth = (frameSize - 64) / 2;
    return u"{\"type\":\"signal\",\"to\":\"p\",\"data\":"_s + QString(depth, u'[')
        + QString(depth, u']') + u"}"_s;
}

QString longEscaped()
{
    QString s = u"{\"type\":\"signal\",\"to\":\"p\",\"data\":{\"sdp\":\""_s;
    while (s.size() < frameSize - 16)
        s += u"\\u00e9\\n"_s;
    return s + u"\"}}"_s;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

void parseTimes(const QList<QPair<const char *, QString>> &shapes)
{
    std::printf("parse time of one %lld-character frame (median of 200):\n",
                static_cast<long long>(frameSize));
    for (const auto &[name, text] : shapes) {
        std::vector<double> us;
        for (int i = 0; i < 200; ++i) {
            QElapsedTimer t;
            t.start();
            const Frame f = Frame::parse(text);
            us.push_back(double(t.nsecsElapsed()) / 1000.0);
            if (f.isValid() && i == 0)
                std::printf("  (%s is a valid frame)\n", name);
        }
        std::printf("  %-22s %8.1f us  (p99 %8.1f us)\n", name, percentile(us, 0.5),
                    percentile(us, 0.99));
    }
}

// One attacker floods `text` as fast as its limit lets it (it keeps its socket below the
// limit's close), one bystander pings every 20 ms; returns the bystander's latencies in ms.
std::vector<double> bystanderLatency(Application &app, const QString &text, int seconds)
{
    const QUrl url(u"ws://localhost:%1/signal.ashx"_s.arg(app.httpPort()));
    QWebSocket attacker, bystander;
    int open = 0;
    QObject::connect(&attacker, &QWebSocket::connected, [&] { ++open; });
    QObject::connect(&bystander, &QWebSocket::connected, [&] { ++open; });
    attacker.open(url);
    bystander.open(url);
    QElapsedTimer wait;
    wait.start();
    while (open < 2 && wait.elapsed() < 5000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    std::vector<double> latencies;
    QElapsedTimer clock;
    clock.start();
    qint64 sentAt = -1;
    QObject::connect(&bystander, &QWebSocket::textMessageReceived, [&](const QString &m) {
        if (m.contains(u"pong"_s) && sentAt >= 0) {
            latencies.push_back(double(clock.nsecsElapsed() - sentAt) / 1e6);
            sentAt = -1;
        }
    });
    // The default limits: 50 frames a second after a burst of 500. The attacker sends its burst,
    // then 50 a second, each one a worst-shape frame the server must read and parse.
    int sent = 0;
    QTimer flood;
    flood.setInterval(20);
    QObject::connect(&flood, &QTimer::timeout, [&] {
        const int due = sent < 500 ? 50 : 1;
        for (int i = 0; i < due; ++i, ++sent)
            attacker.sendTextMessage(text);
    });
    QTimer ping;
    ping.setInterval(20);
    QObject::connect(&ping, &QTimer::timeout, [&] {
        if (sentAt < 0) {
            sentAt = clock.nsecsElapsed();
            bystander.sendTextMessage(u"{\"type\":\"ping\"}"_s);
        }
    });
    flood.start();
    ping.start();
    while (clock.elapsed() < seconds * 1000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    flood.stop();
    ping.stop();
    std::printf("    (attacker sent %d frames; closed: %s)\n", sent,
                attacker.state() == QAbstractSocket::ConnectedState ? "no" : "yes");
    attacker.abort();
    bystander.abort();
    return latencies;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication qapp(argc, argv);
    const int seconds = argc > 1 ? std::max(1, atoi(argv[1])) : 3;
    const QList<QPair<const char *, QString>> shapes{
        {"many keys (1 escaped)", manyKeys()},
        {"1023 long keys, dup", longKeys()},
        {"deep nesting", deepNesting()},
        {"long escaped string", longEscaped()},
    };
    parseTimes(shapes);

    QTemporaryDir dir;
    ServerConfig c;
    c.listenHost = u"127.0.0.1"_s;
    c.listenPort = 0;
    c.adminPort = 0;
    c.dataDir = dir.path();
    TenantConfig t;
    t.hosts = {u"localhost"_s};
    t.host = t.hosts.first();
    t.adminSecret = "admin";
    t.bridgeSecret = "bridge";
    c.tenants = {t};
    Application app(c);
    QString error;
    if (!app.start(&error)) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("bystander ping -> pong while one socket floods (%d s each, default limits):\n",
                seconds);
    {
        const auto idle = bystanderLatency(app, u"{\"type\":\"ping\"}"_s, 1);
        std::printf("  %-22s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%zu pongs)\n",
                    "baseline (pings)", percentile(idle, 0.5), percentile(idle, 0.99),
                    percentile(idle, 1.0), idle.size());
    }
    for (const auto &[name, text] : shapes) {
        const auto l = bystanderLatency(app, text, seconds);
        std::printf("  %-22s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%zu pongs)\n", name,
                    percentile(l, 0.5), percentile(l, 0.99), percentile(l, 1.0), l.size());
    }
    return 0;
}
