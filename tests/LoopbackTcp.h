#pragma once

// A TCP connection over loopback for socket tests: `client` (a QTcpSocket of any kind) connects to
// `server`, and the server's side of the connection collects what it receives.

#include <QByteArray>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <memory>

// Listens on an ephemeral loopback port, connects `client` and accepts it; the accepted socket,
// which appends all it reads to `*received`, or nullptr when any step fails within 5 s.
inline std::unique_ptr<QTcpSocket> connectLoopback(QTcpServer &server, QTcpSocket &client,
                                                   QByteArray *received)
{
    if (!server.listen(QHostAddress::LocalHost, 0))
        return nullptr;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    if (!QTest::qWaitFor([&] {
            return client.state() == QAbstractSocket::ConnectedState
                && server.hasPendingConnections();
        }))
        return nullptr;
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QTcpSocket *p = peer.get();
    QObject::connect(p, &QTcpSocket::readyRead, p, [p, received] { *received += p->readAll(); });
    return peer;
}
