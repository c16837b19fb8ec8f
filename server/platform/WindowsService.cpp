#include "platform/WindowsService.h"

#include <utility>
#include <windows.h>
#include <winsvc.h>

namespace {

// How long the SCM is told to wait for start-up (config, database) and for the graceful stop
// (Application::shutdown waits at most 4 s for the sockets).
constexpr DWORD StartWaitHintMs = 60'000;
constexpr DWORD StopWaitHintMs = 15'000;
// How long connect() waits for the SCM to call ServiceMain after the dispatcher started.
constexpr DWORD ConnectTimeoutMs = 30'000;

struct ServiceState {
    SRWLOCK lock = SRWLOCK_INIT; // guards everything below but the handles
    std::wstring name;
    SERVICE_STATUS_HANDLE statusHandle = nullptr;
    SERVICE_STATUS status{};
    WindowsService::ControlHandler handler;
    bool pendingStop = false;
    int pendingReloads = 0;
    DWORD registerError = 0;
    HANDLE entered = nullptr; // set once ServiceMain ran (or failed to register)
    HANDLE stopped = nullptr; // set by reportStopped(): ServiceMain (or the console) may return
    HANDLE dispatcher = nullptr; // the thread inside StartServiceCtrlDispatcherW
    DWORD dispatcherError = 0;
};

ServiceState &state()
{
    static ServiceState s;
    return s;
}

class Locked {
public:
    Locked() { AcquireSRWLockExclusive(&state().lock); }
    ~Locked() { ReleaseSRWLockExclusive(&state().lock); }
    Locked(const Locked &) = delete;
    Locked &operator=(const Locked &) = delete;
};

// With the lock held.
void setStatus(DWORD current, DWORD waitHint = 0)
{
    ServiceState &s = state();
    if (!s.statusHandle)
        return;
    s.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    s.status.dwCurrentState = current;
    s.status.dwControlsAccepted
        = current == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    s.status.dwWaitHint = waitHint;
    const bool pending = current == SERVICE_START_PENDING || current == SERVICE_STOP_PENDING;
    s.status.dwCheckPoint = pending ? s.status.dwCheckPoint + 1 : 0;
    SetServiceStatus(s.statusHandle, &s.status);
}

// With the lock held.
void deliver(WindowsService::Control control)
{
    ServiceState &s = state();
    if (s.handler) {
        s.handler(control);
        return;
    }
    if (control == WindowsService::Control::Stop)
        s.pendingStop = true;
    else
        ++s.pendingReloads;
}

DWORD WINAPI controlHandler(DWORD control, DWORD, LPVOID, LPVOID)
{
    Locked locked;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        if (state().status.dwCurrentState != SERVICE_STOP_PENDING) {
            setStatus(SERVICE_STOP_PENDING, StopWaitHintMs);
            deliver(WindowsService::Control::Stop);
        }
        return NO_ERROR;
    case WindowsService::ReloadControlCode:
        deliver(WindowsService::Control::Reload);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE: return NO_ERROR;
    default: return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

void WINAPI serviceMain(DWORD, LPWSTR *)
{
    ServiceState &s = state();
    {
        Locked locked;
        s.statusHandle = RegisterServiceCtrlHandlerExW(s.name.c_str(), &controlHandler, nullptr);
        if (!s.statusHandle)
            s.registerError = GetLastError();
        else
            setStatus(SERVICE_START_PENDING, StartWaitHintMs);
    }
    SetEvent(s.entered);
    // The program runs on the main thread; this one only waits for it to report STOPPED, after
    // which the dispatcher returns.
    if (s.statusHandle)
        WaitForSingleObject(s.stopped, INFINITE);
}

DWORD WINAPI dispatcherThread(LPVOID)
{
    ServiceState &s = state();
    SERVICE_TABLE_ENTRYW table[] = {{s.name.data(), &serviceMain}, {nullptr, nullptr}};
    if (!StartServiceCtrlDispatcherW(table)) {
        s.dispatcherError = GetLastError();
        return 1;
    }
    return 0;
}

BOOL WINAPI consoleHandler(DWORD event)
{
    switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT: {
        Locked locked;
        deliver(WindowsService::Control::Stop);
        return TRUE;
    }
    case CTRL_CLOSE_EVENT: {
        {
            Locked locked;
            deliver(WindowsService::Control::Stop);
        }
        // Windows ends the process once this returns (or after 5 s): wait for the shutdown.
        WaitForSingleObject(state().stopped, 4'500);
        return TRUE;
    }
    default: return FALSE;
    }
}

std::wstring systemMessage(DWORD code)
{
    wchar_t *text = nullptr;
    const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM
                                       | FORMAT_MESSAGE_IGNORE_INSERTS,
                                   nullptr, code, 0, reinterpret_cast<LPWSTR>(&text), 0, nullptr);
    std::wstring message = n ? std::wstring(text, n) : std::wstring();
    LocalFree(text);
    while (!message.empty() && (message.back() == L'\n' || message.back() == L'\r'))
        message.pop_back();
    return message + L" (error " + std::to_wstring(code) + L")";
}

} // namespace

bool WindowsService::connect(const std::wstring &name, std::wstring *error)
{
    ServiceState &s = state();
    if (s.dispatcher) {
        *error = L"already connected to the Service Control Manager";
        return false;
    }
    s.name = name;
    s.entered = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    s.stopped = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    s.dispatcher = CreateThread(nullptr, 0, &dispatcherThread, nullptr, 0, nullptr);
    if (!s.entered || !s.stopped || !s.dispatcher) {
        *error = L"cannot start the service dispatcher: " + systemMessage(GetLastError());
        return false;
    }
    const HANDLE waitFor[] = {s.entered, s.dispatcher};
    const DWORD woke = WaitForMultipleObjects(2, waitFor, FALSE, ConnectTimeoutMs);
    if (woke == WAIT_OBJECT_0 && s.statusHandle)
        return true;
    if (woke == WAIT_OBJECT_0) {
        *error = L"RegisterServiceCtrlHandlerExW(" + name + L"): " + systemMessage(s.registerError);
    } else if (woke == WAIT_OBJECT_0 + 1) {
        *error = s.dispatcherError == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
            ? L"--service: not started by the Service Control Manager (run without --service "
              L"for a console program)"
            : L"StartServiceCtrlDispatcherW: " + systemMessage(s.dispatcherError);
    } else {
        *error = L"--service: the Service Control Manager did not start service " + name;
    }
    return false;
}

void WindowsService::watchConsole()
{
    state().stopped = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    SetConsoleCtrlHandler(&consoleHandler, TRUE);
}

void WindowsService::setControlHandler(ControlHandler handler)
{
    Locked locked;
    ServiceState &s = state();
    s.handler = std::move(handler);
    if (!s.handler)
        return;
    for (; s.pendingReloads > 0; --s.pendingReloads)
        s.handler(Control::Reload);
    if (std::exchange(s.pendingStop, false))
        s.handler(Control::Stop);
}

void WindowsService::reportRunning()
{
    Locked locked;
    if (state().status.dwCurrentState == SERVICE_START_PENDING)
        setStatus(SERVICE_RUNNING);
}

void WindowsService::reportStopped(int exitCode)
{
    ServiceState &s = state();
    {
        Locked locked;
        if (!s.statusHandle) {
            if (s.stopped) // console mode: a closing console waits for this
                SetEvent(s.stopped);
            return;
        }
        s.status.dwWin32ExitCode = exitCode == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
        s.status.dwServiceSpecificExitCode = static_cast<DWORD>(exitCode);
        setStatus(SERVICE_STOPPED);
        s.statusHandle = nullptr; // the handle is invalid once STOPPED is reported
    }
    SetEvent(s.stopped);
    WaitForSingleObject(s.dispatcher, 5'000);
}

bool WindowsService::isService()
{
    Locked locked;
    return state().statusHandle != nullptr;
}
