#pragma once

#include <QLatin1StringView>
#include <array>

// A tenant's counters for /metrics: plain integer increments on the event-loop thread, so the
// relay path pays one add (BENCHMARKS.md "Metrics").
class TenantMetrics {
public:
    // Frames refused, by the code of the `error` frame the peer was sent.
    static constexpr std::array<QLatin1StringView, 9> refusalReasons{
        QLatin1StringView("bad-frame"),     QLatin1StringView("not-joined"),
        QLatin1StringView("unknown-peer"),  QLatin1StringView("rate-limited"),
        QLatin1StringView("forbidden"),     QLatin1StringView("room-full"),
        QLatin1StringView("invalid-token"), QLatin1StringView("already-joined"),
        QLatin1StringView("other")};
    enum class Auth { AdminHttp, AdminSocket, Webhook, IdToken, Count };
    static constexpr std::array<QLatin1StringView, 4> authKinds{
        QLatin1StringView("admin-http"), QLatin1StringView("admin-socket"),
        QLatin1StringView("webhook"), QLatin1StringView("id-token")};

    void relayed() { ++m_relayed; }
    void refused(QLatin1StringView code);
    void authFailed(Auth kind) { ++m_auth[size_t(kind)]; }

    quint64 framesRelayed() const { return m_relayed; }
    quint64 framesRefused(size_t reason) const { return m_refused[reason]; }
    quint64 authFailures(size_t kind) const { return m_auth[kind]; }

private:
    quint64 m_relayed = 0;
    std::array<quint64, refusalReasons.size()> m_refused{};
    std::array<quint64, authKinds.size()> m_auth{};
};
