#include "app/Application.h"
#include "app/ProcessSetup.h"
#include "app/SignalWatcher.h"
#include "config/BuildInfo.h"
#include "config/CommandLine.h"
#include "platform/SystemdNotify.h"
#include "platform/WindowsMain.h" // on Windows: main() below is switchboardMain()

#include <QCoreApplication>
#include <cstdio>

using namespace Qt::StringLiterals;

static int fail(const QString &message)
{
    std::fprintf(stderr, "switchboard-server: %s\n", qPrintable(message));
    return 2;
}

int main(int argc, char *argv[])
{
    ProcessSetup::beforeApplication();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"switchboard-server"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION " ")
                                            + QLatin1StringView(buildinfo::stamp()));

    const CommandLine cli = CommandLine::parse(QCoreApplication::arguments());
    const ConfigSource &source = cli.source;
    QString error;
    const std::optional<ServerConfig> config = ServerConfig::load(source, &error);
    if (!config)
        return fail(error);
    if (cli.checkOnly) {
        std::printf("configuration OK: %d tenant(s)\n", int(config->tenants.size()));
        return 0;
    }
    for (const QString &file : std::as_const(config->generatedSecretFiles))
        std::printf("secret kept in %s\n", qPrintable(file));

    Application server(*config);
    if (!server.start(&error))
        return fail(error);
    const bool tls = server.tlsEnabled();
    std::printf("switchboard listening on %s://%s:%u\nadmin socket on %s://%s:%u/admin "
                "(switchboard-console)\n",
                tls ? "https" : "http", qPrintable(config->listenHost), unsigned(server.httpPort()),
                tls ? "wss" : "ws", qPrintable(config->adminHost), unsigned(server.adminPort()));
    std::fflush(stdout);
    SystemdNotify notify;
    notify.ready();
    WindowsMain::listening(); // a Windows service reports RUNNING
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminateRequested, &server, [&] {
        notify.stopping();
        server.shutdown();
    });
    QObject::connect(&server, &Application::stopped, &app, &QCoreApplication::quit,
                     Qt::QueuedConnection);
    QObject::connect(&watcher, &SignalWatcher::reloadRequested, &server, [&] {
        notify.reloading();
        QString reloadError;
        if (const auto fresh = ServerConfig::load(source, &reloadError))
            server.reload(*fresh);
        else
            fail(u"reload refused, keeping the running configuration: "_s + reloadError);
        notify.ready();
    });
    return app.exec();
}
