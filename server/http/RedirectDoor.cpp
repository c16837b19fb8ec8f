#include "http/RedirectDoor.h"

#include "http/ApiError.h"
#include "http/HttpApi.h"
#include "http/RequestHead.h"

#include <QTcpSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
// One answer per connection, through the one serializer.
QByteArray serialise(const HttpResponse &r, bool headOnly)
{
    return r.serialize(false, headOnly);
}
} // namespace

RedirectDoor::RedirectDoor(const ServerConfig &config, quint16 httpsPort, HttpApi &api,
                           QObject *parent)
    : QTcpServer(parent), m_config(config), m_httpsPort(httpsPort), m_api(api)
{
}

QByteArray RedirectDoor::answer(const QByteArray &head)
{
    const auto parsed = RequestHead::parse(head);
    if (!parsed)
        return serialise(
            ApiError{ApiErrorKind::BadRequest, u"The request is malformed."_s}.toResponse(), false);
    const HttpRequest &req = parsed->request;
    const bool headOnly = req.method == "HEAD";
    if (req.path == "/signal.ashx" && req.query.isEmpty() && (req.method == "GET" || headOnly))
        return serialise(m_api.handle(req), headOnly); // liveness, as on the public port
    if (req.host.isEmpty())
        return serialise(ApiError{ApiErrorKind::BadRequest, u"Send a Host header."_s}.toResponse(),
                         false);
    QByteArray host = req.host.toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    QByteArray location = "https://" + host;
    if (m_httpsPort != 443)
        location += ':' + QByteArray::number(m_httpsPort);
    location += req.path.startsWith('/') ? req.path : QByteArray("/");
    if (!req.query.isEmpty())
        location += '?' + req.query;
    HttpResponse r;
    r.status = 308;
    r.contentType = "application/json";
    r.body = "{\"error\":\"use-https\",\"message\":\"This server speaks https.\"}";
    r.setHeader("Location", location);
    return serialise(r, headOnly);
}

void RedirectDoor::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    const QHostAddress peer = socket->peerAddress();
    const int count = ++m_perIp[peer];
    connect(socket, &QObject::destroyed, this, [this, peer] {
        auto it = m_perIp.find(peer);
        if (it != m_perIp.end() && --it.value() <= 0)
            m_perIp.erase(it);
    });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    // Bounded: whatever the client does, the socket is gone after the idle timeout.
    QTimer::singleShot(std::chrono::seconds(m_config.httpIdleTimeoutSec), socket,
                       &QObject::deleteLater);
    if (count > m_config.limits.maxConnectionsPerIp) {
        reply(socket,
              serialise(ApiError{ApiErrorKind::TooManyRequests,
                                 u"Too many connections from this address."_s}
                            .toResponse(),
                        false));
        return;
    }
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
}

void RedirectDoor::onReadyRead(QTcpSocket *socket)
{
    const qint64 max = m_config.limits.maxHeadBytes;
    const QByteArray peeked = socket->peek(max + 4);
    const qsizetype end = peeked.indexOf("\r\n\r\n");
    if (end < 0 || end + 4 > max) {
        if (peeked.size() > max)
            reply(socket,
                  serialise(
                      ApiError{ApiErrorKind::HeadersTooLarge, u"The request head is too large."_s}
                          .toResponse(),
                      false));
        return;
    }
    socket->disconnect(this);
    reply(socket, answer(peeked.left(end)));
}

void RedirectDoor::reply(QTcpSocket *socket, const QByteArray &response)
{
    socket->write(response);
    socket->disconnectFromHost();
}
