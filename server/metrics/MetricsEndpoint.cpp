#include "metrics/MetricsEndpoint.h"

#include "config/BuildInfo.h"
#include "http/ApiError.h"
#include "http/RequestHead.h"

#include <QFile>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimer>
#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcMetrics, "switchboard.metrics", QtInfoMsg)

// One answer per connection, through the one serializer.
QByteArray serialise(const HttpResponse &r, bool headOnly)
{
    return r.serialize(false, headOnly);
}
} // namespace

MetricsEndpoint::MetricsEndpoint(QList<Cidr> allowFrom, QObject *parent)
    : QObject(parent), m_allowFrom(std::move(allowFrom)), m_lag(250, this)
{
}

qint64 MetricsEndpoint::residentBytes()
{
#ifdef Q_OS_LINUX
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * sysconf(_SC_PAGESIZE) : 0;
#else
    return 0; // not measured outside Linux (docs/metrics.md)
#endif
}

QByteArray MetricsEndpoint::render() const
{
    PromWriter out;
    out.family("switchboard_build_info", "gauge", "Version and build stamp of the running binary.");
    out.sample("switchboard_build_info",
               {{"version", QStringLiteral(SWITCHBOARD_VERSION)},
                {"stamp", QString::fromLatin1(buildinfo::stamp())}},
               1);
    out.family("switchboard_process_resident_memory_bytes", "gauge", "Resident memory (RSS).");
    out.sample("switchboard_process_resident_memory_bytes", double(residentBytes()));
    out.family("switchboard_eventloop_lag_seconds", "histogram",
               "How late a 250 ms event-loop timer fired.");
    m_lag.lag().write(out, "switchboard_eventloop_lag_seconds");
    for (const Collector &c : m_collectors)
        c(out);
    return out.text();
}

void MetricsEndpoint::serve(QTcpSocket *socket, const QByteArray &head)
{
    const auto parsed = RequestHead::parse(head);
    HttpResponse r;
    bool headOnly = false;
    bool allowed = false;
    for (const Cidr &c : std::as_const(m_allowFrom))
        allowed = allowed || c.contains(socket->peerAddress());
    if (!parsed) {
        r = ApiError{ApiErrorKind::BadRequest, u"The request is malformed."_s}.toResponse();
    } else if (parsed->request.path != "/metrics") {
        r = ApiError{ApiErrorKind::NotFound, u"Not found."_s}.toResponse();
    } else if (parsed->request.method != "GET" && parsed->request.method != "HEAD") {
        r = ApiError{ApiErrorKind::MethodNotAllowed, u"Use GET."_s, {}, "GET, HEAD"}.toResponse();
    } else if (!allowed) {
        qCInfo(lcMetrics) << "metrics refused to an address outside metrics.allowFrom";
        r = ApiError{ApiErrorKind::Forbidden, u"Not allowed from this address."_s}.toResponse();
    } else {
        headOnly = parsed->request.method == "HEAD";
        r.status = 200;
        r.contentType = PromWriter::contentType.toByteArray();
        r.body = render();
        r.setHeader("Cache-Control", "no-store");
    }
    socket->write(serialise(r, headOnly));
    socket->disconnectFromHost();
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(5000, socket, &QObject::deleteLater);
}
