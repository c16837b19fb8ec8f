#include "app/MetricsWiring.h"

#include "admin/AdminSocket.h"
#include "app/Application.h"
#include "metrics/MetricsEndpoint.h"
#include "signal/PeerSession.h"
#include "signal/Room.h"
#include "signal/Tenant.h"

#include <QMap>

using namespace Qt::StringLiterals;

namespace {
using Labels = PromWriter::Labels;

// One gauge or counter family with a sample per tenant.
void perTenant(PromWriter &out, Application &app, QByteArrayView name, QByteArrayView type,
               QByteArrayView help, const std::function<double(Tenant &)> &value)
{
    out.family(name, type, help);
    for (Tenant *t : app.tenants())
        out.sample(name, {{"tenant", t->config().host}}, value(*t));
}
} // namespace

void MetricsWiring::install(MetricsEndpoint &metrics, Application &app)
{
    metrics.addCollector([&app](PromWriter &out) {
        out.family("switchboard_http_connections", "gauge",
                   "Open TCP connections on the public port (HTTP and WebSocket).");
        out.sample("switchboard_http_connections", double(app.frontDoor().openConnections()));
        out.family("switchboard_admin_connections", "gauge", "Connected consoles.");
        out.sample("switchboard_admin_connections", double(app.adminSocket().connectionCount()));

        QMap<const Tenant *, int> sessions;
        for (const PeerSession *s : app.sessions())
            ++sessions[s->tenant()];
        perTenant(out, app, "switchboard_signal_connections", "gauge", "Open signaling WebSockets.",
                  [&](Tenant &t) { return sessions.value(&t); });
        perTenant(out, app, "switchboard_signal_rooms", "gauge", "Rooms.",
                  [](Tenant &t) { return t.rooms().count(); });
        perTenant(out, app, "switchboard_signal_peers", "gauge", "Peers in rooms.",
                  [](Tenant &t) { return t.rooms().peerCount(); });
        perTenant(out, app, "switchboard_signal_held_peers", "gauge",
                  "Peers held for a resume (socket gone, seat kept).", [](Tenant &t) {
                      int held = 0;
                      for (const Room *r : t.rooms().rooms()) {
                          for (const auto &m : r->members())
                              held += m->session == nullptr ? 1 : 0;
                      }
                      return held;
                  });
        perTenant(out, app, "switchboard_telephony_phones", "gauge", "Registered office phones.",
                  [](Tenant &t) { return t.rings().phoneCount(); });
        perTenant(out, app, "switchboard_telephony_rings_in_flight", "gauge",
                  "Rings not yet answered or ended.",
                  [](Tenant &t) { return t.rings().ringsInFlight(); });
        perTenant(out, app, "switchboard_signal_frames_relayed_total", "counter",
                  "signal frames relayed to another peer.",
                  [](Tenant &t) { return double(t.metrics().framesRelayed()); });

        out.family("switchboard_signal_frames_refused_total", "counter",
                   "Frames answered with an error frame, by its code.");
        for (Tenant *t : app.tenants()) {
            for (size_t i = 0; i < TenantMetrics::refusalReasons.size(); ++i)
                out.sample("switchboard_signal_frames_refused_total",
                           {{"tenant", t->config().host},
                            {"reason", QString(TenantMetrics::refusalReasons[i])}},
                           double(t->metrics().framesRefused(i)));
        }
        out.family("switchboard_auth_failures_total", "counter",
                   "Failed authentications, by kind.");
        for (Tenant *t : app.tenants()) {
            for (size_t i = 0; i < TenantMetrics::authKinds.size(); ++i)
                out.sample(
                    "switchboard_auth_failures_total",
                    {{"tenant", t->config().host}, {"kind", QString(TenantMetrics::authKinds[i])}},
                    double(t->metrics().authFailures(i)));
        }

        out.family("switchboard_http_responses_total", "counter",
                   "HTTP answers on the public port, by flag and status code.");
        // Sorted, so that a scrape reads the same from one time to the next.
        QMap<QPair<QString, int>, quint64> answers;
        const auto &raw = app.api().answers();
        for (auto it = raw.begin(); it != raw.end(); ++it)
            answers.insert(it.key(), it.value());
        for (auto it = answers.begin(); it != answers.end(); ++it)
            out.sample("switchboard_http_responses_total",
                       {{"flag", it.key().first}, {"code", QString::number(it.key().second)}},
                       double(it.value()));

        out.family("switchboard_store_write_seconds", "histogram",
                   "Time of each store write transaction.");
        app.store().writeLatency().write(out, "switchboard_store_write_seconds");
    });
}
