#pragma once

// Process-wide settings switchboard-server makes before its QCoreApplication exists.
namespace ProcessSetup {
// No glib dispatcher (its wake-up cost grows with idle sockets, QT64-NOTES.md), the soft
// open-files limit raised to the hard one (each idle peer holds a descriptor), and on Linux the
// epoll event dispatcher (poll() walks every socket on each wake-up, BENCHMARKS.md).
void beforeApplication();
} // namespace ProcessSetup
