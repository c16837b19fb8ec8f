#pragma once

#include "http/HttpApi.h"

#include <QByteArray>
#include <QHash>
#include <QMultiMap>
#include <optional>

struct OidcIdentity;
class Tenant;

// Who may use the admin flags (DESIGN.md "Admin requests"): either
//  - X-Admin-Time (unix seconds, optionally with a fraction, signed as sent) and X-Admin-Sig,
//    hex HMAC-SHA256 over `<METHOD> <raw query>|<host>|<time>|<raw body>` with the tenant's
//    admin secret, time within ±300 s, each signature accepted once; or
//  - Authorization: Bearer <ID token> whose groups claim holds one of the tenant's adminGroups.
// Anything else is 401 with one message that never says which part failed.
class AdminAuth {
public:
    // Bounded: when full of live signatures, new signed requests are refused (fail closed)
    // rather than forgetting a signature that could then be replayed.
    static constexpr qsizetype maxRemembered = 100000;

    explicit AdminAuth(qsizetype capacity = maxRemembered) : m_capacity(capacity) { }

    // The HttpApi authorizer: sets ctx.actor, or throws ApiError Unauthorized.
    void authorize(HttpApi::Context &ctx);

    // `Authorization: Bearer <token>` verified against the tenant's issuer (any valid token, admin
    // rights or not); nullopt when absent or invalid. Used for vnum-overview's internal rows too.
    static std::optional<OidcIdentity> bearerIdentity(const HttpRequest &request, Tenant &tenant);

    qsizetype rememberedCount() const { return m_seen.size(); }

private:
    enum class Check { Ok, Refused };
    Check checkSignature(const HttpRequest &request, const Tenant &tenant, qint64 nowMs);
    void forgetExpired(qint64 nowMs);

    qsizetype m_capacity;
    QHash<QByteArray, qint64> m_seen; // tenant host + raw MAC -> when it leaves the window (ms)
    QMultiMap<qint64, QByteArray> m_byExpiry;
};
