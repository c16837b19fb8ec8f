#include "http/HttpApi.h"

#include "config/BuildInfo.h"
#include "signal/Tenant.h"
#include "signal/TenantDirectory.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcHttp, "switchboard.http", QtInfoMsg)

QByteArray allowHeader(const QList<QByteArray> &methods)
{
    QList<QByteArray> all = methods;
    if (all.contains("GET") && !all.contains("HEAD"))
        all.append("HEAD");
    return all.join(", ");
}
} // namespace

std::optional<QString> HttpApi::Context::param(const QString &key) const
{
    for (const auto &p : params) {
        if (p.first == key)
            return p.second;
    }
    return std::nullopt;
}

HttpApi::HttpApi(const TenantDirectory &tenants) : m_tenants(tenants)
{
}

void HttpApi::addRoute(Route route)
{
    m_routes.append(std::move(route));
}

void HttpApi::setAuthorizer(Access access, Authorizer authorizer)
{
    if (access == Access::Webhook)
        m_webhookAuth = std::move(authorizer);
    else if (access == Access::Admin)
        m_adminAuth = std::move(authorizer);
}

HttpResponse HttpApi::json(const QJsonObject &body, int status)
{
    HttpResponse r;
    r.status = status;
    r.contentType = "application/json";
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    r.setHeader("Cache-Control", "no-store");
    return r;
}

QList<QPair<QString, QString>> HttpApi::parseQuery(const QByteArray &query)
{
    QList<QPair<QString, QString>> out;
    for (const QByteArray &part : query.split('&')) {
        if (part.isEmpty())
            continue;
        const qsizetype eq = part.indexOf('=');
        const QByteArray k = eq < 0 ? part : part.left(eq);
        const QByteArray v = eq < 0 ? QByteArray() : part.mid(eq + 1);
        // `+` is a literal plus here (E.164 numbers), so only %XX is decoded.
        out.append({QString::fromUtf8(QByteArray::fromPercentEncoding(k)),
                    QString::fromUtf8(QByteArray::fromPercentEncoding(v))});
    }
    return out;
}

HttpResponse HttpApi::handle(const HttpRequest &request) noexcept
{
    HttpResponse r = answer(request);
    ++m_answers[qMakePair(flagLabel(request), r.status)];
    return r;
}

QString HttpApi::flagLabel(const HttpRequest &request) const
{
    if (request.path != "/signal.ashx")
        return u"static"_s;
    if (request.query.isEmpty())
        return u"liveness"_s;
    const qsizetype end = request.query.indexOf('&');
    QByteArray first = end < 0 ? request.query : request.query.left(end);
    const qsizetype eq = first.indexOf('=');
    if (eq >= 0)
        first.truncate(eq);
    const QString flag = QString::fromUtf8(QByteArray::fromPercentEncoding(first));
    for (const Route &r : m_routes) {
        if (r.flag == flag)
            return flag; // a bounded set: only known flags become label values
    }
    return u"unknown"_s;
}

HttpResponse HttpApi::answer(const HttpRequest &request) noexcept
{
    try {
        return dispatch(request);
    } catch (const ApiError &e) {
        return e.toResponse();
    } catch (const std::exception &e) {
        qCWarning(lcHttp) << "internal error:" << e.what();
    } catch (...) {
        qCWarning(lcHttp) << "internal error";
    }
    return ApiError{ApiErrorKind::Internal, u"Internal error."_s}.toResponse();
}

HttpResponse HttpApi::dispatch(const HttpRequest &request)
{
    if (request.path == "/signal.ashx")
        return signalEndpoint(request);
    const bool read = request.method == "GET" || request.method == "HEAD";
    if (request.path == "/") {
        if (!read)
            throw ApiError{ApiErrorKind::MethodNotAllowed, u"Use GET."_s, {}, "GET, HEAD"};
        HttpResponse r;
        r.status = 302;
        r.setHeader("Location", "/status.html");
        return r;
    }
    auto file = m_static.serve(request);
    if (!file)
        throw ApiError{ApiErrorKind::NotFound, u"Not found."_s};
    if (!read)
        throw ApiError{ApiErrorKind::MethodNotAllowed, u"Use GET."_s, {}, "GET, HEAD"};
    return *file;
}

HttpResponse HttpApi::signalEndpoint(const HttpRequest &request)
{
    if (request.query.isEmpty()) {
        // Liveness probes: any Host.
        if (request.method != "GET" && request.method != "HEAD")
            throw ApiError{ApiErrorKind::MethodNotAllowed, u"Use GET."_s, {}, "GET, HEAD"};
        HttpResponse r;
        r.contentType = "text/plain; charset=utf-8";
        r.body = QByteArray("switchboard " SWITCHBOARD_VERSION " ") + buildinfo::stamp() + '\n';
        r.setHeader("Cache-Control", "no-store");
        return r;
    }
    Tenant *tenant = m_tenants.forHost(request.host);
    if (!tenant)
        throw ApiError{ApiErrorKind::NotFound, u"Unknown host."_s};
    auto params = parseQuery(request.query);
    if (params.isEmpty())
        throw ApiError{ApiErrorKind::BadRequest, u"Unknown flag."_s};
    const QString flag = params.takeFirst().first;
    const Route *route = nullptr;
    for (const Route &r : m_routes) {
        if (r.flag == flag)
            route = &r;
    }
    if (!route)
        throw ApiError{ApiErrorKind::BadRequest, u"Unknown flag."_s};
    for (const auto &p : std::as_const(params)) {
        for (const Route &r : m_routes) {
            if (r.flag == p.first && r.flag != flag)
                throw ApiError{ApiErrorKind::BadRequest, u"Contradictory flags."_s};
        }
    }
    const bool isPublic = route->access == Access::Public;
    if (isPublic && request.method == "OPTIONS") {
        HttpResponse r;
        r.status = 204;
        r.setHeader("Access-Control-Allow-Origin", "*");
        r.setHeader("Access-Control-Allow-Methods", allowHeader(route->methods) + ", OPTIONS");
        r.setHeader("Access-Control-Allow-Headers", "Authorization");
        r.setHeader("Access-Control-Max-Age", "600");
        return r;
    }
    if (route->access == Access::Webhook) {
        if (!tenant->config().bridgeAllowed(request.clientAddress)) {
            tenant->metrics().authFailed(TenantMetrics::Auth::Webhook);
            throw ApiError{ApiErrorKind::Forbidden, u"Not allowed from this address."_s};
        }
    }
    QByteArray method = request.method;
    if (method == "HEAD" && route->methods.contains("GET"))
        method = "GET";
    if (!route->methods.contains(method)) {
        QByteArray allow = allowHeader(route->methods);
        if (isPublic)
            allow += ", OPTIONS";
        throw ApiError{ApiErrorKind::MethodNotAllowed, u"Method not allowed."_s, {}, allow};
    }
    Context ctx{request, *tenant, flag, params, {}};
    if (route->access != Access::Public) {
        const Authorizer &auth = route->access == Access::Webhook ? m_webhookAuth : m_adminAuth;
        const auto kind = route->access == Access::Webhook ? TenantMetrics::Auth::Webhook
                                                           : TenantMetrics::Auth::AdminHttp;
        if (!auth) {
            tenant->metrics().authFailed(kind);
            throw ApiError{ApiErrorKind::Unauthorized, u"Not authorised."_s};
        }
        try {
            auth(ctx);
        } catch (const ApiError &) {
            tenant->metrics().authFailed(kind);
            throw;
        }
    }
    HttpResponse r = route->handler(ctx);
    if (isPublic)
        r.setHeader("Access-Control-Allow-Origin", "*");
    return r;
}
