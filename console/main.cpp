#include <QApplication>
#include <QLabel>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QLabel label(u"switchboard-console: the operator console is not built yet."_s);
    label.show();
    return app.exec();
}
