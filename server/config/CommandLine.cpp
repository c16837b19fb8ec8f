#include "config/CommandLine.h"

#include <QCommandLineParser>

using namespace Qt::StringLiterals;

CommandLine CommandLine::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"WebRTC signaling server for offices."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOpt(u"config"_s, u"JSON configuration file."_s, u"FILE"_s);
    const QCommandLineOption listenOpt(u"listen"_s, u"Public HTTP/WebSocket address."_s,
                                       u"HOST:PORT"_s);
    const QCommandLineOption adminOpt(u"admin-listen"_s, u"Admin socket address."_s,
                                      u"HOST:PORT"_s);
    const QCommandLineOption dataOpt(
        u"data-dir"_s, u"Directory for the database and generated secrets."_s, u"DIR"_s);
    const QCommandLineOption checkOpt(u"check-config"_s, u"Validate the configuration and exit."_s);
    parser.addOptions({configOpt, listenOpt, adminOpt, dataOpt, checkOpt});
    parser.process(arguments);
    return {{parser.value(configOpt), parser.value(dataOpt), parser.value(listenOpt),
             parser.value(adminOpt)},
            parser.isSet(checkOpt)};
}
