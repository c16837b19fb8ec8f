#include "telephony/Webhooks.h"

#include "JsonScanner.h"
#include "NameRules.h"
#include "Signing.h"
#include "signal/RoomRegistry.h"
#include "signal/Tenant.h"
#include "store/Store.h"
#include "telephony/RingDispatcher.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcHook, "switchboard.webhook", QtInfoMsg)

[[noreturn]] void badField(const QString &field)
{
    throw ApiError{ApiErrorKind::BadRequest, u"The body is not the documented JSON."_s, field};
}

// A JSON string field: absent or null → nullopt (when optional), another kind → 400.
std::optional<QString> stringField(const QJsonObject &o, const QString &key, bool required)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            badField(key);
        return std::nullopt;
    }
    if (!v.isString())
        badField(key);
    return v.toString();
}

bool isPrintableText(const QString &s, int maxLength)
{
    if (s.isEmpty() || s.size() > maxLength)
        return false;
    for (const QChar c : s) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return false;
    }
    return true;
}
} // namespace

void Webhooks::install(HttpApi &api)
{
    api.setAuthorizer(HttpApi::Access::Webhook, &Webhooks::authorize);
    api.addRoute({u"office-ring"_s,
                  {"POST"},
                  HttpApi::Access::Webhook,
                  &Webhooks::officeRing,
                  u"Bridge: an inbound call rings the office phones."_s});
    api.addRoute({u"office-ring-clear"_s,
                  {"POST"},
                  HttpApi::Access::Webhook,
                  &Webhooks::officeRingClear,
                  u"Bridge: an inbound call is no longer ringing."_s});
    api.addRoute({u"trunk-status"_s,
                  {"POST"},
                  HttpApi::Access::Webhook,
                  &Webhooks::trunkStatus,
                  u"Bridge: the registration state of its trunks."_s});
}

void Webhooks::authorize(HttpApi::Context &ctx)
{
    // X-Sig = hex HMAC-SHA256(bridgeSecret, "<flag>|<host>|<raw body>"), compared in constant time.
    const QByteArray sig = ctx.request.header("x-sig").trimmed();
    const QByteArray message
        = Signing::webhook(ctx.flag.toUtf8(), ctx.request.host.toUtf8(), ctx.request.body);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (sig.size() != 64 || !Signing::match(sig, ctx.tenant.config().bridgeSecrets(now), message)) {
        qCInfo(lcHook) << "webhook" << ctx.flag << "refused: bad signature";
        throw ApiError{ApiErrorKind::Unauthorized, u"Not authorised."_s};
    }
    ctx.actor = u"bridge"_s;
}

QJsonObject Webhooks::body(const HttpApi::Context &ctx)
{
    // The scanner refuses what QJsonDocument would quietly accept (duplicate keys).
    JsonScanner::Fields fields;
    const QString text = QString::fromUtf8(ctx.request.body);
    if (JsonScanner::scanObject(text, fields) != JsonScanner::Result::Ok)
        badField({});
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(ctx.request.body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        badField({});
    const QJsonObject o = doc.object();
    const QJsonValue time = o.value(u"time"_s);
    if (!time.isUndefined() && (!time.isDouble() || !std::isfinite(time.toDouble())))
        badField(u"time"_s);
    return o;
}

void Webhooks::checkTime(const QJsonObject &body)
{
    const QJsonValue time = body.value(u"time"_s);
    const double now = double(QDateTime::currentSecsSinceEpoch());
    if (time.isUndefined() || std::fabs(now - time.toDouble()) > double(Signing::windowSec))
        throw ApiError{ApiErrorKind::Unauthorized, u"Not authorised."_s};
}

HttpResponse Webhooks::officeRing(HttpApi::Context &ctx)
{
    const QJsonObject o = body(ctx);
    Ring::Call call;
    call.callId = *stringField(o, u"callId"_s, true);
    if (!NameRules::isCallId(call.callId))
        badField(u"callId"_s);
    call.from = *stringField(o, u"from"_s, true);
    if (!isPrintableText(call.from, 128))
        badField(u"from"_s);
    if (const auto name = stringField(o, u"fromName"_s, false); name && !name->isEmpty()) {
        const auto normalised = NameRules::normaliseDisplayName(*name);
        if (!normalised)
            badField(u"fromName"_s);
        call.fromName = *normalised;
    }
    call.to = *stringField(o, u"to"_s, true);
    if (call.to != u"*"_s && !NameRules::isExtension(call.to))
        badField(u"to"_s);
    if (const auto room = stringField(o, u"room"_s, false)) {
        if (!NameRules::isRoomId(*room) || *room == u"random"_s)
            badField(u"room"_s);
        call.room = *room;
    }
    checkTime(o);
    Tenant &tenant = ctx.tenant;
    if (call.room.isEmpty())
        call.room = RoomRegistry::mintId(u"call"_s);
    if (call.fromName.isEmpty()) {
        if (const auto alias = tenant.store().alias(tenant.config().host, call.from))
            call.fromName = alias->name;
    }
    const int delivered = tenant.rings().ring(call);
    return HttpApi::json(QJsonObject{{u"delivered"_s, delivered}});
}

HttpResponse Webhooks::officeRingClear(HttpApi::Context &ctx)
{
    const QJsonObject o = body(ctx);
    const QString callId = *stringField(o, u"callId"_s, true);
    if (!NameRules::isCallId(callId))
        badField(u"callId"_s);
    const QString reason = stringField(o, u"reason"_s, false).value_or(u"cleared"_s);
    checkTime(o);
    ctx.tenant.rings().clear(callId, reason); // unknown callIds are fine: the bridge may retry
    return HttpApi::json(QJsonObject{{u"ok"_s, true}});
}

HttpResponse Webhooks::trunkStatus(HttpApi::Context &ctx)
{
    const QJsonObject o = body(ctx);
    const QJsonValue trunks = o.value(u"trunks"_s);
    if (!trunks.isArray())
        badField(u"trunks"_s);
    QList<Tenant::TrunkState> report;
    for (const QJsonValue &v : trunks.toArray()) {
        const QJsonObject t = v.toObject();
        if (!v.isObject() || !t.value(u"id"_s).isString() || t.value(u"id"_s).toString().isEmpty()
            || !t.value(u"host"_s).isString() || !t.value(u"registered"_s).isBool())
            badField(u"trunks"_s);
        report.append({t.value(u"id"_s).toString(), t.value(u"host"_s).toString(),
                       t.value(u"registered"_s).toBool()});
    }
    checkTime(o);
    // An older report than the last one seen is ignored (the bridge may deliver out of order).
    ctx.tenant.setTrunkReport(report, qint64(o.value(u"time"_s).toDouble()));
    return HttpApi::json(QJsonObject{{u"ok"_s, true}});
}
