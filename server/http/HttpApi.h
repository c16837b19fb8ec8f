#pragma once

#include "http/ApiError.h"
#include "http/HttpMessage.h"
#include "http/StaticFiles.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <functional>

class Tenant;
class TenantDirectory;

// Answers every plain HTTP request: the flags of /signal.ashx through a route table, the
// bundled pages, and errors through ApiError in one place.
class HttpApi {
public:
    enum class Access { Public, Webhook, Admin };

    struct Context {
        const HttpRequest &request;
        Tenant &tenant;
        QString flag;
        QList<QPair<QString, QString>> params; // the query keys after the flag, decoded
        QString actor; // who passed admin auth (for the admin log)

        std::optional<QString> param(const QString &key) const;
    };
    using Handler = std::function<HttpResponse(Context &)>;
    // Throws ApiError when the request may not use a route of this access.
    using Authorizer = std::function<void(Context &)>;

    struct Route {
        QString flag;
        QList<QByteArray> methods; // GET implies HEAD
        Access access;
        Handler handler;
        QString summary; // one line for ?apidoc
    };

    explicit HttpApi(const TenantDirectory &tenants);

    void addRoute(Route route);
    void setAuthorizer(Access access, Authorizer authorizer);
    const QList<Route> &routes() const { return m_routes; }

    HttpResponse handle(const HttpRequest &request) noexcept;

    static HttpResponse json(const QJsonObject &body, int status = 200);
    // Splits a raw query: `+` stays a literal plus, %XX is decoded.
    static QList<QPair<QString, QString>> parseQuery(const QByteArray &query);

private:
    HttpResponse dispatch(const HttpRequest &request);
    HttpResponse signalEndpoint(const HttpRequest &request);

    const TenantDirectory &m_tenants;
    QList<Route> m_routes;
    Authorizer m_webhookAuth;
    Authorizer m_adminAuth;
    StaticFiles m_static;
};
