#include "AdminClient.h"
#include "MainWindow.h"
#include "SecretStore.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <cstdio>
#include <cstring>

using namespace Qt::StringLiterals;

namespace {
void describe(QCommandLineParser &parser, QList<QCommandLineOption> &options)
{
    parser.setApplicationDescription(
        u"Operator console for a Switchboard server: live rooms, phones, trunks and rings, the "
        "call history and trends, for one or more servers (one tab each)."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    options = {
        QCommandLineOption(u"url"_s, u"Admin socket, e.g. ws://127.0.0.1:8081/admin."_s, u"URL"_s),
        QCommandLineOption(u"tenant"_s, u"Tenant host name (default localhost)."_s, u"HOST"_s,
                           u"localhost"_s),
        QCommandLineOption(u"secret-file"_s, u"File holding the tenant's admin secret."_s,
                           u"FILE"_s)};
    parser.addOptions(options);
}

bool asksForHelpOrVersion(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"-h", "--help", "-?", "--help-all", "-v", "--version"}) {
            if (std::strcmp(argv[i], flag) == 0)
                return true;
        }
    }
    return false;
}
} // namespace

int main(int argc, char *argv[])
{
    if (asksForHelpOrVersion(argc, argv)) {
        // Answered without a display: --help and --version work over SSH and in scripts.
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(u"switchboard-console"_s);
        QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
        QCommandLineParser parser;
        QList<QCommandLineOption> options;
        describe(parser, options);
        parser.process(core); // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"switchboard"_s);
    QApplication::setApplicationName(u"switchboard-console"_s);
    QApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    // Closing the window keeps the console in the tray; MainWindow quits when there is none.
    QApplication::setQuitOnLastWindowClosed(false);

    QCommandLineParser parser;
    QList<QCommandLineOption> options;
    describe(parser, options);
    parser.process(app);
    const QCommandLineOption &urlOpt = options[0];
    const QCommandLineOption &tenantOpt = options[1];
    const QCommandLineOption &secretOpt = options[2];

    SecretStore secrets;
    MainWindow window(secrets);
    window.show();
    if (parser.isSet(urlOpt) && parser.isSet(secretOpt)) {
        // Connect at once (scripts, kiosks); the dialog stays available from the menu.
        QFile f(parser.value(secretOpt));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "switchboard-console: cannot read %s\n", qPrintable(f.fileName()));
            return 2;
        }
        QByteArray secret = f.read(4096);
        if (secret.endsWith("\r\n"))
            secret.chop(2);
        else if (secret.endsWith('\n'))
            secret.chop(1);
        window.openConnection(QUrl(parser.value(urlOpt)), {parser.value(tenantOpt), secret, {}});
    } else if (!window.showConnectDialog()) {
        return 0;
    }
    return app.exec();
}
