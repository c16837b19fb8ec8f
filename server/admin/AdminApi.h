#pragma once

#include "admin/AdminEdits.h"
#include "http/HttpApi.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

class ServerCounters;
class Store;
class Tenant;

// The admin flags of /signal.ashx (DESIGN.md "Admin requests"): ?stats, ?diallog, ?cdrlog,
// ?registrar, ?aliases, ?whitelist, ?virtualnumbers, ?kick and ?apidoc. Registers its routes
// with HttpApi as Access::Admin, so AdminAuth has passed before any handler runs. Every action
// is logged under switchboard.admin with the actor.
class AdminApi : public QObject {
    Q_OBJECT
public:
    AdminApi(Store &store, const ServerCounters &counters, QObject *parent = nullptr);

    void registerRoutes(HttpApi &api);

    static QString rfc3339(const QDateTime &t); // UTC with milliseconds; "" when invalid
    // Counts a tenant's rooms and joins for ?stats (tenants added by a reload too).
    void watchTenant(Tenant *tenant);
    AdminEdits &edits() { return m_edits; }

private:
    HttpResponse stats(HttpApi::Context &ctx);
    HttpResponse dialLog(HttpApi::Context &ctx);
    HttpResponse cdrLog(HttpApi::Context &ctx);
    HttpResponse registrar(HttpApi::Context &ctx);
    HttpResponse aliases(HttpApi::Context &ctx);
    HttpResponse whitelist(HttpApi::Context &ctx);
    HttpResponse virtualNumbers(HttpApi::Context &ctx);
    HttpResponse kick(HttpApi::Context &ctx);
    HttpResponse apiDoc(HttpApi::Context &ctx);

    struct Counters {
        qint64 roomsCreated = 0;
        qint64 peersJoined = 0;
        qint64 adminRequests = 0;
    };

    Store &m_store;
    AdminEdits m_edits;
    const ServerCounters &m_server;
    HttpApi *m_api = nullptr;
    QHash<const Tenant *, Counters> m_counters;
    QDateTime m_startedAt;
};
