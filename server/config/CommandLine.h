#pragma once

#include "config/ServerConfig.h"

class QCoreApplication;

// switchboard-server's command line (--config, --listen, --admin-listen, --data-dir,
// --check-config, --help, --version). --help, --version and bad options exit the process, as
// QCommandLineParser does.
struct CommandLine {
    ConfigSource source;
    bool checkOnly = false;

    static CommandLine parse(const QCoreApplication &app);
};
