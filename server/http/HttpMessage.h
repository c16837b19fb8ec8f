#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

// The value of the first header called `name` (lower-case) in a list with lower-cased names, or
// nullptr; the one lookup of the request parser and of the tests' raw HTTP client.
inline const QByteArray *findHeader(const QList<QPair<QByteArray, QByteArray>> &headers,
                                    QByteArrayView name)
{
    for (const auto &h : headers) {
        if (h.first == name)
            return &h.second;
    }
    return nullptr;
}

// A parsed HTTP/1.1 request as the front door hands it to HttpApi.
struct HttpRequest {
    QByteArray method;
    QByteArray target; // as sent
    QByteArray path; // target without the query, not decoded
    QByteArray query; // raw text after '?', without it
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    QHostAddress clientAddress; // after trustedProxies
    QString host; // normalised Host (lower-case, no port, no trailing dot)
    bool tls = false;

    QByteArray header(QByteArrayView name) const // name lower-case
    {
        const QByteArray *value = findHeader(headers, name);
        return value ? *value : QByteArray();
    }
    bool hasHeader(QByteArrayView name) const { return findHeader(headers, name) != nullptr; }
};

struct HttpResponse {
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    HttpResponse &setHeader(const QByteArray &name, const QByteArray &value)
    {
        headers.append({name, value});
        return *this;
    }
    static QByteArray reasonPhrase(int status);
    // The bytes on the wire: the one place that writes a status line, the headers and a
    // Content-Length that is the body's size (DESIGN.md "Limits": every answer carries its body).
    QByteArray serialize(bool keepAlive, bool headOnly) const;
};
