#pragma once

// When this build was configured ("2026-12-02T09:40Z"), for `?version`-style answers and logs.
// It lives in one generated source file (BuildInfo.cpp.in), so that a new stamp at each
// configure rebuilds one object instead of every file of the library.
namespace buildinfo {
const char *stamp();
} // namespace buildinfo
