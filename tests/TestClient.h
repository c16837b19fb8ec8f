#pragma once

#include "Signing.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

// A masked client text frame, for raw-socket tests that must control reading themselves.
inline QByteArray maskedTextFrame(const QByteArray &payload)
{
    QByteArray f;
    f.append(char(0x81));
    const quint8 mask[4] = {1, 2, 3, 4};
    if (payload.size() < 126) {
        f.append(char(0x80 | payload.size()));
    } else {
        f.append(char(0x80 | 126));
        f.append(char(payload.size() >> 8));
        f.append(char(payload.size() & 0xff));
    }
    f.append(reinterpret_cast<const char *>(mask), 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

// Opens a raw WebSocket (handshake only) on `socket`; true once the server answered 101.
inline bool rawWebSocketOpen(QTcpSocket &socket, quint16 port)
{
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000))
        return false;
    socket.write(
        "GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: "
        "Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QByteArray head;
    return QTest::qWaitFor(
        [&] {
            while (socket.bytesAvailable() && !head.endsWith("\r\n\r\n"))
                head += socket.read(1);
            return head.endsWith("\r\n\r\n") && head.startsWith("HTTP/1.1 101");
        },
        5000);
}

// One WebSocket test client for every test (DESIGN.md "Wire protocol"): it keeps every frame it
// receives, in order. waitFor() reads on like a stream (the next frame of a type after the last one
// it returned); take() takes the first frame of a type not taken yet, wherever it stands, so a
// test can collect frames in any order and count() what is left. The telephony flows (register,
// bridge-hello, a bridge ticket) are here too, so that no test keeps a client of its own.
class TestClient : public QObject {
public:
    explicit TestClient(QObject *parent = nullptr) : QObject(parent)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            raw.append(text);
            frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
            m_used.append(false);
        });
        connect(&socket, &QWebSocket::disconnected, this, [this] { m_closed = true; });
    }
    // Starts opening ws://host:port/signal.ashx at once; waitConnected() waits for it.
    explicit TestClient(quint16 port, const QString &host = QStringLiteral("127.0.0.1"))
        : TestClient()
    {
        socket.open(QUrl(QStringLiteral("ws://%1:%2/signal.ashx").arg(host).arg(port)));
    }

    bool open(quint16 port, const QByteArray &host = "localhost", const QByteArray &origin = {})
    {
        // The URL's host is the Host header (QWebSocket would send a second one if set by hand).
        QNetworkRequest req(QUrl(
            QStringLiteral("ws://%1:%2/signal.ashx").arg(QString::fromLatin1(host)).arg(port)));
        if (!origin.isEmpty())
            req.setRawHeader("Origin", origin);
        QSignalSpy connected(&socket, &QWebSocket::connected);
        socket.open(req);
        return connected.wait(5000);
    }
    bool isConnected() const { return socket.state() == QAbstractSocket::ConnectedState; }
    bool waitConnected(int timeoutMs = 10000)
    {
        return QTest::qWaitFor([this] { return isConnected(); }, timeoutMs);
    }

    void send(const QString &text) { socket.sendTextMessage(text); }
    void send(const QJsonObject &obj)
    {
        socket.sendTextMessage(
            QString::fromUtf8(QJsonDocument(obj).toJson(QJsonDocument::Compact)));
    }

    // Waits for the next frame of `type` after the last one waitFor() returned, takes it and
    // returns it (empty on timeout).
    QJsonObject waitFor(const QString &type, int timeoutMs = 5000)
    {
        QJsonObject found;
        const auto scan = [&] {
            for (qsizetype i = m_next; i < frames.size(); ++i) {
                if (!m_used[i] && typeOf(i) == type) {
                    found = use(i);
                    m_next = i + 1;
                    return true;
                }
            }
            return false;
        };
        if (!QTest::qWaitFor(scan, timeoutMs))
            qWarning("TestClient: no %s frame arrived", qPrintable(type));
        return found;
    }
    // Takes the first frame of this type not taken yet; an empty object when none came in time.
    QJsonObject take(const QString &type, int timeoutMs = 10000)
    {
        return takeAny({type}, timeoutMs);
    }
    // Takes the first frame of any of these types.
    QJsonObject takeAny(const QStringList &types, int timeoutMs = 10000)
    {
        QJsonObject found;
        [[maybe_unused]] const bool came = QTest::qWaitFor(
            [&] {
                for (qsizetype i = 0; i < frames.size(); ++i) {
                    if (!m_used[i] && types.contains(typeOf(i))) {
                        found = use(i);
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
        return found;
    }
    // Every frame sent before a pong has arrived once the pong is here.
    bool barrier()
    {
        send(QJsonObject{{QStringLiteral("type"), QStringLiteral("ping")}});
        return !take(QStringLiteral("pong")).isEmpty();
    }
    // The frames of this type not taken yet.
    int count(const QString &type) const
    {
        int n = 0;
        for (qsizetype i = 0; i < frames.size(); ++i)
            n += !m_used[i] && typeOf(i) == type;
        return n;
    }
    // Any frame of this type, taken or not.
    bool hasFrame(const QString &type) const
    {
        for (qsizetype i = 0; i < frames.size(); ++i) {
            if (typeOf(i) == type)
                return true;
        }
        return false;
    }

    QJsonObject join(const QString &room, const QString &name = QStringLiteral("Tester"),
                     const QJsonObject &extra = {})
    {
        QJsonObject f{{QStringLiteral("type"), QStringLiteral("join")},
                      {QStringLiteral("room"), room},
                      {QStringLiteral("name"), name}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            f.insert(it.key(), it.value());
        send(f);
        return waitFor(QStringLiteral("welcome"));
    }
    // Registers as an office phone (DESIGN.md "Office phones and rings").
    QJsonObject registerPhone(const QString &extension, const QString &key)
    {
        send(QJsonObject{{QStringLiteral("type"), QStringLiteral("register")},
                         {QStringLiteral("extension"), extension},
                         {QStringLiteral("officeKey"), key}});
        return take(QStringLiteral("registered"));
    }
    // Each hello signature is accepted once, and a signature covers only the second: tests that
    // open several sessions within one second step back a second each time (inside the window).
    static qint64 freshHelloTime()
    {
        static QSet<qint64> s_used;
        qint64 t = QDateTime::currentSecsSinceEpoch();
        while (s_used.contains(t))
            --t;
        s_used.insert(t);
        return t;
    }
    // Opens the bridge session (DESIGN.md "The SIP bridge"); the answer is bridge-welcome, or
    // the error that refused the hello.
    QJsonObject bridgeHello(const QByteArray &host, QByteArrayView secret,
                            qint64 time = freshHelloTime())
    {
        const QByteArray sig = Signing::sign(secret, Signing::bridgeHello(host, time));
        send(QJsonObject{{QStringLiteral("type"), QStringLiteral("bridge-hello")},
                         {QStringLiteral("time"), time},
                         {QStringLiteral("sig"), QString::fromLatin1(sig)}});
        return takeAny({QStringLiteral("bridge-welcome"), QStringLiteral("error")});
    }
    // Joins as the bridge's peer of a call room (kind `bridge`).
    QJsonObject joinAsBridge(const QString &room, const QByteArray &host, QByteArrayView secret)
    {
        const qint64 t = QDateTime::currentSecsSinceEpoch();
        const QByteArray sig = Signing::sign(secret, Signing::bridgeTicket(host, room.toUtf8(), t));
        return join(room, QStringLiteral("Caller"),
                    {{QStringLiteral("bridgeTicket"),
                      QJsonObject{{QStringLiteral("time"), t},
                                  {QStringLiteral("sig"), QString::fromLatin1(sig)}}}});
    }

    bool waitClosed(int timeoutMs = 10000)
    {
        return QTest::qWaitFor(
            [this] { return m_closed || socket.state() == QAbstractSocket::UnconnectedState; },
            timeoutMs);
    }
    bool isClosed() const { return m_closed; }
    int closeCode() const { return int(socket.closeCode()); }

    QWebSocket socket;
    QList<QJsonObject> frames;
    QStringList raw;

private:
    QString typeOf(qsizetype i) const { return frames[i].value(QStringLiteral("type")).toString(); }
    QJsonObject use(qsizetype i)
    {
        m_used[i] = true;
        return frames[i];
    }

    QList<bool> m_used; // per frame: returned by waitFor() or take()
    qsizetype m_next = 0; // where waitFor() reads on
    bool m_closed = false;
};
