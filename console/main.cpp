#include "AdminClient.h"
#include "MainWindow.h"
#include "SecretStore.h"

#include <QApplication>
#include <QCommandLineParser>

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
    parser.process(app);

    AdminClient client;
    SecretStore secrets;
    MainWindow window(client, secrets);
    window.show();
    if (!window.showConnectDialog())
        return 0;
    return app.exec();
}
