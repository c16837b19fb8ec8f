#include "Application.h"
#include "ServerConfig.h"

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

    QString error;
    std::optional<ServerConfig> config;
    QString dataDir = parser.value(dataOpt);
    if (parser.isSet(configOpt)) {
        QFile f(parser.value(configOpt));
        if (!f.open(QIODevice::ReadOnly))
            return fail(u"--config: cannot read %1"_s.arg(f.fileName()));
        config = ServerConfig::parse(f.readAll(), &error);
        if (config && dataDir.isEmpty())
            dataDir = config->dataDir;
    } else {
        if (dataDir.isEmpty())
            dataDir = ServerConfig::defaultDataDir();
        config = ServerConfig::embeddedDefault(dataDir, &error);
    }
    if (!config)
        return fail(error);
    config->dataDir = dataDir.isEmpty() ? ServerConfig::defaultDataDir() : dataDir;
    if (parser.isSet(listenOpt)
        && !ServerConfig::parseHostPort(parser.value(listenOpt), &config->listenHost, &config->listenPort))
        return fail(u"--listen: expected HOST:PORT"_s);
    if (parser.isSet(adminOpt)
        && !ServerConfig::parseHostPort(parser.value(adminOpt), &config->adminHost, &config->adminPort))
        return fail(u"--admin-listen: expected HOST:PORT"_s);
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
    return app.exec();
}
