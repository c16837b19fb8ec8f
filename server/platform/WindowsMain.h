#pragma once

// On Windows, main() is the one in platform/WindowsMain.cpp: started by the Service Control
// Manager with `--service NAME`, it connects to the SCM and sends the output to the log file
// first (WindowsService, WindowsLogFile), then calls the program's own main(), which this
// macro renames to switchboardMain(). Only the file that defines main() includes it (no header
// after it may name `main`: neither Qt's nor the C++ library's do).
#ifdef _WIN32
#include "platform/WindowsService.h"
#define main switchboardMain
int switchboardMain(int argc, char *argv[]);
#endif

namespace WindowsMain {
// Both listeners are up: a Windows service reports RUNNING. Nothing anywhere else.
inline void listening()
{
#ifdef _WIN32
    WindowsService::reportRunning();
#endif
}
} // namespace WindowsMain
