#include "BridgeSim.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"switchboard-bridge-sim"_s);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Simulates the office's SIP bridge against a Switchboard server. Reads commands on "
        "stdin: ring [callId|-] [from] [to] [room], clear <callId> [reason], "
        "trunks <id>:<up|down>[:host]..., registrar <ext>[:agent]..., end <callId>, status, quit."_s);
    parser.addHelpOption();
    const QCommandLineOption serverOpt(u"server"_s,
                                       u"Server base URL (default http://127.0.0.1:8080)."_s,
                                       u"URL"_s, u"http://127.0.0.1:8080"_s);
    const QCommandLineOption secretOpt(u"secret"_s, u"The tenant's bridge secret."_s, u"TEXT"_s);
    const QCommandLineOption secretFileOpt(
        u"secret-file"_s, u"File holding the bridge secret (one trailing newline dropped)."_s,
        u"FILE"_s);
    const QCommandLineOption ringEveryOpt(
        u"ring-every"_s, u"Post an office-ring every N seconds."_s, u"N"_s, u"0"_s);
    const QCommandLineOption ringToOpt(u"ring-to"_s, u"Extension (or *) the rings go to."_s,
                                       u"EXT"_s, u"*"_s);
    const QCommandLineOption answerAfterOpt(u"answer-after"_s,
                                            u"Milliseconds before a dial is answered or fails."_s,
                                            u"MS"_s, u"1000"_s);
    const QCommandLineOption dialResultOpt(u"dial-result"_s,
                                           u"answered, or a failure reason: busy, no-answer, "
                                           "rejected, unreachable, error."_s,
                                           u"RESULT"_s, u"answered"_s);
    const QCommandLineOption noJoinOpt(u"no-join"_s,
                                       u"Do not join call rooms as the bridge peer."_s);
    const QCommandLineOption noStdinOpt(u"no-stdin"_s, u"Ignore stdin."_s);
    parser.addOptions({serverOpt, secretOpt, secretFileOpt, ringEveryOpt, ringToOpt, answerAfterOpt,
                       dialResultOpt, noJoinOpt, noStdinOpt});
    parser.process(app);

    BridgeSim::Options o;
    o.server = QUrl(parser.value(serverOpt));
    if (parser.isSet(secretFileOpt)) {
        QFile f(parser.value(secretFileOpt));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s\n", qPrintable(f.fileName()));
            return 2;
        }
        o.secret = f.readAll();
        if (o.secret.endsWith("\r\n"))
            o.secret.chop(2);
        else if (o.secret.endsWith('\n'))
            o.secret.chop(1);
    } else {
        o.secret = parser.value(secretOpt).toUtf8();
    }
    if (o.secret.isEmpty() || !o.server.isValid() || o.server.host().isEmpty()) {
        std::fprintf(stderr, "need --server URL and --secret or --secret-file\n");
        return 2;
    }
    o.ringEverySec = parser.value(ringEveryOpt).toInt();
    o.ringTo = parser.value(ringToOpt);
    o.answerAfterMs = parser.value(answerAfterOpt).toInt();
    o.dialResult = parser.value(dialResultOpt);
    o.joinRooms = !parser.isSet(noJoinOpt);
    o.readStdin = !parser.isSet(noStdinOpt);

    BridgeSim sim(o);
    QObject::connect(&sim, &BridgeSim::quit, &app, &QCoreApplication::quit);
    sim.start();
    return app.exec();
}
