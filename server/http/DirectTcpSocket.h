#pragma once

#include <QTcpSocket>

// An accepted TCP connection whose first write of each event-loop round goes straight to the
// kernel when nothing is buffered; the rest of the round's writes are buffered by QTcpSocket as
// usual and leave in one flush.
//
// Why: a buffered QTcpSocket allocates a 32 KiB write chunk for its first write (the upgrade's
// 101 reply) and keeps it for the socket's life. With 10 000 idle peers that chunk, and the
// page of it that was touched, was the largest share of a connection's memory
// (BENCHMARKS.md "Memory"). A socket whose writes all complete at once never allocates it.
// A short or refused write (EAGAIN, full send buffer) falls back to QTcpSocket's buffer and
// write notifier; errors are left to QTcpSocket, which reports them on its next write.
class DirectTcpSocket : public QTcpSocket {
    Q_OBJECT
public:
    explicit DirectTcpSocket(QObject *parent = nullptr);

protected:
    qint64 writeData(const char *data, qint64 size) override;

private:
    quint64 m_directRound = 0; // the round of this socket's last direct write
};
