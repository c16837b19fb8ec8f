#include "WsLoop.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
constexpr std::size_t readChunk = 256 * 1024;

std::uint32_t xorshift(std::uint32_t &s)
{
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i];
        if (a >= 'A' && a <= 'Z')
            a = char(a - 'A' + 'a');
        if (a != prefix[i])
            return false;
    }
    return true;
}
} // namespace

std::int64_t WsLoop::nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

WsLoop::WsLoop(std::string host, std::uint16_t port)
    : m_host(std::move(host)), m_port(port), m_epoll(epoll_create1(EPOLL_CLOEXEC))
{
    if (m_epoll < 0)
        throw std::runtime_error("epoll_create1 failed");
    m_readBuf.resize(readChunk);
}

WsLoop::~WsLoop()
{
    for (auto &c : m_conns) {
        if (c->fd >= 0)
            ::close(c->fd);
    }
    ::close(m_epoll);
}

int WsLoop::openWebSocket(const std::string &path, const std::string &hostHeader,
                          std::uint16_t port)
{
    auto c = std::make_unique<Conn>();
    c->id = int(m_conns.size());
    c->port = port;
    c->maskState = 0x9e3779b9u ^ std::uint32_t(c->id * 2654435761u);
    if (c->maskState == 0)
        c->maskState = 1;
    // The key is not checked by servers for security here; it only has to be 16 bytes base64.
    c->request = "GET " + path + " HTTP/1.1\r\nHost: " + hostHeader
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    Conn &ref = *c;
    m_conns.push_back(std::move(c));
    startConnect(ref);
    return ref.id;
}

int WsLoop::openHttp(std::string request)
{
    auto c = std::make_unique<Conn>();
    c->id = int(m_conns.size());
    c->http = true;
    c->request = std::move(request);
    Conn &ref = *c;
    m_conns.push_back(std::move(c));
    startConnect(ref);
    return ref.id;
}

void WsLoop::startConnect(Conn &c)
{
    ++m_pending;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        drop(c);
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(c.port ? c.port : m_port);
    if (inet_pton(AF_INET, m_host.c_str(), &addr.sin_addr) != 1) {
        drop(c);
        return;
    }
    const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr);
    if (rc < 0 && errno != EINPROGRESS) {
        drop(c);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = std::uint32_t(c.id);
    c.wantOut = true;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev) < 0)
        drop(c);
}

void WsLoop::setWantOut(Conn &c, bool on)
{
    if (c.wantOut == on || c.fd < 0)
        return;
    c.wantOut = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u32 = std::uint32_t(c.id);
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
}

void WsLoop::drop(Conn &c)
{
    if (c.state == State::Closed)
        return;
    if (c.state == State::Connecting || c.state == State::Upgrading)
        --m_pending;
    if (c.fd >= 0) {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }
    c.state = State::Closed;
    c.in.clear();
    c.in.shrink_to_fit();
    c.out.clear();
    c.out.shrink_to_fit();
    c.outPos = 0;
    if (onClosed && !c.http)
        onClosed(c);
}

void WsLoop::appendFrame(Conn &c, std::uint8_t opcode, std::string_view payload)
{
    const std::size_t n = payload.size();
    unsigned char head[14];
    std::size_t h = 0;
    head[h++] = 0x80 | opcode;
    if (n < 126) {
        head[h++] = 0x80 | std::uint8_t(n);
    } else if (n < 65536) {
        head[h++] = 0x80 | 126;
        head[h++] = std::uint8_t(n >> 8);
        head[h++] = std::uint8_t(n);
    } else {
        head[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; --i)
            head[h++] = std::uint8_t(std::uint64_t(n) >> (8 * i));
    }
    const std::uint32_t key = xorshift(c.maskState);
    std::memcpy(head + h, &key, 4);
    h += 4;
    const std::size_t start = c.out.size();
    c.out.resize(start + h + n);
    char *dst = c.out.data() + start;
    std::memcpy(dst, head, h);
    dst += h;
    std::memcpy(dst, payload.data(), n);
    // Mask 8 bytes at a time; the key repeats every 4 bytes, so the 64-bit key is key|key.
    const std::uint64_t key64 = (std::uint64_t(key) << 32) | key;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, dst + i, 8);
        w ^= key64;
        std::memcpy(dst + i, &w, 8);
    }
    const auto *kb = reinterpret_cast<const unsigned char *>(&key);
    for (; i < n; ++i)
        dst[i] = char(dst[i] ^ kb[i & 3]);
    if (!c.dirty) {
        c.dirty = true;
        m_dirty.push_back(c.id);
    }
}

void WsLoop::sendText(Conn &c, std::string_view payload)
{
    if (c.state != State::Open)
        return;
    appendFrame(c, 0x1, payload);
}

void WsLoop::sendControl(Conn &c, std::uint8_t opcode, std::string_view payload)
{
    appendFrame(c, opcode, payload);
}

void WsLoop::close(Conn &c)
{
    if (c.state == State::Closed)
        return;
    if (c.state != State::Open) {
        drop(c);
        return;
    }
    sendControl(c, 0x8, std::string_view("\x03\xe8", 2));
    writeOut(c);
    // Wait for the server's close frame or EOF (see parseFrames/onReadable), so that the close
    // frame is read by the server before our socket goes away.
    ::shutdown(c.fd, SHUT_WR);
}

void WsLoop::writeOut(Conn &c)
{
    c.dirty = false;
    if (c.fd < 0)
        return;
    while (c.outPos < c.out.size()) {
        const ssize_t n
            = ::send(c.fd, c.out.data() + c.outPos, c.out.size() - c.outPos, MSG_NOSIGNAL);
        if (n > 0) {
            c.outPos += std::size_t(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            setWantOut(c, true);
            return;
        }
        if (n < 0 && errno == EINTR)
            continue;
        drop(c);
        return;
    }
    c.out.clear();
    c.outPos = 0;
    if (c.state != State::Connecting)
        setWantOut(c, false);
}

void WsLoop::flush()
{
    // writeOut() may drop a connection whose callbacks mark others dirty: iterate by index.
    for (std::size_t i = 0; i < m_dirty.size(); ++i) {
        Conn &c = *m_conns[std::size_t(m_dirty[i])];
        if (c.dirty)
            writeOut(c);
    }
    m_dirty.clear();
}

void WsLoop::onWritable(Conn &c)
{
    if (c.state == State::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            drop(c);
            return;
        }
        c.state = State::Upgrading;
        c.out.append(c.request);
        c.request.clear();
        c.request.shrink_to_fit();
    }
    writeOut(c);
}

void WsLoop::onReadable(Conn &c)
{
    for (;;) {
        const ssize_t n = ::recv(c.fd, m_readBuf.data(), m_readBuf.size(), 0);
        if (n > 0) {
            m_bytesIn += std::uint64_t(n);
            c.in.append(m_readBuf.data(), std::size_t(n));
            if (std::size_t(n) < m_readBuf.size())
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        // EOF or error: parse what came, then drop.
        if (c.http)
            parseHttp(c);
        else if (c.state == State::Open)
            parseFrames(c);
        drop(c);
        return;
    }
    if (c.http) {
        parseHttp(c);
        return;
    }
    if (c.state == State::Upgrading) {
        const std::size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (c.in.size() > 16384)
                drop(c);
            return;
        }
        if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
            drop(c);
            return;
        }
        c.in.erase(0, end + 4);
        c.state = State::Open;
        --m_pending;
        if (onOpen)
            onOpen(c);
    }
    if (c.state == State::Open)
        parseFrames(c);
}

void WsLoop::parseFrames(Conn &c)
{
    std::size_t pos = 0;
    const auto *d = reinterpret_cast<const unsigned char *>(c.in.data());
    while (c.state == State::Open && c.in.size() - pos >= 2) {
        const std::size_t avail = c.in.size() - pos;
        const unsigned char b0 = d[pos];
        const unsigned char b1 = d[pos + 1];
        std::size_t h = 2;
        std::uint64_t len = b1 & 0x7f;
        if (len == 126) {
            if (avail < 4)
                break;
            len = (std::uint64_t(d[pos + 2]) << 8) | d[pos + 3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; ++i)
                len = (len << 8) | d[pos + 2 + std::size_t(i)];
            h = 10;
        }
        if (b1 & 0x80)
            h += 4; // servers do not mask; skip a key if one came anyway (not unmasked here)
        if (avail < h + len)
            break;
        const std::string_view payload(c.in.data() + pos + h, std::size_t(len));
        const unsigned opcode = b0 & 0x0f;
        pos += h + std::size_t(len);
        switch (opcode) {
        case 0x1:
            if (onText)
                onText(c, payload);
            break;
        case 0x8:
            // The server closed: answer if we did not start it, then go.
            if (c.fd >= 0) {
                sendControl(c, 0x8, payload.substr(0, 2));
                writeOut(c);
            }
            drop(c);
            return;
        case 0x9: sendControl(c, 0xA, payload); break;
        default: // pong, binary, continuation: not used by the scenarios
            break;
        }
    }
    if (c.state == State::Open)
        c.in.erase(0, pos);
}

void WsLoop::parseHttp(Conn &c)
{
    if (c.state == State::Closed)
        return;
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos)
        return;
    const std::string_view head(c.in.data(), end);
    int status = 0;
    if (head.size() > 12 && head.substr(0, 5) == "HTTP/")
        status = std::atoi(c.in.c_str() + 9);
    std::size_t length = 0;
    std::size_t lineStart = head.find("\r\n");
    while (lineStart != std::string_view::npos && lineStart < head.size()) {
        const std::size_t lineEnd = head.find("\r\n", lineStart + 2);
        const std::string_view line = head.substr(
            lineStart + 2,
            (lineEnd == std::string_view::npos ? head.size() : lineEnd) - lineStart - 2);
        if (startsWithNoCase(line, "content-length:"))
            length = std::size_t(std::atol(std::string(line.substr(15)).c_str()));
        lineStart = lineEnd;
    }
    if (c.in.size() < end + 4 + length)
        return;
    const std::string_view body(c.in.data() + end + 4, length);
    if (onHttp)
        onHttp(c, status, body);
    drop(c);
}

void WsLoop::poll(int timeoutMs)
{
    epoll_event events[256];
    const int n = epoll_wait(m_epoll, events, 256, timeoutMs);
    for (int i = 0; i < n; ++i) {
        Conn &c = *m_conns[events[i].data.u32];
        if (c.state == State::Closed)
            continue;
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            if (c.state == State::Connecting || (events[i].events & EPOLLOUT))
                onWritable(c);
        }
        if (c.state != State::Closed && c.state != State::Connecting
            && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
            onReadable(c);
    }
    flush();
}
