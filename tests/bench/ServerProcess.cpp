#include "ServerProcess.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

volatile pid_t ServerProcess::s_child = 0;

ServerProcess::~ServerProcess()
{
    stop();
}

bool ServerProcess::spawn(const std::string &binary, int cpu, const Config &config,
                          std::string *error)
{
    char tmpl[] = "/tmp/switchboard-bench-XXXXXX";
    if (!mkdtemp(tmpl)) {
        *error = "mkdtemp failed";
        return false;
    }
    m_dir = tmpl;
    // Limits raised so that the per-IP, per-tenant and per-socket signal rate defaults (DESIGN.md
    // "Limits") do not cap a loopback benchmark; the bench counts any `error` frame it gets.
    std::ofstream cfg(m_dir + "/config.json");
    cfg << "{\n  \"listen\": \"127.0.0.1:0\",\n  \"adminListen\": \"127.0.0.1:0\",\n"
        << "  \"dataDir\": \"" << m_dir << "/data\",\n";
    if (config.resumeGraceSec > 0)
        cfg << "  \"resumeGraceSec\": " << config.resumeGraceSec << ",\n";
    cfg << "  \"limits\": { \"maxConnectionsPerIp\": 1000000, \"maxRooms\": 10000000,\n"
        << "    \"signalPerSec\": 100000, \"signalBurst\": 1000000 },\n"
        << "  \"tenants\": [ { \"host\": \"localhost\", \"adminSecret\": \"" << config.adminSecret
        << "\",\n    \"bridgeSecret\": \"" << config.bridgeSecret << "\", \"officeKeys\": [\""
        << config.officeKey << "\"] } ]\n}\n";
    cfg.close();
    std::filesystem::create_directories(m_dir + "/data");

    int out[2];
    if (pipe(out) != 0) {
        *error = "pipe failed";
        return false;
    }
    const std::string configPath = m_dir + "/config.json";
    const pid_t pid = fork();
    if (pid < 0) {
        *error = "fork failed";
        return false;
    }
    if (pid == 0) {
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        execl(binary.c_str(), binary.c_str(), "--config", configPath.c_str(),
              static_cast<char *>(nullptr));
        std::perror("exec");
        _exit(127);
    }
    ::close(out[1]);
    m_pid = pid;
    m_spawned = true;
    s_child = pid;

    // Wait for "switchboard listening on http://127.0.0.1:<port>".
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0)
            continue;
        char buf[512];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0)
            break;
        text.append(buf, std::size_t(n));
        const std::size_t at = text.find("listening on http://");
        if (at != std::string::npos) {
            const std::size_t colon = text.find(':', at + 20);
            const std::size_t eol = text.find('\n', at);
            if (colon != std::string::npos && eol != std::string::npos) {
                m_port = std::uint16_t(std::atoi(text.c_str() + colon + 1));
                break;
            }
        }
    }
    // Keep draining its stdout in the child's pipe? It prints nothing more; close our end
    // would make later writes fail with SIGPIPE, so keep it open for the child's lifetime.
    if (m_port == 0) {
        *error = "the server did not report its port; its output was:\n" + text;
        stop();
        return false;
    }
    return true;
}

void ServerProcess::stop()
{
    if (m_spawned && m_pid > 0) {
        ::kill(m_pid, SIGTERM);
        int status = 0;
        for (int i = 0; i < 50; ++i) {
            if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_spawned = false;
                break;
            }
            usleep(100 * 1000);
        }
        if (m_spawned) {
            ::kill(m_pid, SIGKILL);
            waitpid(m_pid, &status, 0);
            m_spawned = false;
        }
        s_child = 0;
        m_pid = 0;
    }
    if (!m_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
        m_dir.clear();
    }
}

bool ServerProcess::alive() const
{
    return m_pid > 0 && ::kill(m_pid, 0) == 0;
}

std::int64_t ServerProcess::cpuMicros() const
{
    if (m_pid <= 0)
        return -1;
    std::ifstream f("/proc/" + std::to_string(m_pid) + "/stat");
    std::string line;
    if (!std::getline(f, line))
        return -1;
    // Fields after the command name in parentheses: state(3) ... utime(14) stime(15).
    const std::size_t close = line.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream in(line.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14)
            utime = std::atoll(field.c_str());
        if (i == 15)
            stime = std::atoll(field.c_str());
    }
    const long hz = sysconf(_SC_CLK_TCK);
    return (utime + stime) * 1000000LL / (hz > 0 ? hz : 100);
}

std::int64_t ServerProcess::rssKiB() const
{
    if (m_pid <= 0)
        return -1;
    std::ifstream f("/proc/" + std::to_string(m_pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::atoll(line.c_str() + 6);
    }
    return -1;
}
