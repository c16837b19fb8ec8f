#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// A minimal epoll client for the load generator: non-blocking TCP to loopback, the client side
// of the WebSocket handshake, masked text frames out, unmasked frames in (RFC 6455), and plain
// HTTP/1.1 requests. One thread, no Qt, so that the generator costs far less per frame than the
// server it measures. Writes are batched: they are flushed once per poll round.
class WsLoop {
public:
    enum class State : std::uint8_t { Connecting, Upgrading, Open, Closed };

    struct Conn {
        int fd = -1;
        int id = 0;
        State state = State::Connecting;
        bool http = false; // a plain HTTP request instead of a WebSocket
        bool dirty = false; // has unflushed output
        bool wantOut = false; // EPOLLOUT registered
        std::string request; // handshake or HTTP request, sent once connected
        std::string in;
        std::string out;
        std::size_t outPos = 0;
        std::uint32_t maskState = 0;
        std::uint16_t port = 0; // 0: the loop's port
        // Free for the scenario.
        int role = 0;
        int peer = -1;
        std::string peerId;
        std::int64_t stamp = 0;
    };

    // Called with a text message of an open WebSocket.
    std::function<void(Conn &, std::string_view)> onText;
    // Called when the upgrade (or, for HTTP, the connect) completed.
    std::function<void(Conn &)> onOpen;
    // Called once when a connection ends (error, close frame, EOF, or a refused upgrade).
    std::function<void(Conn &)> onClosed;
    // Called with a complete HTTP response (status, body).
    std::function<void(Conn &, int, std::string_view)> onHttp;

    WsLoop(std::string host, std::uint16_t port);
    ~WsLoop();
    WsLoop(const WsLoop &) = delete;
    WsLoop &operator=(const WsLoop &) = delete;

    // Starts a WebSocket connection to `path` with `hostHeader`; returns its id.
    // `port` 0: the loop's port (another one: a second server, e.g. a cluster node).
    int openWebSocket(const std::string &path, const std::string &hostHeader,
                      std::uint16_t port = 0);
    // Starts an HTTP request (the whole request text, which should say Connection: close).
    int openHttp(std::string request);
    Conn *conn(int id) { return id >= 0 && id < int(m_conns.size()) ? m_conns[id].get() : nullptr; }
    std::size_t connCount() const { return m_conns.size(); }

    void sendText(Conn &c, std::string_view payload);
    // Sends a close frame (1000) and shuts the connection down.
    void close(Conn &c);
    // Closes the TCP connection without a close frame (a network drop, as the server sees it).
    void abort(Conn &c) { drop(c); }
    // One round: waits up to timeoutMs for events, dispatches them, flushes pending output.
    void poll(int timeoutMs);
    void flush();

    int pending() const { return m_pending; } // connections not yet open
    std::uint64_t bytesIn() const { return m_bytesIn; }

    static std::int64_t nowNs();

private:
    void startConnect(Conn &c);
    void onReadable(Conn &c);
    void onWritable(Conn &c);
    void parseFrames(Conn &c);
    void parseHttp(Conn &c);
    void writeOut(Conn &c);
    void sendControl(Conn &c, std::uint8_t opcode, std::string_view payload);
    void appendFrame(Conn &c, std::uint8_t opcode, std::string_view payload);
    void drop(Conn &c);
    void setWantOut(Conn &c, bool on);

    std::string m_host;
    std::uint16_t m_port;
    int m_epoll;
    std::vector<std::unique_ptr<Conn>> m_conns;
    std::vector<int> m_dirty;
    int m_pending = 0;
    std::uint64_t m_bytesIn = 0;
    std::string m_readBuf;
};
