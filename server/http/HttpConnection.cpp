#include "http/HttpConnection.h"

#include "config/ServerConfig.h"
#include "http/ApiError.h"
#include "http/FrontDoor.h"
#include "http/HttpApi.h"
#include "http/RequestHead.h"

#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace {
bool headerHasToken(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &part : value.split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}
} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, FrontDoor &door)
    : QObject(&door), m_socket(socket), m_door(door)
{
    m_socket->setParent(this);
    m_idle.setSingleShot(true);
    m_idle.setInterval(std::chrono::seconds(m_door.config().httpIdleTimeoutSec));
    connect(&m_idle, &QTimer::timeout, this, &HttpConnection::finish);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    m_idle.start();
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void HttpConnection::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_idle.stop();
    m_socket->disconnect(this);
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->disconnectFromHost();
    deleteLater();
}

void HttpConnection::onReadyRead()
{
    while (!m_done && processOne()) { }
}

void HttpConnection::fail(const HttpResponse &response)
{
    respond(response, false, false);
}

QByteArray HttpResponse::serialize(bool keepAlive, bool headOnly) const
{
    QByteArray out;
    out.reserve(256 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!headOnly)
        out += body;
    return out;
}

void HttpConnection::respond(const HttpResponse &r, bool keepAlive, bool headOnly)
{
    m_socket->write(r.serialize(keepAlive, headOnly));
    if (!keepAlive) {
        m_done = true;
        m_idle.stop();
        m_socket->disconnect(this);
        m_socket->disconnectFromHost();
        connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
        // A peer that never reads must not keep us: give it a bounded time to take the answer.
        QTimer::singleShot(5000, this, &QObject::deleteLater);
    } else {
        m_idle.start();
    }
}

bool HttpConnection::processOne()
{
    const auto &limits = m_door.config().limits;
    if (m_bodyLength < 0) {
        const QByteArray peeked = m_socket->peek(limits.maxHeadBytes + 4);
        auto outcome = RequestHead::read(peeked, limits.maxHeadBytes);
        if (outcome.kind == RequestHead::Outcome::Kind::NeedMore)
            return false;
        if (outcome.kind == RequestHead::Outcome::Kind::TooLarge) {
            fail(ApiError{ApiErrorKind::HeadersTooLarge, u"The request head is too large."_s}
                     .toResponse());
            return false;
        }
        auto &parsed = outcome.parsed;
        if (!parsed) {
            fail(ApiError{ApiErrorKind::BadRequest, u"The request is malformed."_s}.toResponse());
            return false;
        }
        HttpRequest req = std::move(parsed->request);
        const bool http10 = parsed->http10;
        const QByteArray hostHeader = req.header("host");
        req.tls = m_door.config().tls.has_value();
        QList<QByteArray> forwardedFor;
        for (const auto &h : std::as_const(req.headers)) {
            if (h.first == "x-forwarded-for")
                forwardedFor.append(h.second);
        }
        req.clientAddress = m_door.effectiveClient(m_socket->peerAddress(), forwardedFor);
        // Behind a trusted proxy the connection counts for the client it carries.
        if (!FrontDoor::connectionTicket(m_socket)
            && !m_door.claimSlot(req.clientAddress, m_socket)) {
            fail(ApiError{ApiErrorKind::TooManyRequests,
                          u"Too many connections from this address."_s}
                     .toResponse());
            return false;
        }

        if (headerHasToken(req.header("upgrade"), "websocket")) {
            if (parsed->bareLf) {
                // QWebSocketServer reads the handshake itself and wants CRLF: refuse, never wait.
                fail(ApiError{ApiErrorKind::BadRequest, u"The request is malformed."_s}
                         .toResponse());
                return false;
            }
            if (req.path != "/signal.ashx") {
                fail(ApiError{ApiErrorKind::NotFound, u"No WebSocket here."_s}.toResponse());
                return false;
            }
            if (!m_door.originAllowed(req.header("origin"), hostHeader, req.host)) {
                fail(ApiError{ApiErrorKind::Forbidden, u"This origin may not connect."_s}
                         .toResponse());
                return false;
            }
            // Leave the head unread: QWebSocketServer reads the handshake itself.
            m_done = true;
            m_idle.stop();
            m_socket->disconnect(this);
            m_socket->setParent(nullptr);
            m_door.handOver(m_socket, UpgradeInfo{req.host, req.clientAddress, req.tls});
            deleteLater();
            return false;
        }
        m_socket->skip(outcome.consumed);
        if (req.hasHeader("transfer-encoding")) {
            fail(ApiError{ApiErrorKind::LengthRequired, u"Send the body with a Content-Length."_s}
                     .toResponse());
            return false;
        }
        const qint64 length = parsed->contentLength;
        if (length > limits.maxBodyBytes) {
            // Read no further: answer and close.
            fail(ApiError{ApiErrorKind::PayloadTooLarge, u"The request body is too large."_s}
                     .toResponse());
            return false;
        }
        if (length > 0 && req.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0)
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        const QByteArray connection = req.header("connection");
        if (http10 && !headerHasToken(connection, "keep-alive"))
            req.headers.append(qMakePair(QByteArray("connection"), QByteArray("close")));
        m_request = std::move(req);
        m_bodyLength = length;
    }
    if (m_socket->bytesAvailable() < m_bodyLength)
        return false;
    m_request.body = m_socket->read(m_bodyLength);
    m_bodyLength = -1;
    HttpRequest req = std::move(m_request);
    m_request = HttpRequest();
    const bool keepAlive = !headerHasToken(req.header("connection"), "close");
    const HttpResponse response = m_door.api().handle(req);
    respond(response, keepAlive, req.method == "HEAD");
    return !m_done;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}
