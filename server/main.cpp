#include "Application.h"
#include "ServerConfig.h"
#include "SignalWatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>

#include <cstdio>

using namespace Qt::StringLiterals;

static int fail(const QString &message)
{
    std::fprintf(stderr, "switchboard-server: %s\n", qPrintable(message));
    return 2;
}

int main(int argc, char *argv[])
{
    // The glib dispatcher's wake-up cost grows with idle sockets (QT64-NOTES.md).
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"switchboard-server"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION " " SWITCHBOARD_BUILD_STAMP));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"WebRTC signaling server for offices."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOpt(u"config"_s, u"JSON configuration file."_s, u"FILE"_s);
    const QCommandLineOption listenOpt(u"listen"_s, u"Public HTTP/WebSocket address."_s, u"HOST:PORT"_s);
    const QCommandLineOption adminOpt(u"admin-listen"_s, u"Admin socket address."_s, u"HOST:PORT"_s);
    const QCommandLineOption dataOpt(u"data-dir"_s, u"Directory for the database and generated secrets."_s, u"DIR"_s);
    const QCommandLineOption checkOpt(u"check-config"_s, u"Validate the configuration and exit."_s);
    parser.addOptions({ configOpt, listenOpt, adminOpt, dataOpt, checkOpt });
    parser.process(app);

    // Loads the file (or the embedded default) and applies the command-line overrides; used at
    // start-up and again on SIGHUP.
    const auto loadConfig = [&](QString *error) -> std::optional<ServerConfig> {
        std::optional<ServerConfig> config;
        QString dataDir = parser.value(dataOpt);
        if (parser.isSet(configOpt)) {
            QFile f(parser.value(configOpt));
            if (!f.open(QIODevice::ReadOnly)) {
                *error = u"--config: cannot read %1"_s.arg(f.fileName());
                return std::nullopt;
            }
            config = ServerConfig::parse(f.readAll(), error);
            if (config && dataDir.isEmpty())
                dataDir = config->dataDir;
        } else {
            if (dataDir.isEmpty())
                dataDir = ServerConfig::defaultDataDir();
            config = ServerConfig::embeddedDefault(dataDir, error);
        }
        if (!config)
            return std::nullopt;
        config->dataDir = dataDir.isEmpty() ? ServerConfig::defaultDataDir() : dataDir;
        if (parser.isSet(listenOpt)
            && !ServerConfig::parseHostPort(parser.value(listenOpt), &config->listenHost, &config->listenPort)) {
            *error = u"--listen: expected HOST:PORT"_s;
            return std::nullopt;
        }
        if (parser.isSet(adminOpt)
            && !ServerConfig::parseHostPort(parser.value(adminOpt), &config->adminHost, &config->adminPort)) {
            *error = u"--admin-listen: expected HOST:PORT"_s;
            return std::nullopt;
        }
        return config;
    };

    QString error;
    const std::optional<ServerConfig> config = loadConfig(&error);
    if (!config)
        return fail(error);
    if (parser.isSet(checkOpt)) {
        std::printf("configuration OK: %d tenant(s)\n", int(config->tenants.size()));
        return 0;
    }
    for (const QString &file : std::as_const(config->generatedSecretFiles))
        std::printf("secret kept in %s\n", qPrintable(file));

    Application server(*config);
    if (!server.start(&error))
        return fail(error);
    std::printf("switchboard listening on http://%s:%u\n", qPrintable(config->listenHost),
                unsigned(server.httpPort()));
    std::printf("admin socket on ws://%s:%u/admin (switchboard-console)\n",
                qPrintable(config->adminHost), unsigned(server.adminPort()));
    std::fflush(stdout);

    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminateRequested, &server, [&server] { server.shutdown(); });
    QObject::connect(&server, &Application::stopped, &app, &QCoreApplication::quit, Qt::QueuedConnection);
    QObject::connect(&watcher, &SignalWatcher::reloadRequested, &server, [&] {
        QString reloadError;
        if (const auto fresh = loadConfig(&reloadError))
            server.reload(*fresh);
        else
            std::fprintf(stderr, "switchboard-server: reload refused, keeping the running configuration: %s\n",
                         qPrintable(reloadError));
    });
    return app.exec();
}
