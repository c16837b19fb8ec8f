#pragma once

#include "config/ServerConfig.h"

#include <QHash>
#include <QHostAddress>
#include <QTcpServer>

class HttpApi;
class QTcpSocket;

// `httpRedirectListen` (with tls): a plain-HTTP port that answers every request with 308 to the
// same URL over https on the public port, except the liveness GET /signal.ashx, answered as on
// the public port. One request per connection; the head limit, the per-address limit and an
// idle timeout hold as on the front door.
class RedirectDoor : public QTcpServer {
    Q_OBJECT
public:
    RedirectDoor(const ServerConfig &config, quint16 httpsPort, HttpApi &api,
                 QObject *parent = nullptr);

    void setConfig(const ServerConfig &config) { m_config = config; }
    // The answer to one request head (exposed for tests).
    QByteArray answer(const QByteArray &head);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void onReadyRead(QTcpSocket *socket);
    static void reply(QTcpSocket *socket, const QByteArray &response);

    ServerConfig m_config;
    quint16 m_httpsPort;
    HttpApi &m_api;
    QHash<QHostAddress, int> m_perIp;
};
