// switchboard-bench: a one-process load generator for Switchboard (and, for comparison, a PeerJS
// server). See BENCHMARKS.md for the scenarios, the commands and published numbers.

#include "ServerProcess.h"
#include "WsLoop.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
    std::string target = "switchboard"; // or "peerjs"
    std::string host = "127.0.0.1";
    std::string hostHeader = "localhost";
    int port = 0;
    pid_t serverPid = 0;
    int port2 = 0; // cluster: side B of every relay pair joins here (another node)
    pid_t serverPid2 = 0;
    std::string spawn;
    int spawnCpu = -1;
    int pairs = 50;
    int window = 4;
    std::vector<int> rates; // --rate: paced relays at these offered loads (frames/s)
    int payload = 600;
    double seconds = 5;
    double warmup = 1;
    int idle = 0;
    int stormRate = 0;
    double stormSeconds = 2;
    int phones = 0;
    int rings = 5;
    int crossJoins = 0; // cluster: joins on --port2 timed until the member on --port sees them
    std::string officeKey = "bench-office-key";
    std::string bridgeSecret = "bench-bridge-secret";
    std::string json;
    bool check = false;
    int maxSeconds = 600;
};

enum Role { RoleRelay = 1, RoleIdle, RoleStorm, RolePhone, RoleCross };

struct Latencies {
    std::vector<std::uint32_t> us;
    double pct(double p)
    {
        if (us.empty())
            return 0;
        const std::size_t k = std::min(us.size() - 1, std::size_t(p / 100.0 * double(us.size())));
        std::nth_element(us.begin(), us.begin() + std::ptrdiff_t(k), us.end());
        return us[k] / 1000.0; // ms
    }
};

struct RelayResult {
    bool ran = false;
    std::uint64_t frames = 0;
    double seconds = 0;
    double fps = 0;
    double p50 = 0, p99 = 0;
    double cpuUsPerFrame = -1;
    double cpuShare = -1; // server CPU seconds per wall second
    int rate = 0; // offered frames/s of a paced run; 0: a window of frames in flight
    double offeredFps = 0; // frames/s actually sent during the window
};

struct Results {
    RelayResult relay, relayIdle;
    std::vector<RelayResult> paced; // one per --rate
    int idleWanted = 0, idleJoined = 0;
    double rssPerIdleKiB = -1;
    std::int64_t rssBeforeKiB = -1, rssAfterKiB = -1;
    bool stormRan = false;
    int stormWanted = 0, stormWelcomed = 0;
    double stormRate = 0, stormP50 = 0, stormP99 = 0, stormCpuUsPerJoin = -1;
    bool ringRan = false;
    std::string ringStatus = "skipped";
    int phonesRegistered = 0, ringsDone = 0, ringsComplete = 0, deliveredReported = -1;
    double ringP50 = 0, ringP99 = 0, ringLastP50 = 0, ringLastMax = 0;
    bool crossRan = false;
    int crossWanted = 0, crossDone = 0, crossListed = 0;
    double crossWelcomeP50 = 0, crossWelcomeP99 = 0, crossJoinedP50 = 0, crossJoinedP99 = 0;
    std::uint64_t errors = 0;
    std::string firstError;
    std::uint64_t unexpectedCloses = 0;
    std::uint64_t relayedTotal = 0; // every relayed frame received, warm-up and drain included
};

std::string hexHmacSha256(const std::string &key, const std::string &message)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()),
         reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &len);
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
        hex += digits[mac[i] >> 4];
        hex += digits[mac[i] & 15];
    }
    return hex;
}

std::string fieldString(std::string_view text, std::string_view key)
{
    const std::string needle = "\"" + std::string(key) + "\":\"";
    const std::size_t at = text.find(needle);
    if (at == std::string_view::npos)
        return {};
    const std::size_t start = at + needle.size();
    const std::size_t end = text.find('"', start);
    return end == std::string_view::npos ? std::string()
                                         : std::string(text.substr(start, end - start));
}

class Bench {
public:
    Bench(const Options &o, ServerProcess &server)
        : m_o(o), m_server(server), m_loop(o.host, std::uint16_t(o.port)),
          m_peerjs(o.target == "peerjs")
    {
        if (o.serverPid2 > 0)
            m_server2.attach(o.serverPid2);
        m_loop.onOpen = [this](WsLoop::Conn &c) { onOpen(c); };
        m_loop.onText = [this](WsLoop::Conn &c, std::string_view t) { onText(c, t); };
        m_loop.onClosed = [this](WsLoop::Conn &c) {
            if (!m_closing && c.role != 0)
                ++m_r.unexpectedCloses;
        };
        m_loop.onHttp
            = [this](WsLoop::Conn &, int status, std::string_view body) { onHttp(status, body); };
    }

    Results run();

private:
    int openConn(int role, bool secondNode = false);
    bool waitUntil(double seconds, const std::function<bool()> &done);
    bool openJoined(int count, int role, const std::string &roomPrefix, std::vector<int> &ids);
    void onOpen(WsLoop::Conn &c);
    void onText(WsLoop::Conn &c, std::string_view text);
    void onHttp(int status, std::string_view body);
    void sendJoin(WsLoop::Conn &c);
    void buildTemplate(WsLoop::Conn &c, const std::string &toId);
    void sendSignal(WsLoop::Conn &c);
    RelayResult relay();
    RelayResult paced(int rate);
    void pace(double seconds, int rate, std::int64_t start);
    void idle();
    void storm();
    void ring();
    void crossJoins();
    void noteError(std::string_view text);

    const Options &m_o;
    ServerProcess &m_server;
    WsLoop m_loop;
    bool m_peerjs;
    Results m_r;
    bool m_closing = false;

    // Joined connections and their room names (by conn id).
    std::vector<std::string> m_room;
    std::vector<char> m_joined;
    int m_joinedCount = 0;
    std::vector<std::string> m_tmpl; // per relay conn: its signal frame
    std::vector<std::size_t> m_stampAt;
    std::vector<int> m_relayIds;

    bool m_relayActive = false;
    std::uint64_t m_pacedSent = 0;
    std::size_t m_paceNext = 0;
    bool m_measuring = false;
    std::uint64_t m_sent = 0, m_received = 0, m_windowFrames = 0;
    Latencies m_lat;

    std::vector<std::int64_t> m_joinSentNs;
    Latencies m_joinLat;

    std::vector<char> m_phoneState; // 0 waiting, 1 registered, 2 refused
    int m_phoneAnswers = 0;
    std::string m_ringCallId;
    std::int64_t m_ringStartNs = 0, m_ringLastNs = 0;
    int m_ringsSeen = 0;
    Latencies m_ringLat;
    // Cross-node joins: A's connection (node 1), B's (node 2), and when B's join was answered.
    int m_crossA = -1, m_crossB = -1;
    std::int64_t m_crossWelcomeNs = 0, m_crossJoinedNs = 0;
    bool m_crossListed = false;
    bool m_httpDone = false;
    int m_httpStatus = 0;
    std::string m_httpBody;
    int m_connSeq = 0;
    int m_relaySeq = 0;
    ServerProcess m_server2; // --server-pid2: its CPU is added to the server's
};

int Bench::openConn(int role, bool secondNode)
{
    int id;
    if (m_peerjs) {
        const std::string peerId
            = "bench" + std::to_string(getpid()) + "x" + std::to_string(m_connSeq++);
        id = m_loop.openWebSocket("/peerjs?key=peerjs&id=" + peerId + "&token=t", m_o.hostHeader);
        m_loop.conn(id)->stamp = 0;
        m_loop.conn(id)->peerId = peerId;
    } else {
        // --port2: side B of each relay pair on the second node, so every frame crosses nodes.
        const bool sideB
            = m_o.port2 > 0 && (secondNode || (role == RoleRelay && (m_relaySeq++ % 2 == 1)));
        id = m_loop.openWebSocket("/signal.ashx", m_o.hostHeader,
                                  sideB ? std::uint16_t(m_o.port2) : std::uint16_t(0));
    }
    m_loop.conn(id)->role = role;
    if (std::size_t(id) >= m_joined.size()) {
        m_joined.resize(std::size_t(id) + 1, 0);
        m_room.resize(std::size_t(id) + 1);
        m_joinSentNs.resize(std::size_t(id) + 1, 0);
    }
    return id;
}

bool Bench::waitUntil(double seconds, const std::function<bool()> &done)
{
    const std::int64_t end = WsLoop::nowNs() + std::int64_t(seconds * 1e9);
    while (!done()) {
        if (WsLoop::nowNs() > end)
            return false;
        m_loop.poll(5);
    }
    return true;
}

// Opens `count` connections, at most 64 handshakes at a time (the server's listen backlog is
// small), each joining `<roomPrefix><i/2>` (two per room, like a call) as soon as it is open.
bool Bench::openJoined(int count, int role, const std::string &roomPrefix, std::vector<int> &ids)
{
    const int before = m_joinedCount;
    int next = 0;
    const std::int64_t end = WsLoop::nowNs() + std::int64_t((30 + count / 200) * 1e9);
    while (m_joinedCount - before < count) {
        while (next < count && m_loop.pending() < 64) {
            const int id = openConn(role);
            m_room[std::size_t(id)] = roomPrefix + std::to_string(next / 2);
            ids.push_back(id);
            ++next;
        }
        if (WsLoop::nowNs() > end)
            return false;
        m_loop.poll(5);
        if (next == count && m_loop.pending() == 0 && m_joinedCount - before < count) {
            // All connections settled; give outstanding joins a moment, then stop waiting.
            const int target = before + count;
            return waitUntil(5, [&] { return m_joinedCount >= target; });
        }
    }
    return true;
}

void Bench::sendJoin(WsLoop::Conn &c)
{
    m_joinSentNs[std::size_t(c.id)] = WsLoop::nowNs();
    m_loop.sendText(
        c, "{\"type\":\"join\",\"room\":\"" + m_room[std::size_t(c.id)] + "\",\"name\":\"bench\"}");
}

void Bench::onOpen(WsLoop::Conn &c)
{
    if (m_peerjs)
        return; // the server sends OPEN: that is the "joined" moment
    if (c.role == RolePhone) {
        m_loop.sendText(c,
                        "{\"type\":\"register\",\"extension\":\"" + std::to_string(200 + c.id % 700)
                            + "\",\"officeKey\":\"" + m_o.officeKey + "\"}");
        return;
    }
    if (c.role == RoleStorm || c.role == RoleCross)
        return; // joins are paced by storm() and crossJoins()
    sendJoin(c);
}

void Bench::noteError(std::string_view text)
{
    ++m_r.errors;
    if (m_r.firstError.empty())
        m_r.firstError = fieldString(text, "code");
}

void Bench::onText(WsLoop::Conn &c, std::string_view text)
{
    // The hot path first: a relayed signal (Switchboard `signal`, PeerJS `OFFER`).
    const std::size_t mark = text.find("\"sdp\":\"t=");
    if (mark != std::string_view::npos && text.size() >= mark + 9 + 20) {
        const std::int64_t now = WsLoop::nowNs();
        std::int64_t sent = 0;
        for (std::size_t i = mark + 9; i < mark + 29; ++i)
            sent = sent * 10 + (text[i] - '0');
        ++m_received;
        if (m_measuring) {
            ++m_windowFrames;
            m_lat.us.push_back(
                std::uint32_t(std::min<std::int64_t>((now - sent) / 1000, 0xffffffffLL)));
        }
        if (m_relayActive)
            sendSignal(c);
        return;
    }
    const std::string_view typeHead = m_peerjs ? std::string_view("{\"type\":\"OPEN\"")
                                               : std::string_view("{\"type\":\"welcome\"");
    if (text.substr(0, typeHead.size()) == typeHead) {
        if (!m_peerjs)
            c.peerId = fieldString(text, "peerId");
        if (c.id == m_crossB && m_crossWelcomeNs == 0) {
            m_crossWelcomeNs = WsLoop::nowNs();
            const WsLoop::Conn *a = m_loop.conn(m_crossA);
            m_crossListed = a && !a->peerId.empty()
                && text.find("\"" + a->peerId + "\"") != std::string_view::npos;
        }
        if (!m_joined[std::size_t(c.id)]) {
            m_joined[std::size_t(c.id)] = 1;
            ++m_joinedCount;
            if (c.role == RoleStorm) {
                m_joinLat.us.push_back(
                    std::uint32_t((WsLoop::nowNs() - m_joinSentNs[std::size_t(c.id)]) / 1000));
            }
        }
        return;
    }
    if (c.id == m_crossA && m_crossJoinedNs == 0
        && text.rfind("{\"type\":\"peer-joined\"", 0) == 0) {
        m_crossJoinedNs = WsLoop::nowNs();
        return;
    }
    if (text.rfind("{\"type\":\"registered\"", 0) == 0) {
        if (c.role == RolePhone && m_phoneState[std::size_t(c.id)] == 0) {
            m_phoneState[std::size_t(c.id)] = 1;
            ++m_phoneAnswers;
        }
        return;
    }
    if (text.rfind("{\"type\":\"ring\"", 0) == 0) {
        if (!m_ringCallId.empty() && fieldString(text, "callId") == m_ringCallId) {
            const std::int64_t now = WsLoop::nowNs();
            m_ringLat.us.push_back(std::uint32_t((now - m_ringStartNs) / 1000));
            m_ringLastNs = now;
            ++m_ringsSeen;
        }
        return;
    }
    if (text.rfind("{\"type\":\"error\"", 0) == 0 || text.rfind("{\"type\":\"ERROR\"", 0) == 0) {
        if (c.role == RolePhone && m_phoneState[std::size_t(c.id)] == 0) {
            m_phoneState[std::size_t(c.id)] = 2;
            ++m_phoneAnswers;
            if (m_r.ringStatus == "skipped")
                m_r.ringStatus
                    = "unsupported (register answered error " + fieldString(text, "code") + ")";
            return;
        }
        noteError(text);
    }
    // peer-joined, peer-left, ring-cleared, pong, ...: not measured.
}

void Bench::onHttp(int status, std::string_view body)
{
    m_httpDone = true;
    m_httpStatus = status;
    m_httpBody = std::string(body);
}

void Bench::buildTemplate(WsLoop::Conn &c, const std::string &toId)
{
    // data = {"sdp":{"type":"offer","sdp":"<P bytes>"}}; the sdp text starts with a 20-digit
    // send stamp (t=<ns>;) that the receiver reads for the one-way latency.
    std::string sdp = "t=00000000000000000000;";
    if (int(sdp.size()) < m_o.payload)
        sdp.append(std::size_t(m_o.payload) - sdp.size(), 'x');
    std::string frame;
    if (m_peerjs)
        frame = "{\"type\":\"OFFER\",\"payload\":{\"sdp\":{\"type\":\"offer\",\"sdp\":\"" + sdp
            + "\"}},\"dst\":\"" + toId + "\"}";
    else
        frame = "{\"type\":\"signal\",\"to\":\"" + toId
            + "\",\"data\":{\"sdp\":{\"type\":\"offer\",\"sdp\":\"" + sdp + "\"}}}";
    const std::size_t id = std::size_t(c.id);
    if (m_tmpl.size() <= id) {
        m_tmpl.resize(id + 1);
        m_stampAt.resize(id + 1, 0);
    }
    m_stampAt[id] = frame.find("t=0000") + 2;
    m_tmpl[id] = std::move(frame);
}

void Bench::sendSignal(WsLoop::Conn &c)
{
    std::string &frame = m_tmpl[std::size_t(c.id)];
    std::int64_t now = WsLoop::nowNs();
    char *d = frame.data() + m_stampAt[std::size_t(c.id)];
    for (int i = 19; i >= 0; --i) {
        d[i] = char('0' + now % 10);
        now /= 10;
    }
    ++m_sent;
    m_loop.sendText(c, frame);
}

RelayResult Bench::relay()
{
    RelayResult r;
    r.ran = true;
    m_relayActive = true;
    // Side A of each pair starts W frames; every received frame is answered to the other side.
    for (std::size_t i = 0; i + 1 < m_relayIds.size(); i += 2) {
        WsLoop::Conn &a = *m_loop.conn(m_relayIds[i]);
        for (int w = 0; w < m_o.window; ++w)
            sendSignal(a);
    }
    m_loop.flush();
    waitUntil(m_o.warmup, [] { return false; });
    m_lat.us.clear();
    m_lat.us.reserve(1 << 20);
    m_windowFrames = 0;
    const auto cpuNow = [this] {
        const std::int64_t a = m_server.cpuMicros();
        const std::int64_t b = m_server2.known() ? m_server2.cpuMicros() : 0;
        return a < 0 || b < 0 ? std::int64_t(-1) : a + b;
    };
    const std::int64_t cpu0 = cpuNow();
    const std::int64_t t0 = WsLoop::nowNs();
    m_measuring = true;
    waitUntil(m_o.seconds, [] { return false; });
    m_measuring = false;
    const std::int64_t t1 = WsLoop::nowNs();
    const std::int64_t cpu1 = cpuNow();
    m_relayActive = false;
    waitUntil(3, [this] { return m_received >= m_sent; });
    r.frames = m_windowFrames;
    r.seconds = double(t1 - t0) / 1e9;
    r.fps = double(r.frames) / r.seconds;
    r.p50 = m_lat.pct(50);
    r.p99 = m_lat.pct(99);
    if (cpu0 >= 0 && cpu1 >= 0 && r.frames > 0) {
        r.cpuUsPerFrame = double(cpu1 - cpu0) / double(r.frames);
        r.cpuShare = double(cpu1 - cpu0) / (r.seconds * 1e6);
    }
    return r;
}

// Sends frames at `rate` per second from `start` on for `seconds`, round robin over all relay
// connections (each to its pair's other side); received frames are not answered. At most 16
// frames per pair are outstanding: a server that cannot keep up is offered less, not buried.
void Bench::pace(double seconds, int rate, std::int64_t start)
{
    const std::int64_t end = WsLoop::nowNs() + std::int64_t(seconds * 1e9);
    const std::uint64_t cap = std::uint64_t(16 * std::max(1, m_o.pairs));
    while (true) {
        const std::int64_t now = WsLoop::nowNs();
        if (now >= end)
            break;
        const auto due = std::uint64_t(double(now - start) / 1e9 * rate);
        while (m_pacedSent < due) {
            if (m_sent - m_received >= cap) {
                m_pacedSent = due; // not offered: the server is behind
                break;
            }
            WsLoop::Conn &c = *m_loop.conn(m_relayIds[m_paceNext]);
            m_paceNext = (m_paceNext + 1) % m_relayIds.size();
            ++m_pacedSent;
            sendSignal(c);
        }
        m_loop.flush();
        m_loop.poll(1);
    }
}

RelayResult Bench::paced(int rate)
{
    RelayResult r;
    r.ran = true;
    r.rate = rate;
    m_relayActive = false;
    m_pacedSent = 0;
    const std::int64_t start = WsLoop::nowNs();
    pace(m_o.warmup, rate, start);
    m_lat.us.clear();
    m_lat.us.reserve(1 << 20);
    m_windowFrames = 0;
    const std::uint64_t sent0 = m_sent;
    const std::int64_t cpu0 = m_server.cpuMicros();
    const std::int64_t t0 = WsLoop::nowNs();
    m_measuring = true;
    pace(m_o.seconds, rate, start);
    m_measuring = false;
    const std::int64_t t1 = WsLoop::nowNs();
    const std::int64_t cpu1 = m_server.cpuMicros();
    const std::uint64_t sent1 = m_sent;
    waitUntil(3, [this] { return m_received >= m_sent; });
    r.frames = m_windowFrames;
    r.seconds = double(t1 - t0) / 1e9;
    r.fps = double(r.frames) / r.seconds;
    r.offeredFps = double(sent1 - sent0) / r.seconds;
    r.p50 = m_lat.pct(50);
    r.p99 = m_lat.pct(99);
    if (cpu0 >= 0 && cpu1 >= 0 && r.frames > 0) {
        r.cpuUsPerFrame = double(cpu1 - cpu0) / double(r.frames);
        r.cpuShare = double(cpu1 - cpu0) / (r.seconds * 1e6);
    }
    return r;
}

void Bench::idle()
{
    m_r.idleWanted = m_o.idle;
    waitUntil(0.3, [] { return false; });
    m_r.rssBeforeKiB = m_server.rssKiB();
    std::vector<int> ids;
    const int before = m_joinedCount;
    openJoined(m_o.idle, RoleIdle, "idle-" + std::to_string(getpid()) + "-", ids);
    m_r.idleJoined = m_joinedCount - before;
    waitUntil(0.5, [] { return false; }); // let the server settle (deferred deletes, buffers)
    m_r.rssAfterKiB = m_server.rssKiB();
    if (m_r.rssBeforeKiB >= 0 && m_r.rssAfterKiB >= 0 && m_r.idleJoined > 0)
        m_r.rssPerIdleKiB = double(m_r.rssAfterKiB - m_r.rssBeforeKiB) / m_r.idleJoined;
}

void Bench::storm()
{
    m_r.stormRan = true;
    const int total = std::max(2, int(m_o.stormRate * m_o.stormSeconds));
    m_r.stormWanted = total;
    std::vector<int> ids;
    int next = 0;
    // Connect (upgrade) first, then pace only the joins.
    while (next < total || m_loop.pending() > 0) {
        while (next < total && m_loop.pending() < 64) {
            const int id = openConn(RoleStorm);
            m_room[std::size_t(id)]
                = "storm-" + std::to_string(getpid()) + "-" + std::to_string(next / 2);
            ids.push_back(id);
            ++next;
        }
        m_loop.poll(5);
    }
    waitUntil(0.3, [] { return false; });
    const int before = m_joinedCount;
    const std::int64_t cpu0 = m_server.cpuMicros();
    const std::int64_t t0 = WsLoop::nowNs();
    std::size_t sent = 0;
    std::int64_t lastWelcome = t0;
    const std::int64_t deadline = t0 + std::int64_t((m_o.stormSeconds + 10) * 1e9);
    while (m_joinedCount - before < int(ids.size()) && WsLoop::nowNs() < deadline) {
        const std::int64_t now = WsLoop::nowNs();
        const auto due = std::size_t(double(now - t0) / 1e9 * m_o.stormRate) + 1;
        while (sent < ids.size() && sent < due) {
            WsLoop::Conn &c = *m_loop.conn(ids[sent++]);
            if (c.state == WsLoop::State::Open)
                sendJoin(c);
        }
        const int joinedBefore = m_joinedCount;
        m_loop.flush();
        m_loop.poll(sent < ids.size() ? 0 : 5);
        if (m_joinedCount != joinedBefore)
            lastWelcome = WsLoop::nowNs();
    }
    const std::int64_t cpu1 = m_server.cpuMicros();
    m_r.stormWelcomed = m_joinedCount - before;
    const double secs = double(lastWelcome - t0) / 1e9;
    m_r.stormRate = secs > 0 ? m_r.stormWelcomed / secs : 0;
    m_r.stormP50 = m_joinLat.pct(50);
    m_r.stormP99 = m_joinLat.pct(99);
    if (cpu0 >= 0 && m_r.stormWelcomed > 0)
        m_r.stormCpuUsPerJoin = double(cpu1 - cpu0) / m_r.stormWelcomed;
}

void Bench::ring()
{
    m_r.ringRan = true;
    m_phoneState.assign(m_loop.connCount() + std::size_t(m_o.phones) + 16, 0);
    std::vector<int> ids;
    for (int i = 0; i < m_o.phones; ++i) {
        while (m_loop.pending() >= 64)
            m_loop.poll(5);
        ids.push_back(openConn(RolePhone));
        if (m_phoneState.size() <= std::size_t(ids.back()))
            m_phoneState.resize(std::size_t(ids.back()) + 1, 0);
    }
    waitUntil(30, [&] { return m_phoneAnswers >= int(ids.size()); });
    for (const int id : ids)
        m_r.phonesRegistered += m_phoneState[std::size_t(id)] == 1;
    if (m_r.phonesRegistered == 0) {
        if (m_r.ringStatus == "skipped")
            m_r.ringStatus = "unsupported (no phone registered)";
        return;
    }
    m_r.ringStatus = "ok";
    std::vector<double> lasts;
    for (int r = 0; r < m_o.rings; ++r) {
        m_ringCallId = "bench-" + std::to_string(getpid()) + "-" + std::to_string(r);
        const std::string body = "{\"time\":" + std::to_string(std::time(nullptr))
            + ",\"callId\":\"" + m_ringCallId + "\",\"from\":\"+15550100\",\"to\":\"*\"}";
        auto post = [&](const std::string &flag, const std::string &b) {
            const std::string sig
                = hexHmacSha256(m_o.bridgeSecret, flag + "|" + m_o.hostHeader + "|" + b);
            m_httpDone = false;
            m_loop.openHttp("POST /signal.ashx?" + flag + " HTTP/1.1\r\nHost: " + m_o.hostHeader
                            + "\r\nContent-Type: application/json\r\nX-Sig: " + sig
                            + "\r\nConnection: close\r\nContent-Length: " + std::to_string(b.size())
                            + "\r\n\r\n" + b);
        };
        m_ringsSeen = 0;
        m_ringStartNs = WsLoop::nowNs();
        post("office-ring", body);
        const bool complete
            = waitUntil(5, [&] { return m_httpDone && m_ringsSeen >= m_r.phonesRegistered; });
        ++m_r.ringsDone;
        if (complete) {
            ++m_r.ringsComplete;
            lasts.push_back(double(m_ringLastNs - m_ringStartNs) / 1e6);
        }
        if (m_httpStatus != 200) {
            m_r.ringStatus
                = "failed (office-ring answered HTTP " + std::to_string(m_httpStatus) + ")";
            break;
        }
        const std::size_t at = m_httpBody.find("\"delivered\":");
        m_r.deliveredReported
            = at == std::string::npos ? -1 : std::atoi(m_httpBody.c_str() + at + 12);
        m_ringCallId.clear();
        post("office-ring-clear",
             "{\"time\":" + std::to_string(std::time(nullptr)) + ",\"callId\":\"bench-"
                 + std::to_string(getpid()) + "-" + std::to_string(r)
                 + "\",\"reason\":\"cleared\"}");
        waitUntil(5, [&] { return m_httpDone; });
        waitUntil(0.05, [] { return false; });
    }
    m_r.ringP50 = m_ringLat.pct(50);
    m_r.ringP99 = m_ringLat.pct(99);
    if (!lasts.empty()) {
        std::sort(lasts.begin(), lasts.end());
        m_r.ringLastP50 = lasts[lasts.size() / 2];
        m_r.ringLastMax = lasts.back();
    }
}

// One pair at a time: A joins a fresh room on node 1; after a settle for its presence to reach
// node 2 (not measured), B joins it on node 2. Timed from B's join: B's welcome (which must list
// A's member) and A's peer-joined for B, which crossed NATS.
void Bench::crossJoins()
{
    m_r.crossRan = true;
    m_r.crossWanted = m_o.crossJoins;
    Latencies welcome, joined;
    for (int i = 0; i < m_o.crossJoins; ++i) {
        const int a = openConn(RoleCross);
        const int b = openConn(RoleCross, true);
        const std::string room = "xjoin-" + std::to_string(getpid()) + "-" + std::to_string(i);
        m_room[std::size_t(a)] = room;
        m_room[std::size_t(b)] = room;
        const auto open = [&](int id) { return m_loop.conn(id)->state == WsLoop::State::Open; };
        if (!waitUntil(5, [&] { return open(a) && open(b); }))
            continue;
        m_crossA = a;
        m_crossB = b;
        m_crossWelcomeNs = m_crossJoinedNs = 0;
        m_crossListed = false;
        sendJoin(*m_loop.conn(a));
        if (!waitUntil(5, [&] { return m_joined[std::size_t(a)] != 0; }))
            continue;
        waitUntil(0.05, [] { return false; }); // node 2 learns of A's member
        sendJoin(*m_loop.conn(b));
        const std::int64_t t0 = m_joinSentNs[std::size_t(b)];
        if (waitUntil(5, [&] { return m_crossWelcomeNs != 0 && m_crossJoinedNs != 0; })) {
            ++m_r.crossDone;
            m_r.crossListed += m_crossListed;
            welcome.us.push_back(std::uint32_t((m_crossWelcomeNs - t0) / 1000));
            joined.us.push_back(std::uint32_t((m_crossJoinedNs - t0) / 1000));
        }
        m_crossA = m_crossB = -1;
        for (const int id : {a, b}) {
            m_loop.conn(id)->role = 0; // closed by us: not a server close
            m_loop.close(*m_loop.conn(id));
        }
        m_loop.poll(0);
    }
    m_r.crossWelcomeP50 = welcome.pct(50);
    m_r.crossWelcomeP99 = welcome.pct(99);
    m_r.crossJoinedP50 = joined.pct(50);
    m_r.crossJoinedP99 = joined.pct(99);
}

Results Bench::run()
{
    // (a) relay pairs
    m_relayIds.clear();
    openJoined(2 * m_o.pairs, RoleRelay, "relay-" + std::to_string(getpid()) + "-", m_relayIds);
    int ready = 0;
    for (std::size_t i = 0; i + 1 < m_relayIds.size(); i += 2) {
        WsLoop::Conn &a = *m_loop.conn(m_relayIds[i]);
        WsLoop::Conn &b = *m_loop.conn(m_relayIds[i + 1]);
        if (!m_joined[std::size_t(a.id)] || !m_joined[std::size_t(b.id)])
            continue;
        buildTemplate(a, b.peerId);
        buildTemplate(b, a.peerId);
        ++ready;
    }
    if (m_o.port2 > 0) // the other node learns of each pair's peers through NATS first
        waitUntil(1, [] { return false; });
    if (ready == m_o.pairs && m_o.pairs > 0) {
        // (a) a window of frames in flight per pair, or paced at each --rate
        for (const int rate : m_o.rates)
            m_r.paced.push_back(paced(rate));
        m_r.relay = m_o.rates.empty() ? relay() : m_r.paced.front();
        // (b) idle joined connections, then the same relay again
        if (m_o.idle > 0) {
            idle();
            m_r.relayIdle = m_o.rates.empty() ? relay() : paced(m_o.rates.front());
        }
    } else if (m_o.pairs > 0) {
        std::fprintf(stderr, "switchboard-bench: only %d of %d relay pairs joined\n", ready,
                     m_o.pairs);
    }
    // (c) join storm and (d) ring fan-out: Switchboard only (PeerJS has neither).
    if (!m_peerjs && m_o.stormRate > 0)
        storm();
    if (!m_peerjs && m_o.phones > 0)
        ring();
    if (!m_peerjs && m_o.crossJoins > 0 && m_o.port2 > 0)
        crossJoins();
    m_closing = true;
    m_r.relayedTotal = m_received;
    return m_r;
}

void printTable(const Options &o, const Results &r)
{
    std::string load = std::to_string(o.window) + " in flight";
    if (!o.rates.empty()) {
        load = "paced at";
        for (const int rate : o.rates)
            load += " " + std::to_string(rate);
        load += " frames/s";
    }
    std::printf("\nswitchboard-bench: target %s, %d pairs, %s, payload %d B, %.1f s "
                "(+%.1f s warm-up)\n",
                o.target.c_str(), o.pairs, load.c_str(), o.payload, o.seconds, o.warmup);
    std::printf("%-44s %14s\n", "metric", "value");
    auto row = [](const char *name, const std::string &value) {
        std::printf("%-44s %14s\n", name, value.c_str());
    };
    auto num = [](double v, int prec) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", prec, v);
        return std::string(buf);
    };
    auto relayRows = [&](const char *label, const RelayResult &rr) {
        if (!rr.ran)
            return;
        const std::string l(label);
        row((l + " throughput (frames/s)").c_str(), num(rr.fps, 0));
        row((l + " latency p50 (ms)").c_str(), num(rr.p50, 3));
        row((l + " latency p99 (ms)").c_str(), num(rr.p99, 3));
        row((l + " server CPU per frame (us)").c_str(),
            rr.cpuUsPerFrame < 0 ? "n/a" : num(rr.cpuUsPerFrame, 2));
        row((l + " server CPU busy (%)").c_str(),
            rr.cpuShare < 0 ? "n/a" : num(100 * rr.cpuShare, 0));
    };
    if (r.paced.empty())
        relayRows("relay", r.relay);
    for (const RelayResult &p : r.paced) {
        const std::string label = "paced " + std::to_string(p.rate) + "/s:";
        row((label + " offered (frames/s)").c_str(), num(p.offeredFps, 0));
        relayRows(label.c_str(), p);
    }
    if (r.idleWanted > 0) {
        row("idle connections joined",
            std::to_string(r.idleJoined) + "/" + std::to_string(r.idleWanted));
        row("server RSS per idle connection (KiB)",
            r.rssPerIdleKiB < 0 ? "n/a" : num(r.rssPerIdleKiB, 2));
        relayRows("relay+idle", r.relayIdle);
        if (r.relay.fps > 0 && r.relayIdle.ran)
            row("throughput with idle / without", num(r.relayIdle.fps / r.relay.fps, 3));
    }
    if (r.stormRan) {
        row("join storm welcomed",
            std::to_string(r.stormWelcomed) + "/" + std::to_string(r.stormWanted));
        row("join storm rate achieved (joins/s)", num(r.stormRate, 0));
        row("join->welcome p50 (ms)", num(r.stormP50, 3));
        row("join->welcome p99 (ms)", num(r.stormP99, 3));
        row("server CPU per join (us)",
            r.stormCpuUsPerJoin < 0 ? "n/a" : num(r.stormCpuUsPerJoin, 1));
    }
    if (r.ringRan) {
        row("ring fan-out", r.ringStatus);
        if (r.ringStatus == "ok") {
            row("phones registered", std::to_string(r.phonesRegistered));
            row("rings complete",
                std::to_string(r.ringsComplete) + "/" + std::to_string(r.ringsDone));
            row("office-ring delivered (server's N)", std::to_string(r.deliveredReported));
            row("POST->ring p50 per phone (ms)", num(r.ringP50, 3));
            row("POST->ring p99 per phone (ms)", num(r.ringP99, 3));
            row("POST->last ring, median ring (ms)", num(r.ringLastP50, 3));
            row("POST->last ring, worst ring (ms)", num(r.ringLastMax, 3));
        }
    }
    if (r.crossRan) {
        row("cross-node joins measured",
            std::to_string(r.crossDone) + "/" + std::to_string(r.crossWanted));
        row("cross-node welcomes listing node 1's peer",
            std::to_string(r.crossListed) + "/" + std::to_string(r.crossDone));
        row("join on node 2 -> its welcome p50 (ms)", num(r.crossWelcomeP50, 3));
        row("join on node 2 -> its welcome p99 (ms)", num(r.crossWelcomeP99, 3));
        row("join on node 2 -> peer-joined on node 1 p50 (ms)", num(r.crossJoinedP50, 3));
        row("join on node 2 -> peer-joined on node 1 p99 (ms)", num(r.crossJoinedP99, 3));
    }
    row("error frames received",
        std::to_string(r.errors) + (r.firstError.empty() ? "" : " (" + r.firstError + ")"));
    row("connections closed by the server", std::to_string(r.unexpectedCloses));
}

void writeJson(const Options &o, const Results &r)
{
    FILE *f = o.json == "-" ? stdout : std::fopen(o.json.c_str(), "w");
    if (!f) {
        std::fprintf(stderr, "switchboard-bench: cannot write %s\n", o.json.c_str());
        return;
    }
    auto relay = [&](const char *name, const RelayResult &rr) {
        std::fprintf(
            f,
            "  \"%s\": {\"ran\": %s, \"frames\": %llu, \"seconds\": %.3f, \"framesPerSec\": %.1f, "
            "\"p50Ms\": %.3f, \"p99Ms\": %.3f, \"serverCpuUsPerFrame\": %.3f, \"serverCpuShare\": "
            "%.3f, \"rate\": %d, \"offeredPerSec\": %.1f},\n",
            name, rr.ran ? "true" : "false", static_cast<unsigned long long>(rr.frames), rr.seconds,
            rr.fps, rr.p50, rr.p99, rr.cpuUsPerFrame, rr.cpuShare, rr.rate, rr.offeredFps);
    };
    std::fprintf(
        f,
        "{\n  \"target\": \"%s\", \"pairs\": %d, \"window\": %d, \"payload\": %d, \"seconds\": "
        "%.1f,\n",
        o.target.c_str(), o.pairs, o.window, o.payload, o.seconds);
    relay("relay", r.relay);
    relay("relayWithIdle", r.relayIdle);
    std::fprintf(f, "  \"paced\": [\n");
    for (std::size_t i = 0; i < r.paced.size(); ++i) {
        const RelayResult &rr = r.paced[i];
        std::fprintf(
            f,
            "    {\"ran\": true, \"frames\": %llu, \"seconds\": %.3f, \"framesPerSec\": %.1f, "
            "\"p50Ms\": %.3f, \"p99Ms\": %.3f, \"serverCpuUsPerFrame\": %.3f, "
            "\"serverCpuShare\": %.3f, \"rate\": %d, \"offeredPerSec\": %.1f}%s\n",
            static_cast<unsigned long long>(rr.frames), rr.seconds, rr.fps, rr.p50, rr.p99,
            rr.cpuUsPerFrame, rr.cpuShare, rr.rate, rr.offeredFps,
            i + 1 < r.paced.size() ? "," : "");
    }
    std::fprintf(f, "  ],\n");
    std::fprintf(
        f,
        "  \"idle\": {\"wanted\": %d, \"joined\": %d, \"rssBeforeKiB\": %lld, \"rssAfterKiB\": "
        "%lld, "
        "\"rssPerIdleKiB\": %.3f},\n",
        r.idleWanted, r.idleJoined, static_cast<long long>(r.rssBeforeKiB),
        static_cast<long long>(r.rssAfterKiB), r.rssPerIdleKiB);
    std::fprintf(
        f,
        "  \"joinStorm\": {\"ran\": %s, \"wanted\": %d, \"welcomed\": %d, \"joinsPerSec\": %.1f, "
        "\"p50Ms\": %.3f, \"p99Ms\": %.3f, \"serverCpuUsPerJoin\": %.1f},\n",
        r.stormRan ? "true" : "false", r.stormWanted, r.stormWelcomed, r.stormRate, r.stormP50,
        r.stormP99, r.stormCpuUsPerJoin);
    std::fprintf(
        f,
        "  \"ringFanOut\": {\"ran\": %s, \"status\": \"%s\", \"phones\": %d, \"rings\": %d, "
        "\"complete\": %d, \"delivered\": %d, \"p50Ms\": %.3f, \"p99Ms\": %.3f, \"lastMedianMs\": "
        "%.3f, "
        "\"lastMaxMs\": %.3f},\n",
        r.ringRan ? "true" : "false", r.ringStatus.c_str(), r.phonesRegistered, r.ringsDone,
        r.ringsComplete, r.deliveredReported, r.ringP50, r.ringP99, r.ringLastP50, r.ringLastMax);
    std::fprintf(f,
                 "  \"crossJoin\": {\"ran\": %s, \"wanted\": %d, \"measured\": %d, "
                 "\"listed\": %d, \"welcomeP50Ms\": %.3f, \"welcomeP99Ms\": %.3f, "
                 "\"peerJoinedP50Ms\": %.3f, \"peerJoinedP99Ms\": %.3f},\n",
                 r.crossRan ? "true" : "false", r.crossWanted, r.crossDone, r.crossListed,
                 r.crossWelcomeP50, r.crossWelcomeP99, r.crossJoinedP50, r.crossJoinedP99);
    std::fprintf(f, "  \"relayedTotal\": %llu, \"errors\": %llu, \"serverCloses\": %llu\n}\n",
                 static_cast<unsigned long long>(r.relayedTotal),
                 static_cast<unsigned long long>(r.errors),
                 static_cast<unsigned long long>(r.unexpectedCloses));
    if (f != stdout)
        std::fclose(f);
}

void usage()
{
    std::puts(
        "usage: switchboard-bench [options]\n"
        "  --target switchboard|peerjs   protocol to speak (default switchboard)\n"
        "  --port N                      server port on 127.0.0.1 (or use --spawn)\n"
        "  --server-pid PID              server process, for CPU and RSS figures\n"
        "  --spawn BINARY                start switchboard-server with a bench config on a free "
        "port\n"
        "  --spawn-cpu N                 pin the spawned server to CPU N\n"
        "  --port2 N --server-pid2 PID   cluster: side B of each relay pair on a second node\n"
        "  --cross-joins N               cluster (--port2): N joins on the second node, timed\n"
        "                                to its welcome and to peer-joined on the first\n"
        "  --host-header NAME            Host header / tenant (default localhost)\n"
        "  --pairs N --window W --payload P   relay scenario (default 50, 4, 600)\n"
        "  --rate N[,N...]               paced relay instead of a window: N frames/s offered,\n"
        "                                round robin over all pairs, one run per N\n"
        "  --seconds S --warmup S        measuring window and warm-up per relay run (5, 1)\n"
        "  --idle K                      K idle joined connections, then the relay again\n"
        "  --storm-rate R --storm-seconds S   join storm at R joins/s for S seconds\n"
        "  --phones M --rings R          ring fan-out to M registered office phones, R rings\n"
        "  --office-key KEY --bridge-secret S   tenant secrets for register and office-ring\n"
        "  --json FILE|-                 also write the results as JSON\n"
        "  --check                       exit 1 unless frames were relayed and joins welcomed\n"
        "  --max-seconds S               hard time bound for the whole run (default 600)");
}

ServerProcess *s_server = nullptr;

void onAlarm(int)
{
    if (ServerProcess::s_child > 0)
        ::kill(ServerProcess::s_child, SIGTERM);
    static const char msg[] = "switchboard-bench: time bound reached\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(3);
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "switchboard-bench: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            usage();
            return 0;
        }
        if (a == "--target")
            o.target = value();
        else if (a == "--port")
            o.port = std::atoi(value().c_str());
        else if (a == "--server-pid")
            o.serverPid = pid_t(std::atoi(value().c_str()));
        else if (a == "--port2")
            o.port2 = std::atoi(value().c_str());
        else if (a == "--server-pid2")
            o.serverPid2 = pid_t(std::atoi(value().c_str()));
        else if (a == "--spawn")
            o.spawn = value();
        else if (a == "--spawn-cpu")
            o.spawnCpu = std::atoi(value().c_str());
        else if (a == "--host-header")
            o.hostHeader = value();
        else if (a == "--pairs")
            o.pairs = std::atoi(value().c_str());
        else if (a == "--window")
            o.window = std::max(1, std::atoi(value().c_str()));
        else if (a == "--rate") {
            // one rate or a comma-separated list: a paced run at each, in order
            const std::string list = value();
            for (std::size_t at = 0; at < list.size();) {
                std::size_t comma = list.find(',', at);
                if (comma == std::string::npos)
                    comma = list.size();
                const int rate = std::atoi(list.substr(at, comma - at).c_str());
                if (rate <= 0) {
                    std::fprintf(stderr, "switchboard-bench: --rate takes frames/s > 0\n");
                    return 2;
                }
                o.rates.push_back(rate);
                at = comma + 1;
            }
        } else if (a == "--payload")
            o.payload = std::max(24, std::atoi(value().c_str()));
        else if (a == "--seconds")
            o.seconds = std::atof(value().c_str());
        else if (a == "--warmup")
            o.warmup = std::atof(value().c_str());
        else if (a == "--idle")
            o.idle = std::atoi(value().c_str());
        else if (a == "--storm-rate")
            o.stormRate = std::atoi(value().c_str());
        else if (a == "--storm-seconds")
            o.stormSeconds = std::atof(value().c_str());
        else if (a == "--phones")
            o.phones = std::atoi(value().c_str());
        else if (a == "--rings")
            o.rings = std::max(1, std::atoi(value().c_str()));
        else if (a == "--office-key")
            o.officeKey = value();
        else if (a == "--bridge-secret")
            o.bridgeSecret = value();
        else if (a == "--json")
            o.json = value();
        else if (a == "--check")
            o.check = true;
        else if (a == "--cross-joins")
            o.crossJoins = std::max(0, std::atoi(value().c_str()));
        else if (a == "--max-seconds")
            o.maxSeconds = std::atoi(value().c_str());
        else {
            std::fprintf(stderr, "switchboard-bench: unknown option %s (see --help)\n", a.c_str());
            return 2;
        }
    }
    if (o.target != "switchboard" && o.target != "peerjs") {
        std::fprintf(stderr, "switchboard-bench: --target is switchboard or peerjs\n");
        return 2;
    }
    o.seconds = std::clamp(o.seconds, 0.1, 600.0);
    o.warmup = std::clamp(o.warmup, 0.0, 60.0);
    o.stormSeconds = std::clamp(o.stormSeconds, 0.1, 60.0);

    // Bounded in time whatever happens; bounded in count by the options.
    signal(SIGALRM, onAlarm);
    alarm(unsigned(std::max(5, o.maxSeconds)));
    signal(SIGPIPE, SIG_IGN);

    // 10 000 idle connections need more than the usual 1024 descriptors.
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    const int needed = 2 * o.pairs + o.idle + int(o.stormRate * o.stormSeconds) + o.phones
        + 2 * o.crossJoins + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rlim_t(needed) > rl.rlim_cur)
        std::fprintf(stderr, "switchboard-bench: warning: open-files limit %llu < %d needed\n",
                     static_cast<unsigned long long>(rl.rlim_cur), needed);

    ServerProcess server;
    s_server = &server;
    if (!o.spawn.empty()) {
        std::string error;
        if (o.target != "switchboard") {
            std::fprintf(stderr, "switchboard-bench: --spawn starts switchboard-server only\n");
            return 2;
        }
        ServerProcess::Config config;
        config.officeKey = o.officeKey;
        config.bridgeSecret = o.bridgeSecret;
        if (!server.spawn(o.spawn, o.spawnCpu, config, &error)) {
            std::fprintf(stderr, "switchboard-bench: %s\n", error.c_str());
            return 2;
        }
        o.port = server.port();
    } else if (o.serverPid > 0) {
        server.attach(o.serverPid);
    }
    if (o.port <= 0 || o.port > 65535) {
        std::fprintf(stderr, "switchboard-bench: give --port or --spawn\n");
        return 2;
    }

    Results r;
    {
        Bench bench(o, server);
        r = bench.run();
    }
    const bool serverAlive = !server.known() || server.alive();
    server.stop();
    printTable(o, r);
    if (!o.json.empty())
        writeJson(o, r);

    if (o.check) {
        std::vector<std::string> failures;
        if (!serverAlive)
            failures.push_back("the server died during the run");
        if (o.pairs > 0 && r.relay.frames == 0)
            failures.push_back("no signal frame was relayed");
        for (const RelayResult &p : r.paced) {
            if (p.frames == 0)
                failures.push_back("no frame relayed at " + std::to_string(p.rate) + " frames/s");
        }
        if (o.idle > 0 && (r.idleJoined != o.idle || r.relayIdle.frames == 0))
            failures.push_back("idle connections not all welcomed, or no relay with them open");
        if (r.stormRan && r.stormWelcomed != r.stormWanted)
            failures.push_back("join storm: not every join was welcomed");
        // Phones that cannot register are a failure, not "unsupported": office phones exist.
        if (r.ringRan && r.ringStatus != "ok")
            failures.push_back("ring fan-out: " + r.ringStatus);
        if (r.ringRan && r.phonesRegistered != o.phones)
            failures.push_back("ring fan-out: " + std::to_string(r.phonesRegistered) + " of "
                               + std::to_string(o.phones) + " phones registered");
        if (r.ringRan && r.ringStatus == "ok" && r.ringsComplete != r.ringsDone)
            failures.push_back("ring fan-out: not every phone got every ring");
        if (r.crossRan && (r.crossDone != r.crossWanted || r.crossListed != r.crossDone))
            failures.push_back("cross-node joins: " + std::to_string(r.crossDone) + " of "
                               + std::to_string(r.crossWanted) + " measured, "
                               + std::to_string(r.crossListed) + " welcomes listed the other");
        if (r.errors > 0)
            failures.push_back("the server answered with error frames (" + r.firstError + ")");
        for (const auto &f : failures)
            std::fprintf(stderr, "switchboard-bench: CHECK FAILED: %s\n", f.c_str());
        if (!failures.empty())
            return 1;
        std::puts("switchboard-bench: check passed");
    }
    return 0;
}
