#include "platform/WindowsLogFile.h"

#include <cstdio>
#include <cwchar>
#include <windows.h>

namespace {
HANDLE s_log = INVALID_HANDLE_VALUE; // written only by open(), before other threads log
}

std::wstring WindowsLogFile::baseDirectory()
{
    wchar_t buffer[MAX_PATH];
    const DWORD n = GetEnvironmentVariableW(L"ProgramData", buffer, MAX_PATH);
    const std::wstring programData
        = n > 0 && n < MAX_PATH ? std::wstring(buffer, n) : std::wstring(L"C:\\ProgramData");
    return programData + L"\\Switchboard";
}

std::wstring WindowsLogFile::pathFor(const std::wstring &name)
{
    return baseDirectory() + L"\\logs\\" + name + L".log";
}

bool WindowsLogFile::open(const std::wstring &name, bool *streams, std::wstring *error)
{
    *streams = false;
    const std::wstring base = baseDirectory();
    for (const std::wstring &dir : {base, base + L"\\logs"}) {
        if (!CreateDirectoryW(dir.c_str(), nullptr) && GetLastError() != ERROR_ALREADY_EXISTS) {
            *error = L"cannot create " + dir + L" (error " + std::to_wstring(GetLastError()) + L")";
            return false;
        }
    }
    const std::wstring path = pathFor(name);
    WIN32_FILE_ATTRIBUTE_DATA info{};
    if (GetFileAttributesExW(path.c_str(), GetFileExInfoStandard, &info)) {
        const long long size
            = (static_cast<long long>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
        if (size > RotateBytes)
            MoveFileExW(path.c_str(), (path + L".1").c_str(), MOVEFILE_REPLACE_EXISTING);
    }
    // FILE_APPEND_DATA: every write lands at the end, whoever else has the file open.
    const HANDLE log
        = CreateFileW(path.c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                      OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (log == INVALID_HANDLE_VALUE) {
        *error = L"cannot open " + path + L" (error " + std::to_wstring(GetLastError()) + L")";
        return false;
    }
    s_log = log;
    SetStdHandle(STD_OUTPUT_HANDLE, log);
    SetStdHandle(STD_ERROR_HANDLE, log);
    *streams = true;
    for (FILE *stream : {stdout, stderr}) {
        if (_wfreopen(path.c_str(), L"a", stream))
            std::setvbuf(stream, nullptr, _IONBF, 0);
        else
            *streams = false;
    }
    return true;
}

void WindowsLogFile::write(const std::wstring &line)
{
    if (s_log == INVALID_HANDLE_VALUE)
        return;
    SYSTEMTIME t;
    GetSystemTime(&t);
    wchar_t stamp[32];
    swprintf(stamp, 32, L"%04u-%02u-%02uT%02u:%02u:%02u.%03uZ ", t.wYear, t.wMonth, t.wDay, t.wHour,
             t.wMinute, t.wSecond, t.wMilliseconds);
    const std::wstring text = stamp + line + L"\r\n";
    const int n = WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                                      nullptr, 0, nullptr, nullptr);
    std::string utf8(static_cast<size_t>(n), '\0');
    WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), utf8.data(), n,
                        nullptr, nullptr);
    DWORD written = 0;
    WriteFile(s_log, utf8.data(), static_cast<DWORD>(utf8.size()), &written, nullptr);
}
