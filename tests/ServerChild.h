#pragma once

// Shared by tst_lifecycle and tst_crashsafety: the real switchboard-server binary
// (SWITCHBOARD_SERVER_BIN) in a QProcess, for what only a process shows — signals, reload, exit
// codes, kill -9. It listens on 127.0.0.1:0 and prints the port it got.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTest>

namespace serverchild {
using namespace Qt::StringLiterals;

inline const QByteArray adminSecret = QByteArrayLiteral("a");
inline const QByteArray bridgeSecret = QByteArrayLiteral("b");

// Writes `dir`/config.json: one tenant for `hosts`, data directory `dir`, both listeners on
// ephemeral loopback ports. Returns the file's path, empty on failure.
inline QString writeConfig(const QString &dir, const QStringList &hosts)
{
    const QString path = QDir(dir).filePath(u"config.json"_s);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    const QString quoted = u"\""_s + hosts.join(u"\",\""_s) + u'"';
    f.write(
        u"{\"listen\":\"127.0.0.1:0\",\"adminListen\":\"127.0.0.1:0\",\"dataDir\":\"%1\","
        "\"tenants\":[{\"hosts\":[%2],\"adminSecret\":\"%3\",\"bridgeSecret\":\"%4\"}]}"_s
            .arg(dir, quoted, QString::fromLatin1(adminSecret), QString::fromLatin1(bridgeSecret))
            .toUtf8());
    return path;
}

// Starts the server and returns its HTTP port, 0 when it stopped or never said (its output is
// then printed). The process keeps running; its output stays readable from `p`.
inline quint16 start(QProcess &p, const QStringList &args, int timeoutMs = 10000)
{
    p.setProgram(QStringLiteral(SWITCHBOARD_SERVER_BIN));
    p.setArguments(args);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start();
    QByteArray out;
    quint16 port = 0;
    const QRegularExpression re(u"listening on https?://[^:]+:(\\d+)"_s);
    const bool ended = QTest::qWaitFor(
        [&] {
            out += p.readAll();
            const auto m = re.match(QString::fromUtf8(out));
            if (m.hasMatch())
                port = quint16(m.captured(1).toUInt());
            return port != 0 || p.state() == QProcess::NotRunning;
        },
        timeoutMs);
    if (port == 0 || !ended)
        qWarning("server output: %s", out.constData());
    return port;
}
} // namespace serverchild
