#include "auth/AdminAuth.h"

#include "Signing.h"
#include "auth/OidcVerifier.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QDateTime>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcAdmin, "switchboard.admin", QtInfoMsg)

// `<digits>[.<digits>]` -> milliseconds since the epoch; nullopt otherwise.
std::optional<qint64> parseAdminTime(QByteArrayView text)
{
    const qsizetype dot = text.indexOf('.');
    const QByteArrayView whole = dot < 0 ? text : text.first(dot);
    const QByteArrayView fraction = dot < 0 ? QByteArrayView() : text.sliced(dot + 1);
    if (whole.isEmpty() || whole.size() > 12
        || (dot >= 0 && (fraction.isEmpty() || fraction.size() > 9)))
        return std::nullopt;
    qint64 seconds = 0;
    for (char c : whole) {
        if (c < '0' || c > '9')
            return std::nullopt;
        seconds = seconds * 10 + (c - '0');
    }
    qint64 ms = 0;
    for (qsizetype i = 0; i < fraction.size(); ++i) {
        const char c = fraction[i];
        if (c < '0' || c > '9')
            return std::nullopt;
        if (i < 3)
            ms = ms * 10 + (c - '0');
    }
    for (qsizetype i = fraction.size(); i < 3; ++i)
        ms *= 10;
    return seconds * 1000 + ms;
}

[[noreturn]] void refuse()
{
    // One answer for every failure: which part was wrong stays in the debug log.
    throw ApiError{ApiErrorKind::Unauthorized, u"Not authorised."_s};
}
} // namespace

std::optional<OidcIdentity> AdminAuth::bearerIdentity(const HttpRequest &request, Tenant &tenant)
{
    const QByteArray header = request.header("authorization").trimmed();
    if (header.size() < 8 || header.left(7).toLower() != "bearer ")
        return std::nullopt;
    OidcVerifier *verifier = tenant.oidc();
    if (!verifier)
        return std::nullopt;
    return verifier->verify(header.mid(7).trimmed());
}

void AdminAuth::forgetExpired(qint64 nowMs)
{
    while (!m_byExpiry.isEmpty() && m_byExpiry.firstKey() < nowMs) {
        m_seen.remove(m_byExpiry.first());
        m_byExpiry.erase(m_byExpiry.begin());
    }
}

AdminAuth::Check AdminAuth::checkSignature(const HttpRequest &request, const Tenant &tenant,
                                           qint64 nowMs)
{
    const QByteArray time = request.header("x-admin-time");
    const QByteArray sig = request.header("x-admin-sig");
    const QByteArray host = request.host.toUtf8();
    const auto match = Signing::match(
        sig, tenant.config().adminSecrets(nowMs / 1000),
        Signing::adminRequest(request.method, request.query, host, time, request.body));
    if (!match) {
        qCDebug(lcAdmin) << "admin signature refused: mismatch";
        return Check::Refused;
    }
    const auto at = parseAdminTime(time);
    if (!at || !Signing::withinWindowMs(nowMs, *at)) {
        qCDebug(lcAdmin) << "admin signature refused: time outside the window";
        return Check::Refused;
    }
    forgetExpired(nowMs);
    const QByteArray key = host + '\0' + *match;
    if (m_seen.contains(key)) {
        qCInfo(lcAdmin) << "admin signature refused: replayed";
        return Check::Refused;
    }
    if (m_seen.size() >= m_capacity) {
        qCWarning(lcAdmin) << "admin replay cache full: refusing signed requests for now";
        return Check::Refused;
    }
    // Past this instant the time check alone refuses it, so it need not be kept longer.
    const qint64 expiry = *at + Signing::windowMs + 1;
    // Kept in the store too, so a restart does not reopen the window (DESIGN.md "Limits").
    if (!tenant.store().rememberOnce(u"admin"_s, key, expiry)) {
        qCInfo(lcAdmin) << "admin signature refused: replayed across a restart";
        return Check::Refused;
    }
    m_seen.insert(key, expiry);
    m_byExpiry.insert(expiry, key);
    return Check::Ok;
}

void AdminAuth::authorize(HttpApi::Context &ctx)
{
    const HttpRequest &request = ctx.request;
    if (request.hasHeader("x-admin-sig") || request.hasHeader("x-admin-time")) {
        if (checkSignature(request, ctx.tenant, QDateTime::currentMSecsSinceEpoch()) != Check::Ok)
            refuse();
        ctx.actor = u"admin-secret"_s;
        return;
    }
    if (request.hasHeader("authorization")) {
        const auto identity = bearerIdentity(request, ctx.tenant);
        if (!identity || !ctx.tenant.oidc()->hasAdminRights(*identity)) {
            qCDebug(lcAdmin) << "admin bearer refused";
            refuse();
        }
        ctx.actor = u"oidc:"_s + identity->name;
        return;
    }
    refuse();
}
