#pragma once

#include "http/HttpMessage.h"

#include <QObject>
#include <QTimer>

class FrontDoor;
class QTcpSocket;

// One keep-alive HTTP/1.1 connection on the front door: reads heads and bodies within the
// limits, answers through HttpApi, or hands the socket over when it asks for a WebSocket.
class HttpConnection : public QObject {
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, FrontDoor &door);

private:
    void onReadyRead();
    bool processOne(); // false when more bytes are needed or the connection is done
    void respond(const HttpResponse &response, bool keepAlive, bool headOnly);
    void fail(const HttpResponse &response); // answer and close
    void finish();

    QTcpSocket *m_socket;
    FrontDoor &m_door;
    QTimer m_idle;
    HttpRequest m_request; // head parsed, waiting for its body
    qint64 m_bodyLength = -1; // -1: no head yet
    bool m_done = false;
};
