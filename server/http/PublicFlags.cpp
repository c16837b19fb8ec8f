#include "http/PublicFlags.h"

#include "config/BuildInfo.h"
#include "signal/RoomCluster.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSet>
#include <QUrl>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
const QString kAnonymous = u"anonymous"_s;
const QString kVnumPrefix = u"vnum-"_s;
} // namespace

PublicFlags::PublicFlags(Store &store, const ServerConfig &config,
                         std::function<quint16()> httpPort)
    : m_store(store), m_config(config), m_httpPort(std::move(httpPort))
{
}

void PublicFlags::registerRoutes(HttpApi &api)
{
    api.addRoute(
        {u"healthsummary"_s,
         {"GET"},
         HttpApi::Access::Public,
         [this](HttpApi::Context &ctx) { return HttpApi::json(healthSummary(ctx.tenant)); },
         u"Public health snapshot: live rooms, trunks, virtual-number calls in 24 h."_s});
    api.addRoute({u"vnum-overview"_s,
                  {"GET"},
                  HttpApi::Access::Public,
                  [this](HttpApi::Context &ctx) {
                      const bool internal
                          = m_internalAccess && m_internalAccess(ctx.request, ctx.tenant);
                      return HttpApi::json(vnumOverview(ctx.tenant, internal));
                  },
                  u"Public virtual numbers a visitor can dial (internal ones with a Bearer)."_s});
    api.addRoute({u"cameras"_s,
                  {"GET"},
                  HttpApi::Access::Public,
                  [this](HttpApi::Context &ctx) { return HttpApi::json(cameras(ctx.tenant)); },
                  u"The tenant's anonymous cameras: {name, streamId}."_s});
}

QJsonObject PublicFlags::healthSummary(Tenant &tenant) const
{
    const QString host = tenant.config().host;
    Store &store = m_store;

    // A vnum room's label keeps its number (`vnum-2000-…`); only numbers that are public
    // anyway may show, so a room of an internal number is shown as `room-…`.
    QSet<QString> publicNumbers;
    for (const VirtualNumber &vn : store.virtualNumbers(host)) {
        if (vn.visibility == kAnonymous)
            publicNumbers.insert(vn.number);
    }
    struct Row {
        QString label;
        int peers;
    };
    QList<Row> rows;
    // Cluster mode: the whole cluster's rooms, members on other nodes counted in.
    const RoomCluster *cluster = tenant.rooms().cluster();
    QHash<QString, std::pair<Room::Kind, int>> rooms;
    for (const Room *room : tenant.rooms().rooms())
        rooms.insert(room->id(), {room->kind(), room->size()});
    if (cluster) {
        for (const RoomCluster::RemoteRoom &r : cluster->remoteRooms()) {
            auto &entry = rooms[r.id];
            if (entry.second == 0)
                entry.first = r.kind;
            entry.second += r.peers;
        }
    }
    for (auto it = rooms.cbegin(); it != rooms.cend(); ++it) {
        const auto [kind, size] = it.value();
        if (kind == Room::Kind::Call || size == 0)
            continue;
        QString label = Room::publicLabelFor(it.key(), kind);
        if (label.startsWith(kVnumPrefix)) {
            const QString number = label.mid(kVnumPrefix.size()).section(u'-', 0, 0);
            if (!publicNumbers.contains(number))
                label = u"room-…"_s;
        }
        rows.append({label, size});
    }
    // Registry order is a hash order; sort so that the answer does not hint at room ids.
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
        return a.label != b.label ? a.label < b.label : a.peers > b.peers;
    });
    QJsonArray roomArray;
    for (const Row &r : std::as_const(rows))
        roomArray.append(QJsonObject{{u"id"_s, r.label}, {u"peers"_s, r.peers}});

    QJsonArray trunkArray;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 lastSeenSec = std::max<qint64>(0, (now - tenant.trunksSeenMs()) / 1000);
    int n = 0;
    for (const Tenant::TrunkState &t : tenant.trunks()) {
        ++n;
        // A bridge that names a trunk after its registrar would leak the hostname through `id`.
        QString id = t.id;
        if (id.isEmpty() || (!t.host.isEmpty() && id.contains(t.host, Qt::CaseInsensitive)))
            id = u"trunk-%1"_s.arg(n);
        trunkArray.append(QJsonObject{
            {u"id"_s, id}, {u"registered"_s, t.registered}, {u"lastSeenSec"_s, lastSeenSec}});
    }

    return QJsonObject{
        {u"build"_s, QString::fromLatin1(buildinfo::stamp())},
        {u"tenant"_s, host},
        {u"rooms"_s, roomArray},
        {u"trunks"_s, trunkArray},
        {u"vnumCallsLast24h"_s,
         store.virtualNumberCallsSince(host, QDateTime::currentDateTimeUtc().addDays(-1))},
    };
}

QJsonObject PublicFlags::vnumOverview(Tenant &tenant, bool includeInternal) const
{
    QJsonArray rows;
    const bool available = tenant.bridge().isConnected();
    for (const VirtualNumber &vn : m_store.virtualNumbers(tenant.config().host)) {
        // Only the two known visibilities; anything else (a future value) is treated as private.
        const bool anonymous = vn.visibility == kAnonymous;
        if (!anonymous && !(includeInternal && vn.visibility == u"internal"_s))
            continue;
        rows.append(QJsonObject{{u"number"_s, vn.number},
                                {u"name"_s, vn.name},
                                {u"mode"_s, vn.mode},
                                {u"dialUrl"_s, dialUrl(tenant, vn.number)},
                                {u"visibility"_s, vn.visibility},
                                {u"available"_s, available}});
    }
    return QJsonObject{{u"virtualNumbers"_s, rows}};
}

QJsonObject PublicFlags::cameras(const Tenant &tenant) const
{
    QJsonArray rows;
    for (const CameraConfig &c : tenant.config().cameras) {
        if (c.access != kAnonymous)
            continue;
        rows.append(QJsonObject{{u"name"_s, c.name}, {u"streamId"_s, c.streamId}});
    }
    return QJsonObject{{u"cameras"_s, rows}};
}

QString PublicFlags::publicBaseUrl(const Tenant &tenant) const
{
    if (!tenant.config().publicBaseUrl.isEmpty())
        return tenant.config().publicBaseUrl;
    QString host = tenant.config().host;
    if (host.contains(u':') && !host.startsWith(u'['))
        host = u'[' + host + u']';
    const QString scheme = m_config.tls ? u"https"_s : u"http"_s;
    return u"%1://%2:%3"_s.arg(scheme, host).arg(m_httpPort());
}

QString PublicFlags::dialUrl(const Tenant &tenant, const QString &number) const
{
    return publicBaseUrl(tenant) + u"/room.html?room=random&dial="_s
        + QString::fromLatin1(QUrl::toPercentEncoding(number)) + u"&cam=off"_s;
}
