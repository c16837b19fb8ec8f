#include "admin/AdminApi.h"

#include "JsonScanner.h"
#include "Signing.h"
#include "admin/AdminEdits.h"
#include "admin/ServerCounters.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>

#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcAdmin, "switchboard.admin", QtInfoMsg)

[[noreturn]] void badField(const QString &field, const QString &message)
{
    throw ApiError{ApiErrorKind::BadRequest, message, field};
}

// The request body as a JSON object: duplicate keys and non-objects are 400.
QJsonObject bodyObject(const HttpRequest &request)
{
    const QString text = QString::fromUtf8(request.body);
    JsonScanner::Fields fields;
    const auto scanned = JsonScanner::scanObject(text, fields);
    if (scanned == JsonScanner::Result::DuplicateKey)
        throw ApiError{ApiErrorKind::BadRequest, u"The body has a duplicate key."_s};
    if (scanned != JsonScanner::Result::Ok)
        throw ApiError{ApiErrorKind::BadRequest, u"The body must be a JSON object."_s};
    return QJsonDocument::fromJson(request.body).object();
}

QString queryNumber(const HttpApi::Context &ctx)
{
    const auto n = ctx.param(u"number"_s);
    if (!n || !AdminEdits::isDialable(*n))
        badField(u"number"_s, u"Expected &number= with an extension or an E.164 number."_s);
    return *n;
}

// One list flag (DESIGN.md "Admin requests"): GET lists, DELETE &number=N deletes, POST creates
// (201) and PUT updates from a JSON body; validation and storage are AdminEdits'.
template <typename Entry> struct ListFlag {
    AdminEdits::List list;
    QString key; // the list's key in the GET answer
    const char *what; // for the admin log
    QList<Entry> (Store::*entries)(const QString &tenant) const;
    Entry (AdminEdits::*save)(const QString &tenant, const QJsonObject &data, bool create);
};

template <typename Entry>
HttpResponse serveList(HttpApi::Context &ctx, Store &store, AdminEdits &edits,
                       const ListFlag<Entry> &flag)
{
    const QString tenant = ctx.tenant.config().host;
    const QByteArray method = ctx.request.method;
    if (method == "GET" || method == "HEAD") {
        qCInfo(lcAdmin).noquote() << ctx.actor << "listed the" << flag.what << "entries of"
                                  << tenant;
        QJsonArray out;
        for (const Entry &e : (store.*flag.entries)(tenant))
            out.append(AdminEdits::toJson(e));
        return HttpApi::json(QJsonObject{{flag.key, out}});
    }
    if (method == "DELETE") {
        const QString number = queryNumber(ctx);
        qCInfo(lcAdmin).noquote() << ctx.actor << "deletes a" << flag.what << "entry of" << tenant;
        qCDebug(lcAdmin) << flag.what << number;
        edits.remove(flag.list, tenant, number);
        return HttpApi::json(QJsonObject{{u"ok"_s, true}});
    }
    const QJsonObject body = bodyObject(ctx.request);
    const bool create = method == "POST";
    qCInfo(lcAdmin).noquote() << ctx.actor << (create ? "creates" : "updates") << "a" << flag.what
                              << "entry of" << tenant;
    const Entry e = (edits.*flag.save)(tenant, body, create);
    qCDebug(lcAdmin) << flag.what << e.number;
    return HttpApi::json(AdminEdits::toJson(e), create ? 201 : 200);
}

std::optional<QDateTime> timeParam(const HttpApi::Context &ctx, const QString &key)
{
    const auto text = ctx.param(key);
    if (!text)
        return std::nullopt;
    bool isNumber = false;
    const qint64 seconds = text->toLongLong(&isNumber);
    QDateTime t;
    if (isNumber && seconds >= 0)
        t = QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC);
    else if (!isNumber)
        t = QDateTime::fromString(*text, Qt::ISODateWithMs);
    if (!t.isValid())
        badField(key, u"Expected RFC 3339 or unix seconds."_s);
    return t.toUTC();
}

LogQuery logQuery(const HttpApi::Context &ctx)
{
    LogQuery q;
    if (const auto limit = ctx.param(u"limit"_s)) {
        bool ok = false;
        q.limit = limit->toInt(&ok);
        if (!ok || q.limit < 1 || q.limit > 1000)
            badField(u"limit"_s, u"Expected an integer from 1 to 1000."_s);
    }
    if (const auto before = ctx.param(u"before"_s)) {
        bool ok = false;
        q.before = before->toLongLong(&ok);
        if (!ok || q.before < 1)
            badField(u"before"_s, u"Expected a row id."_s);
    }
    if (const auto from = timeParam(ctx, u"from"_s))
        q.from = *from;
    if (const auto to = timeParam(ctx, u"to"_s))
        q.to = *to;
    return q;
}

qint64 residentBytes()
{
#ifdef Q_OS_LINUX
    QFile f(u"/proc/self/statm"_s);
    if (f.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = f.readAll().split(' ');
        if (parts.size() > 1)
            return parts[1].toLongLong() * sysconf(_SC_PAGESIZE);
    }
#endif
    return -1;
}

QString accessName(HttpApi::Access a)
{
    switch (a) {
    case HttpApi::Access::Public: return u"public"_s;
    case HttpApi::Access::Webhook: return u"webhook"_s;
    case HttpApi::Access::Admin: return u"admin"_s;
    }
    return {};
}
} // namespace

AdminApi::AdminApi(Store &store, const ServerCounters &counters, QObject *parent)
    : QObject(parent), m_store(store), m_edits(store), m_server(counters),
      m_startedAt(QDateTime::currentDateTimeUtc())
{
}

void AdminApi::watchTenant(Tenant *tenant)
{
    m_counters.insert(tenant, {});
    connect(&tenant->rooms(), &RoomRegistry::roomCreated, this, [this, tenant](Room *room) {
        ++m_counters[tenant].roomsCreated;
        connect(room, &Room::peerJoined, this,
                [this, tenant] { ++m_counters[tenant].peersJoined; });
    });
}

QString AdminApi::rfc3339(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

void AdminApi::registerRoutes(HttpApi &api)
{
    m_api = &api;
    using A = HttpApi::Access;
    auto bind = [this](HttpResponse (AdminApi::*fn)(HttpApi::Context &)) {
        return [this, fn](HttpApi::Context &ctx) {
            ++m_counters[&ctx.tenant].adminRequests;
            return (this->*fn)(ctx);
        };
    };
    // The admin flags (DESIGN.md "Admin API"); each counts as an admin request of its tenant.
    struct AdminRoute {
        QString flag;
        QList<QByteArray> methods;
        HttpResponse (AdminApi::*handler)(HttpApi::Context &);
        QString summary;
    };
    const AdminRoute routes[] = {
        {u"stats"_s,
         {"GET"},
         &AdminApi::stats,
         u"Live counts: rooms, peers, heldPeers (lost, waiting for a resume), sockets, "
         "office phones, rings in flight, counters since start, uptime, memory."_s},
        {u"diallog"_s,
         {"GET"},
         &AdminApi::dialLog,
         u"Dial log, newest first: {dials, nextBefore?}. Parameters: limit (1-1000, "
         "default 100), before (row id), from, to (RFC 3339 or unix seconds)."_s},
        {u"cdrlog"_s,
         {"GET"},
         &AdminApi::cdrLog,
         u"Call detail records, newest first: {cdrs, nextBefore?}. Parameters as "
         "diallog."_s},
        {u"registrar"_s,
         {"GET"},
         &AdminApi::registrar,
         u"The SIP bridge's latest registrar report: {registrar: [{extension, contact, "
         "userAgent}]}."_s},
        {u"aliases"_s,
         {"GET", "POST", "PUT", "DELETE"},
         &AdminApi::aliases,
         u"Aliases {number, name}: GET lists, POST creates (201), PUT updates, "
         "DELETE &number=N deletes."_s},
        {u"whitelist"_s,
         {"GET", "POST", "PUT", "DELETE"},
         &AdminApi::whitelist,
         u"Dialable numbers {number, note?}: GET lists, POST creates (201), PUT "
         "updates, DELETE &number=N deletes."_s},
        {u"virtualnumbers"_s,
         {"GET", "POST", "PUT", "DELETE"},
         &AdminApi::virtualNumbers,
         u"Virtual numbers {number, name, mode (tts|gemini-live|ai), text, startMs, "
         "maxSec, loop, visibility (anonymous|internal)}: GET lists, POST creates "
         "(201), PUT updates the fields given, DELETE &number=N deletes. Saving one "
         "puts it on the whitelist."_s},
        {u"kick"_s,
         {"POST"},
         &AdminApi::kick,
         u"POST {peerId, reason?}: the peer gets kicked {reason: admin, message?} "
         "and close 4000; 404 when this tenant has no such peer."_s},
        {u"apidoc"_s,
         {"GET"},
         &AdminApi::apiDoc,
         u"This reference, generated from the route table."_s},
    };
    for (const AdminRoute &r : routes)
        api.addRoute({r.flag, r.methods, A::Admin, bind(r.handler), r.summary});
}

HttpResponse AdminApi::stats(HttpApi::Context &ctx)
{
    Tenant &t = ctx.tenant;
    qCInfo(lcAdmin).noquote() << ctx.actor << "read stats of" << t.config().host;
    const int sockets = m_server.socketCount(t);
    const Counters c = m_counters.value(&t);
    QJsonObject body{
        {u"tenant"_s, t.config().host},
        {u"startedAt"_s, rfc3339(m_startedAt)},
        {u"uptimeSec"_s, m_server.uptimeMs() / 1000},
        {u"rooms"_s, t.rooms().count()},
        {u"peers"_s, t.rooms().peerCount()},
        {u"heldPeers"_s, t.rooms().heldPeerCount()},
        {u"sockets"_s, sockets},
        {u"officePhones"_s, t.rings().phoneCount()},
        {u"ringsInFlight"_s, t.rings().ringsInFlight()},
        {u"bridgeConnected"_s, t.bridge().isConnected()},
        {u"counters"_s,
         QJsonObject{{u"roomsCreated"_s, c.roomsCreated},
                     {u"peersJoined"_s, c.peersJoined},
                     {u"adminRequests"_s, c.adminRequests}}},
    };
    if (const qint64 rss = residentBytes(); rss >= 0)
        body.insert(u"memory"_s, QJsonObject{{u"residentBytes"_s, rss}});
    return HttpApi::json(body);
}

HttpResponse AdminApi::dialLog(HttpApi::Context &ctx)
{
    const LogQuery q = logQuery(ctx);
    qCInfo(lcAdmin).noquote() << ctx.actor << "read the dial log of" << ctx.tenant.config().host;
    return HttpApi::json(m_edits.dialPage(ctx.tenant.config().host, q));
}

HttpResponse AdminApi::cdrLog(HttpApi::Context &ctx)
{
    const LogQuery q = logQuery(ctx);
    qCInfo(lcAdmin).noquote() << ctx.actor << "read the CDR log of" << ctx.tenant.config().host;
    return HttpApi::json(m_edits.cdrPage(ctx.tenant.config().host, q));
}

HttpResponse AdminApi::registrar(HttpApi::Context &ctx)
{
    qCInfo(lcAdmin).noquote() << ctx.actor << "read the registrar of" << ctx.tenant.config().host;
    const BridgeLink &bridge = ctx.tenant.bridge();
    QJsonObject body{{u"registrar"_s, bridge.registrar()}};
    if (bridge.registrarSeenMs() > 0)
        body.insert(u"reportedAt"_s,
                    rfc3339(QDateTime::fromMSecsSinceEpoch(bridge.registrarSeenMs(), Qt::UTC)));
    return HttpApi::json(body);
}

HttpResponse AdminApi::aliases(HttpApi::Context &ctx)
{
    return serveList(ctx, m_store, m_edits,
                     ListFlag<AliasEntry>{AdminEdits::List::Aliases, u"aliases"_s, "alias",
                                          &Store::aliases, &AdminEdits::saveAlias});
}

HttpResponse AdminApi::whitelist(HttpApi::Context &ctx)
{
    return serveList(ctx, m_store, m_edits,
                     ListFlag<WhitelistEntry>{AdminEdits::List::Whitelist, u"whitelist"_s,
                                              "whitelist", &Store::whitelist,
                                              &AdminEdits::saveWhitelistEntry});
}

HttpResponse AdminApi::virtualNumbers(HttpApi::Context &ctx)
{
    return serveList(ctx, m_store, m_edits,
                     ListFlag<VirtualNumber>{AdminEdits::List::VirtualNumbers, u"virtualNumbers"_s,
                                             "virtual number", &Store::virtualNumbers,
                                             &AdminEdits::saveVirtualNumber});
}

HttpResponse AdminApi::kick(HttpApi::Context &ctx)
{
    const QJsonObject body = bodyObject(ctx.request);
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != "peerId"_L1 && it.key() != "reason"_L1)
            throw ApiError{ApiErrorKind::BadRequest, u"Unknown field."_s, it.key()};
    }
    const AdminEdits::Kick k
        = AdminEdits::parseKick(body.value("peerId"_L1), body.value("reason"_L1));
    qCInfo(lcAdmin).noquote() << ctx.actor << "kicks peer" << k.peerId << "of"
                              << ctx.tenant.config().host;
    AdminEdits::kick(ctx.tenant, k);
    return HttpApi::json(QJsonObject{{u"ok"_s, true}});
}

HttpResponse AdminApi::apiDoc(HttpApi::Context &ctx)
{
    qCInfo(lcAdmin).noquote() << ctx.actor << "read the API reference";
    QJsonArray routes;
    for (const HttpApi::Route &r : m_api->routes()) {
        QJsonArray methods;
        for (const QByteArray &m : r.methods)
            methods.append(QString::fromLatin1(m));
        routes.append(QJsonObject{{u"flag"_s, r.flag},
                                  {u"path"_s, QString(u"/signal.ashx?"_s + r.flag)},
                                  {u"methods"_s, methods},
                                  {u"access"_s, accessName(r.access)},
                                  {u"summary"_s, r.summary}});
    }
    const QJsonObject auth{
        {u"hmac"_s,
         u"X-Admin-Time: unix seconds (a fraction allowed, signed as sent); X-Admin-Sig: hex "
         "HMAC-SHA256 with the tenant's admin secret over "
         "'<METHOD> <raw query>|<host>|<time>|<raw body>'. Time within %1 s; each signature "
         "is accepted once."_s.arg(Signing::windowSec)},
        {u"bearer"_s,
         u"Authorization: Bearer <OIDC ID token> whose groups claim holds one of the tenant's "
         "adminGroups."_s},
        {u"errors"_s,
         u"{error, message, field?}: 400 bad field (field names it), 401 not authorised, 404 "
         "missing, 405 wrong method, 409 duplicate, 413 body too large."_s},
        {u"times"_s, u"RFC 3339 UTC with milliseconds."_s},
    };
    return HttpApi::json(QJsonObject{{u"routes"_s, routes}, {u"auth"_s, auth}});
}
