#include "app/ProcessSetup.h"

#include "app/EpollEventDispatcher.h"

#include <QCoreApplication>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

void ProcessSetup::beforeApplication()
{
    qputenv("QT_NO_GLIB", "1");
#ifdef Q_OS_UNIX
    if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
#endif
#ifdef Q_OS_LINUX
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
#endif
}
