// A tiny stand-in for switchboard-server built with mingw-w64 and run under wine as a real
// service (wine-service-test.sh): it links the same Qt-free glue (WindowsMain.cpp,
// WindowsService.cpp, WindowsLogFile.cpp) and plays the Qt loop with a Win32 event, so that the
// test sees what the server would: RUNNING once "listening", controls handed over from the
// SCM's thread, and the stop handled on the main thread, which writes the marker file.
//
//   sb-test-service.exe --service NAME --marker FILE [--exit-code N] [--no-listen]
//   sb-test-service.exe --hold SECONDS   (keeps wine's session, and so its services, alive)
//   sb-test-service.exe --control NAME CODE   (ControlService: wine's sc.exe has no `control`)
#include "platform/WindowsMain.h" // renames main() below to switchboardMain() on Windows

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <windows.h>
#include <winsvc.h>

namespace {

int sendControl(const char *name, DWORD code)
{
    const SC_HANDLE manager = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
    const SC_HANDLE service = manager
        ? OpenServiceA(manager, name, SERVICE_USER_DEFINED_CONTROL | SERVICE_QUERY_STATUS)
        : nullptr;
    SERVICE_STATUS status{};
    const bool sent = service && ControlService(service, code, &status);
    const DWORD error = sent ? 0 : GetLastError();
    if (service)
        CloseServiceHandle(service);
    if (manager)
        CloseServiceHandle(manager);
    if (!sent)
        std::fprintf(stderr, "ControlService(%s, %lu) failed: error %lu\n", name, code, error);
    return sent ? 0 : 1;
}

void mark(const char *marker, const char *line)
{
    if (FILE *f = std::fopen(marker, "a")) {
        std::fprintf(f, "%s\n", line);
        std::fclose(f);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    const char *marker = nullptr;
    int exitCode = 0;
    bool listen = true;
    if (argc == 3 && std::strcmp(argv[1], "--hold") == 0) {
        Sleep(static_cast<DWORD>(std::atoi(argv[2])) * 1000);
        return 0;
    }
    if (argc == 4 && std::strcmp(argv[1], "--control") == 0)
        return sendControl(argv[2], static_cast<DWORD>(std::atoi(argv[3])));
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--marker") == 0 && i + 1 < argc)
            marker = argv[++i];
        else if (std::strcmp(argv[i], "--exit-code") == 0 && i + 1 < argc)
            exitCode = std::atoi(argv[++i]);
        else if (std::strcmp(argv[i], "--no-listen") == 0)
            listen = false;
        else if (std::strncmp(argv[i], "--service", 9) == 0) {
            std::fprintf(stderr, "--service reached the program: WindowsMain must take it\n");
            return 3;
        }
    }
    if (!marker) {
        std::fprintf(stderr, "usage: sb-test-service --marker FILE [--exit-code N]\n");
        return 2;
    }
    const DWORD mainThread = GetCurrentThreadId();
    const HANDLE stop = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    const HANDLE reload = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    std::atomic<DWORD> controlThread{0};
    std::atomic<int> reloads{0};
    // As SignalWatcher does: the handler only queues (here: sets an event).
    WindowsService::setControlHandler([&](WindowsService::Control control) {
        controlThread = GetCurrentThreadId();
        if (control == WindowsService::Control::Stop) {
            SetEvent(stop);
        } else {
            ++reloads;
            SetEvent(reload);
        }
    });
    std::printf("test service listening (stdout)\n");
    std::fprintf(stderr, "switchboard.app: test service on stderr\n");
    if (listen)
        WindowsMain::listening();
    mark(marker, "started");
    for (;;) {
        const HANDLE events[] = {stop, reload};
        const DWORD woke = WaitForMultipleObjects(2, events, FALSE, 60'000);
        if (woke == WAIT_OBJECT_0 + 1) {
            mark(marker, ("reload " + std::to_string(reloads.load())).c_str());
            continue;
        }
        if (woke != WAIT_OBJECT_0) {
            mark(marker, "timed out waiting for a stop");
            return 4;
        }
        break;
    }
    // The "shutdown callback": on the main thread, after a control from another thread.
    const bool offThread = controlThread.load() != 0 && controlThread.load() != mainThread;
    mark(marker,
         offThread ? "stop handled on the main thread" : "stop arrived on the main thread?!");
    WindowsService::setControlHandler({});
    std::printf("test service shut down, exit code %d\n", exitCode);
    return exitCode;
}
