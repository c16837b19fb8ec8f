#pragma once

#include "http/HttpApi.h"

#include <QJsonObject>
#include <functional>

struct ServerConfig;
class Store;
class Tenant;

// The anonymous-safe GET flags of /signal.ashx (DESIGN.md "HTTP"): `healthsummary`,
// `vnum-overview` and `cameras`. HttpApi adds CORS, OPTIONS, 405 and the error mapping; these
// handlers only build the bodies, and never put in them a caller number, an IP address, a trunk
// hostname, a secret, a token, or a virtual number's text/startMs/maxSec/loop.
class PublicFlags {
public:
    // Whether this request may also see `internal` virtual numbers (the Application installs a
    // check for a valid OIDC Bearer); without one every request gets the anonymous rows only.
    using InternalVnumAccess = std::function<bool(const HttpRequest &, Tenant &)>;

    // `httpPort` is the front door's port (known once it listens), for publicBaseUrl's default.
    PublicFlags(Store &store, const ServerConfig &config, std::function<quint16()> httpPort);

    void registerRoutes(HttpApi &api);
    void setInternalVnumAccess(InternalVnumAccess check) { m_internalAccess = std::move(check); }

    QJsonObject healthSummary(Tenant &tenant) const;
    QJsonObject vnumOverview(Tenant &tenant, bool includeInternal) const;
    QJsonObject cameras(const Tenant &tenant) const;
    // `<publicBaseUrl>/room.html?room=random&dial=<number>&cam=off`, the number URL-encoded.
    QString dialUrl(const Tenant &tenant, const QString &number) const;
    // The tenant's publicBaseUrl, else `http(s)://<tenant host>:<listen port>`.
    QString publicBaseUrl(const Tenant &tenant) const;

private:
    Store &m_store;
    const ServerConfig &m_config;
    std::function<quint16()> m_httpPort;
    InternalVnumAccess m_internalAccess;
};
