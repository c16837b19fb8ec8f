#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

// The measured server: either started by the benchmark or the soak test (`--spawn`, with a
// config in a temporary directory and its CPU pinned) or an existing one named by `--server-pid`.
// Reads CPU time and RSS from /proc/<pid>.
class ServerProcess {
public:
    // What the spawned server's config says beyond the raised limits; 0 keeps the server default.
    struct Config {
        std::string officeKey = "bench-office-key";
        std::string bridgeSecret = "bench-bridge-secret";
        std::string adminSecret = "bench-admin-secret";
        int resumeGraceSec = 0;
    };

    ServerProcess() = default;
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Starts `binary --config <tmp>/config.json` on 127.0.0.1 port 0, pinned to `cpu` (-1: not
    // pinned), and waits for its "listening" line. Returns false with `error` set.
    bool spawn(const std::string &binary, int cpu, const Config &config, std::string *error);
    void attach(pid_t pid) { m_pid = pid; }
    void stop();

    pid_t pid() const { return m_pid; }
    std::uint16_t port() const { return m_port; }
    bool known() const { return m_pid > 0; }
    bool alive() const;

    // utime + stime in microseconds, or -1 when unknown.
    std::int64_t cpuMicros() const;
    // VmRSS in KiB, or -1 when unknown.
    std::int64_t rssKiB() const;

    // For a signal handler: the pid of a child we started (0 if none).
    static volatile pid_t s_child;

private:
    pid_t m_pid = 0;
    bool m_spawned = false;
    std::uint16_t m_port = 0;
    std::string m_dir;
};
