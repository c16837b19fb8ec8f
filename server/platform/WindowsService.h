#pragma once

#include <functional>
#include <string>

// The Service Control Manager glue of switchboard-server on Windows, free of Qt so that
// tests/windows builds it with mingw-w64 and runs it under wine as a real service.
// The SCM's callbacks (ServiceMain, the control handler) take no context, so the state is
// process-wide: one service per process, as the installer registers it.
class WindowsService {
public:
    enum class Control {
        Stop, // SERVICE_CONTROL_STOP or _SHUTDOWN, or Ctrl+C / Ctrl+Break / closing the console
        Reload, // the user-defined control 128 (`sc control NAME 128`): what SIGHUP is on Linux
    };
    static constexpr unsigned long ReloadControlCode = 128;
    // Runs on the SCM's or the console's thread, never the program's: it must only queue work
    // onto the program's loop. Controls that arrive while no handler is set are kept (a stop
    // once, reloads counted) and handed to the next handler that is set.
    using ControlHandler = std::function<void(Control)>;

    // Connects this process to the SCM as service `name`: hands a thread of its own to
    // StartServiceCtrlDispatcherW, and returns once the SCM has called ServiceMain, the control
    // handler is registered and START_PENDING reported. False, with a message, when the process
    // was not started by the SCM or registration failed.
    static bool connect(const std::wstring &name, std::wstring *error);
    // Console mode: Ctrl+C, Ctrl+Break and closing the console window become Control::Stop.
    static void watchConsole();
    static void setControlHandler(ControlHandler handler);

    // Both listeners are up: RUNNING, accepting stop and shutdown. A no-op outside a service.
    static void reportRunning();
    // STOPPED with the program's exit code (non-zero as a service-specific error), then waits
    // (bounded) for the dispatcher thread to return. In console mode it only lets a closing
    // console window's handler return.
    static void reportStopped(int exitCode);
    static bool isService();
};
