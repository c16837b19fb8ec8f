#pragma once

#include "http/HttpApi.h"

#include <QJsonObject>

// The SIP bridge's webhooks (DESIGN.md "Webhooks"): `POST ?office-ring`, `?office-ring-clear`
// and `?trunk-status`, and the authorizer that checks their `X-Sig`. HttpApi has already
// answered unknown Host 404, bridgeAllowFrom 403, method 405 and size 413; then come the
// signature (401), the body (400) and its `time` window (401), in that order.
class Webhooks {
public:
    // Adds the three routes and the Access::Webhook authorizer to `api`.
    static void install(HttpApi &api);

private:
    static void authorize(HttpApi::Context &ctx);
    static QJsonObject body(const HttpApi::Context &ctx);
    static void checkTime(const QJsonObject &body);
    static HttpResponse officeRing(HttpApi::Context &ctx);
    static HttpResponse officeRingClear(HttpApi::Context &ctx);
    static HttpResponse trunkStatus(HttpApi::Context &ctx);
};
