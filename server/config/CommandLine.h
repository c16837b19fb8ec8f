#pragma once

#include "config/ServerConfig.h"

#include <QStringList>

// switchboard-server's command line (--config, --listen, --admin-listen, --data-dir,
// --check-config, --help, --version). --help, --version and bad options exit the process, as
// QCommandLineParser does.
struct CommandLine {
    ConfigSource source;
    bool checkOnly = false;

    // `arguments` as QCoreApplication::arguments() gives them (the program name first).
    static CommandLine parse(const QStringList &arguments);
};
