#pragma once

// The one test-server fixture of the in-process tests: a ServerConfig for tests (loopback, the
// HTTP listener and the admin socket on ephemeral ports, the store in a given directory) and
// tenants built the same way, whether the test writes the config in code or as JSON.

#include "app/Application.h"
#include "config/ServerConfig.h"

#include <QByteArray>
#include <QDebug>
#include <QString>
#include <memory>
#include <optional>

namespace testserver {
using namespace Qt::StringLiterals;

// 127.0.0.1 on ephemeral HTTP and admin ports, the store in `dataDir`, no tenants yet.
inline ServerConfig config(const QString &dataDir)
{
    ServerConfig c;
    c.listenHost = u"127.0.0.1"_s;
    c.listenPort = 0;
    c.adminHost = u"127.0.0.1"_s;
    c.adminPort = 0;
    c.dataDir = dataDir;
    return c;
}

// A tenant for `hosts` (the first is canonical) that accepts the bridge from loopback.
inline TenantConfig tenant(const QStringList &hosts, const QByteArray &adminSecret,
                           const QByteArray &bridgeSecret)
{
    TenantConfig t;
    t.hosts = hosts;
    t.host = hosts.first();
    t.adminSecret = adminSecret;
    t.bridgeSecret = bridgeSecret;
    t.bridgeAllowFrom
        = {*ServerConfig::parseCidr(u"127.0.0.0/8"_s), *ServerConfig::parseCidr(u"::1/128"_s)};
    return t;
}

// A JSON config parsed as the server parses its file (so defaults apply as in production), then
// moved onto ephemeral loopback ports and `dataDir`. nullopt (with a warning) when it is invalid.
inline std::optional<ServerConfig> fromJson(const QByteArray &json, const QString &dataDir)
{
    QString error;
    auto c = ServerConfig::parse(json, &error);
    if (!c) {
        qWarning() << "test config:" << error;
        return c;
    }
    c->listenHost = u"127.0.0.1"_s;
    c->listenPort = 0;
    c->adminHost = u"127.0.0.1"_s;
    c->adminPort = 0;
    c->dataDir = dataDir;
    return c;
}

// An Application on `config`, started and listening; nullptr (with the start error as a warning)
// when it does not start.
inline std::unique_ptr<Application> start(const ServerConfig &config)
{
    auto app = std::make_unique<Application>(config);
    QString error;
    if (!app->start(&error) || app->httpPort() == 0) {
        qWarning() << "test server did not start:" << error;
        return nullptr;
    }
    return app;
}

// Starts `app` and opens each of `clients` (TestClient or alike) on its HTTP port; false when the
// server does not start or a client does not connect.
template <typename App, typename... Clients> bool startAndOpen(App &app, Clients &...clients)
{
    return app.start() && (clients.open(app.httpPort()) && ...);
}
} // namespace testserver
