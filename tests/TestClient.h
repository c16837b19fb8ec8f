#pragma once

// A signaling client for tests: a QWebSocket that records every frame it receives as JSON.

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
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

class TestClient : public QObject {
public:
    explicit TestClient(QObject *parent = nullptr) : QObject(parent)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            raw.append(text);
            frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
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

    void send(const QString &text) { socket.sendTextMessage(text); }
    void send(const QJsonObject &obj)
    {
        socket.sendTextMessage(
            QString::fromUtf8(QJsonDocument(obj).toJson(QJsonDocument::Compact)));
    }

    // Waits for the next frame of `type` not yet taken and returns it (empty on timeout).
    QJsonObject waitFor(const QString &type, int timeoutMs = 5000)
    {
        QJsonObject found;
        const auto scan = [&] {
            for (qsizetype i = m_taken; i < frames.size(); ++i) {
                if (frames[i].value(QStringLiteral("type")).toString() == type) {
                    found = frames[i];
                    m_taken = i + 1;
                    return true;
                }
            }
            return false;
        };
        if (!QTest::qWaitFor(scan, timeoutMs))
            qWarning("TestClient: no %s frame arrived", qPrintable(type));
        return found;
    }
    bool hasFrame(const QString &type) const
    {
        for (const auto &f : frames) {
            if (f.value(QStringLiteral("type")).toString() == type)
                return true;
        }
        return false;
    }

    QJsonObject join(const QString &room, const QString &name)
    {
        send(QJsonObject{{QStringLiteral("type"), QStringLiteral("join")},
                         {QStringLiteral("room"), room},
                         {QStringLiteral("name"), name}});
        return waitFor(QStringLiteral("welcome"));
    }

    bool waitClosed(int timeoutMs = 5000)
    {
        if (socket.state() == QAbstractSocket::UnconnectedState)
            return true;
        QSignalSpy spy(&socket, &QWebSocket::disconnected);
        return spy.wait(timeoutMs) || socket.state() == QAbstractSocket::UnconnectedState;
    }

    QWebSocket socket;
    QList<QJsonObject> frames;
    QStringList raw;

private:
    qsizetype m_taken = 0;
};
