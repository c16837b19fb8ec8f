#include "AdminClient.h"
#include "MainWindow.h"
#include "SecretStore.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"switchboard"_s);
    QApplication::setApplicationName(u"switchboard-console"_s);
    QApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Operator console for a Switchboard server."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption urlOpt(u"url"_s, u"Admin socket, e.g. ws://127.0.0.1:8081/admin."_s,
                                    u"URL"_s);
    const QCommandLineOption tenantOpt(u"tenant"_s, u"Tenant host name (default localhost)."_s,
                                       u"HOST"_s, u"localhost"_s);
    const QCommandLineOption secretOpt(u"secret-file"_s,
                                       u"File holding the tenant's admin secret."_s, u"FILE"_s);
    parser.addOptions({urlOpt, tenantOpt, secretOpt});
    parser.process(app);

    AdminClient client;
    SecretStore secrets;
    MainWindow window(client, secrets);
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
        client.connectTo(QUrl(parser.value(urlOpt)), {parser.value(tenantOpt), secret, {}});
    } else if (!window.showConnectDialog()) {
        return 0;
    }
    return app.exec();
}
