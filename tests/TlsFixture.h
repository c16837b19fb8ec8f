#pragma once

// Shared by tst_tls and tst_metrics: a throwaway PKI made with the openssl command line (a root
// CA, an intermediate, RSA and EC leaves for localhost/127.0.0.1), the real switchboard-server
// binary in a QProcess with its output kept, and an HTTPS client that reports the certificate
// it was shown.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>
#include <tuple>

namespace tlsfixture {
using namespace Qt::StringLiterals;

// Runs openssl with `args` in `dir`; true on exit code 0.
inline bool openssl(const QString &dir, const QStringList &args)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(u"openssl"_s, args);
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        qWarning("openssl %s: %s", qPrintable(args.join(u' ')), p.readAll().constData());
        return false;
    }
    return true;
}

inline QStringList keyArgs(bool ec)
{
    return ec ? QStringList{u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:prime256v1"_s}
              : QStringList{u"-newkey"_s, u"rsa:2048"_s};
}

// Makes `name`.key and `name`.crt in `dir`, signed by `issuer` (its .crt/.key), for
// localhost and 127.0.0.1; `ca` makes it an intermediate CA instead.
inline bool makeCert(const QString &dir, const QString &name, const QString &issuer, bool ec,
                     bool ca = false)
{
    QFile ext(QDir(dir).filePath(name + u".ext"_s));
    if (!ext.open(QIODevice::WriteOnly))
        return false;
    ext.write(ca ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                 : "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "extendedKeyUsage=serverAuth\n");
    ext.close();
    return openssl(dir,
                   QStringList{u"req"_s} + keyArgs(ec)
                       + QStringList{u"-nodes"_s, u"-keyout"_s, name + u".key"_s, u"-out"_s,
                                     name + u".csr"_s, u"-subj"_s, u"/CN="_s + name})
        && openssl(dir,
                   {u"x509"_s, u"-req"_s, u"-in"_s, name + u".csr"_s, u"-CA"_s, issuer + u".crt"_s,
                    u"-CAkey"_s, issuer + u".key"_s, u"-set_serial"_s,
                    QString::number(QDateTime::currentMSecsSinceEpoch()), u"-days"_s, u"2"_s,
                    u"-extfile"_s, name + u".ext"_s, u"-out"_s, name + u".crt"_s});
}

// A root CA "ca", an intermediate "inter"; leaves "rsa" and "ec" (by ca), "chained" (by inter,
// its .crt holding leaf then intermediate) and "ec2" (by ca, for reloads).
inline bool makePki(const QString &dir)
{
    if (!openssl(dir,
                 QStringList{u"req"_s, u"-x509"_s} + keyArgs(true)
                     + QStringList{u"-nodes"_s, u"-keyout"_s, u"ca.key"_s, u"-out"_s, u"ca.crt"_s,
                                   u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=Switchboard test CA"_s}))
        return false;
    if (!makeCert(dir, u"inter"_s, u"ca"_s, true, true) || !makeCert(dir, u"rsa"_s, u"ca"_s, false)
        || !makeCert(dir, u"ec"_s, u"ca"_s, true) || !makeCert(dir, u"ec2"_s, u"ca"_s, true)
        || !makeCert(dir, u"leaf"_s, u"inter"_s, false))
        return false;
    QFile leaf(QDir(dir).filePath(u"leaf.crt"_s)), inter(QDir(dir).filePath(u"inter.crt"_s));
    QFile chained(QDir(dir).filePath(u"chained.crt"_s));
    if (!leaf.open(QIODevice::ReadOnly) || !inter.open(QIODevice::ReadOnly)
        || !chained.open(QIODevice::WriteOnly))
        return false;
    chained.write(leaf.readAll() + inter.readAll());
    return QFile::copy(QDir(dir).filePath(u"leaf.key"_s), QDir(dir).filePath(u"chained.key"_s));
}

inline QSslCertificate certificate(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QSslCertificate();
    const auto list = QSslCertificate::fromData(f.readAll());
    return list.isEmpty() ? QSslCertificate() : list.first();
}

// Client side: trusts only `caFile` (the system store is not used).
inline QSslConfiguration trusting(const QString &caFile)
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setCaCertificates({certificate(caFile)});
    c.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return c;
}

// The real server with all its output kept in `out`.
struct Server {
    QProcess process;
    QByteArray out;

    ~Server() { stop(); }

    bool start(const QStringList &args)
    {
        process.setProgram(QStringLiteral(SWITCHBOARD_SERVER_BIN));
        process.setArguments(args);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start();
        return !waitFor(u"admin socket on wss?://[^:]+:(\\d+)"_s).isEmpty();
    }
    // Waits for a line matching `pattern` (from the start of the output) and returns its first
    // capture (or the whole match); empty on timeout or exit.
    QString waitFor(const QString &pattern, int timeoutMs = 10000)
    {
        const QRegularExpression re(pattern);
        QString found;
        std::ignore = QTest::qWaitFor(
            [&] {
                out += process.readAll();
                const auto m = re.match(QString::fromUtf8(out));
                if (m.hasMatch())
                    found = m.lastCapturedIndex() >= 1 ? m.captured(1) : m.captured(0);
                return !found.isEmpty() || process.state() == QProcess::NotRunning;
            },
            timeoutMs);
        if (found.isEmpty())
            qWarning("server output: %s", out.constData());
        return found;
    }
    quint16 port() { return quint16(waitFor(u"listening on https?://[^:]+:(\\d+)"_s).toUInt()); }
    quint16 adminPort()
    {
        return quint16(waitFor(u"admin socket on wss?://[^:]+:(\\d+)"_s).toUInt());
    }
    void stop()
    {
        if (process.state() == QProcess::NotRunning)
            return;
        process.terminate();
        if (!process.waitForFinished(10000))
            process.kill();
        process.waitForFinished(5000);
    }
};

struct HttpsAnswer {
    bool encrypted = false;
    QByteArray response; // status line, headers and body as received
    QSslCertificate peer; // the certificate the server presented
};

// Everything `s` receives until the server closes it (10 s at the most).
inline QByteArray readUntilClosed(QAbstractSocket &s)
{
    QByteArray got;
    std::ignore = QTest::qWaitFor(
        [&] {
            got += s.readAll();
            return s.state() == QAbstractSocket::UnconnectedState;
        },
        10000);
    return got + s.readAll();
}

// Writes `request` on a plain connection to `port`; all the server answers until it closes.
inline QByteArray plainExchange(quint16 port, const QByteArray &request)
{
    QTcpSocket t;
    t.connectToHost(QHostAddress::LocalHost, port);
    t.write(request);
    return readUntilClosed(t);
}

// One HTTP/1.1 request over TLS (Connection: close); waits for the server to close.
inline HttpsAnswer httpsGet(quint16 port, const QByteArray &path, const QSslConfiguration &ssl,
                            const QByteArray &host = "127.0.0.1")
{
    HttpsAnswer a;
    QSslSocket s;
    s.setSslConfiguration(ssl);
    s.connectToHostEncrypted(u"127.0.0.1"_s, port);
    if (!s.waitForEncrypted(10000)) {
        qWarning("no TLS handshake: %s", qPrintable(s.errorString()));
        return a;
    }
    a.encrypted = true;
    a.peer = s.peerCertificate();
    s.write("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    a.response = readUntilClosed(s);
    return a;
}
} // namespace tlsfixture
