#pragma once

#include <string>

// Where a Windows service's output goes: a service has no console, so its lines, stdout and
// stderr (and with them Qt's messages, see WindowsMain.cpp) are sent to
// %ProgramData%\Switchboard\logs\<name>.log. Free of Qt, like WindowsService.
class WindowsLogFile {
public:
    // The file is kept below this size: a larger one is renamed to <name>.log.1 on start.
    static constexpr long long RotateBytes = 10LL * 1024 * 1024;

    // %ProgramData%\Switchboard (C:\ProgramData\Switchboard when the variable is unset).
    static std::wstring baseDirectory();
    static std::wstring pathFor(const std::wstring &name);
    // Creates the folders, rotates, opens the file for appending and makes it the process's
    // standard output and error: the Win32 handles, and the C runtime's stdout and stderr,
    // unbuffered. False, with a message, when the file cannot be opened. *streams tells whether
    // the C runtime let its streams be reopened (wine's does not when no console was attached).
    static bool open(const std::wstring &name, bool *streams, std::wstring *error);
    // Appends one line (UTF-8, with a UTC time stamp) with a single write; a no-op before open().
    static void write(const std::wstring &line);
};
