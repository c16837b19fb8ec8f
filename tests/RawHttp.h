#pragma once

// The one raw HTTP/1.1 helper of the tests, driven by the event loop (the server runs in the
// test's thread): the request is written as given, the answer is parsed into status, headers and
// body. An interim `100 Continue` is skipped; a `101` answer is complete at its blank line.

#include "http/HttpMessage.h"

#include <QByteArray>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QTcpSocket>
#include <QTest>

struct RawResponse {
    int status = 0; // 0: no answer
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray head; // status line and headers, as received
    QByteArray body;
    QByteArray raw; // everything read (after any interim 100 answer)

    QByteArray header(QByteArrayView name) const // name lower-case
    {
        const QByteArray *value = findHeader(headers, name);
        return value ? *value : QByteArray();
    }
    bool hasHeader(QByteArrayView name) const { return findHeader(headers, name) != nullptr; }
    bool hasHeaderPrefix(QByteArrayView prefix) const // prefix lower-case
    {
        for (const auto &h : headers) {
            if (h.first.startsWith(prefix))
                return true;
        }
        return false;
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

inline RawResponse rawHttp(quint16 port, const QByteArray &request, int timeoutMs = 5000)
{
    RawResponse r;
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return s.state() == QAbstractSocket::ConnectedState; }, timeoutMs))
        return r;
    s.write(request);
    const bool head = request.startsWith("HEAD ");
    qsizetype headEnd = -1;
    qsizetype want = 0;
    const auto complete = [&] {
        r.raw += s.readAll();
        if (headEnd < 0 && r.raw.startsWith("HTTP/1.1 100 ")) {
            const qsizetype end = r.raw.indexOf("\r\n\r\n");
            if (end < 0)
                return false;
            r.raw = r.raw.mid(end + 4); // the interim answer: wait for the final one
        }
        if (headEnd < 0) {
            headEnd = r.raw.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return s.state() != QAbstractSocket::ConnectedState;
            const QList<QByteArray> lines = r.raw.left(headEnd).split('\n');
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    r.headers.append(
                        {line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
            }
            if (!head && !r.raw.startsWith("HTTP/1.1 101"))
                want = r.header("content-length").toLongLong();
        }
        return r.raw.size() >= headEnd + 4 + want || s.state() != QAbstractSocket::ConnectedState;
    };
    if (!QTest::qWaitFor(complete, timeoutMs))
        qWarning("rawHttp: no complete answer");
    if (!r.raw.startsWith("HTTP/1.") || headEnd < 0)
        return r;
    r.status = r.raw.mid(9, 3).toInt();
    r.head = r.raw.left(headEnd);
    r.body = r.raw.mid(headEnd + 4);
    return r;
}

// "<method> <target> HTTP/1.1" with Host and Connection: close, plus extra header lines.
inline QByteArray closingRequest(const QByteArray &method, const QByteArray &target,
                                 const QByteArray &host = "localhost",
                                 const QByteArray &extraHeaders = {})
{
    return method + ' ' + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
        + extraHeaders + "\r\n";
}

// "GET /signal.ashx?<query> HTTP/1.1" with Host and Connection: close, plus extra header lines.
inline QByteArray httpRequest(const QByteArray &method, const QByteArray &query,
                              const QByteArray &host, const QByteArray &extraHeaders = {})
{
    QByteArray target = "/signal.ashx";
    if (!query.isEmpty())
        target += '?' + query;
    return closingRequest(method, target, host, extraHeaders);
}

// A WebSocket upgrade of `target` on localhost (the RFC 6455 sample key), with extra header lines
// between Connection and the key.
inline QByteArray upgradeRequest(const QByteArray &target, const QByteArray &extraHeaders = {})
{
    return "GET " + target
        + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + extraHeaders
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}
