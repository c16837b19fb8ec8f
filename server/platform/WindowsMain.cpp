// The process entry point on Windows (see WindowsMain.h); free of Qt.
#include "platform/WindowsLogFile.h"
#include "platform/WindowsService.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>
#include <windows.h>

int switchboardMain(int argc, char *argv[]);

namespace {

// Removes `--service NAME` or `--service=NAME` from argv (Qt then reads the changed argv, not
// the process's command line) and returns NAME; empty when absent. False when NAME is missing.
bool takeServiceName(int &argc, char *argv[], std::string *name)
{
    for (int i = 1; i < argc; ++i) {
        int taken = 0;
        if (std::strcmp(argv[i], "--service") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0')
                return false;
            *name = argv[i + 1];
            taken = 2;
        } else if (std::strncmp(argv[i], "--service=", 10) == 0) {
            *name = argv[i] + 10;
            taken = 1;
        }
        if (taken == 0)
            continue;
        if (name->empty())
            return false;
        for (int j = i; j + taken <= argc; ++j)
            argv[j] = argv[j + taken]; // argv[argc] is the terminating null
        argc -= taken;
        return true;
    }
    return true;
}

std::wstring widen(const std::string &text)
{
    const int n
        = MultiByteToWideChar(CP_ACP, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
    std::wstring wide(static_cast<size_t>(n), L'\0');
    MultiByteToWideChar(CP_ACP, 0, text.data(), static_cast<int>(text.size()), wide.data(), n);
    return wide;
}

// Without the log file there is nowhere else to say it: the event log (Application) takes it.
void reportToEventLog(const std::wstring &service, const std::wstring &message)
{
    if (const HANDLE source = RegisterEventSourceW(nullptr, service.c_str())) {
        const wchar_t *strings[] = {message.c_str()};
        ReportEventW(source, EVENTLOG_ERROR_TYPE, 0, 0, nullptr, 1, 0, strings, nullptr);
        DeregisterEventSource(source);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    std::string name;
    if (!takeServiceName(argc, argv, &name)) {
        std::fprintf(stderr, "switchboard-server: --service: expected a service name\n");
        return 2;
    }
    if (name.empty()) {
        WindowsService::watchConsole(); // Ctrl+C is SIGTERM
        const int exitCode = switchboardMain(argc, argv);
        WindowsService::reportStopped(exitCode);
        return exitCode;
    }
    const std::wstring service = widen(name);
    std::wstring error;
    if (!WindowsService::connect(service, &error)) {
        std::fwprintf(stderr, L"switchboard-server: %ls\n", error.c_str());
        return 2;
    }
    // A service has no console: its output goes to the log file, and Qt, which writes its
    // messages to stderr only when a console is attached, is told to write them there anyway.
    bool streams = false;
    if (!WindowsLogFile::open(service, &streams, &error))
        reportToEventLog(service, L"switchboard-server: " + error);
    _wputenv(L"QT_FORCE_STDERR_LOGGING=1");
    if (!std::getenv("QT_MESSAGE_PATTERN"))
        _wputenv(L"QT_MESSAGE_PATTERN=%{time yyyy-MM-ddTHH:mm:ss.zzz} "
                 L"%{if-category}%{category}: %{endif}%{message}");
    WindowsLogFile::write(L"service " + service + L" starting, pid "
                          + std::to_wstring(GetCurrentProcessId()));
    if (!streams)
        WindowsLogFile::write(L"the C runtime did not reopen stdout/stderr onto this file");
    const int exitCode = switchboardMain(argc, argv);
    std::fflush(stdout);
    std::fflush(stderr);
    WindowsLogFile::write(L"service " + service + L" stopped, exit code "
                          + std::to_wstring(exitCode));
    WindowsService::reportStopped(exitCode);
    return exitCode;
}
