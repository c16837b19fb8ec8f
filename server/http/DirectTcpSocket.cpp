#include "http/DirectTcpSocket.h"

#include <QAbstractEventDispatcher>
#include <QThread>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#endif

namespace {
// Event-loop rounds of this thread: each starts with the dispatcher's awake().
thread_local quint64 t_round = 0;
thread_local bool t_counting = false;

quint64 currentRound()
{
    if (!t_counting) {
        if (QAbstractEventDispatcher *d
            = QAbstractEventDispatcher::instance(QThread::currentThread())) {
            QObject::connect(d, &QAbstractEventDispatcher::awake, d, [] { ++t_round; });
            t_counting = true;
            ++t_round;
        }
    }
    return t_round;
}
} // namespace

DirectTcpSocket::DirectTcpSocket(QObject *parent) : QTcpSocket(parent)
{
    currentRound();
}

qint64 DirectTcpSocket::writeData(const char *data, qint64 size)
{
#ifdef Q_OS_UNIX
    const quint64 round = currentRound();
    if (size > 0 && round != m_directRound && state() == ConnectedState && bytesToWrite() == 0
        && socketDescriptor() >= 0) {
        m_directRound = round;
        qint64 sent;
        do {
            sent = ::send(int(socketDescriptor()), data, size_t(size), MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (sent < 0 && errno == EINTR);
        if (sent == size)
            return size;
        if (sent > 0) { // a short write: QTcpSocket buffers the rest and waits for writability
            const qint64 rest = QTcpSocket::writeData(data + sent, size - sent);
            return rest < 0 ? rest : size;
        }
        // EAGAIN, or an error that QTcpSocket reports when it writes
    }
#endif
    return QTcpSocket::writeData(data, size);
}
