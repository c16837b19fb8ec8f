#pragma once

// A nats-server child process for the cluster tests, on a free loopback port: the port is found
// by binding a QTcpServer to 0 first (nats-server cannot report one it picked itself).

#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

class NatsServer {
public:
    ~NatsServer() { stop(); }

    // Starts the server (on `port`, or a free one when 0); true once it accepts connections.
    bool start(quint16 port = 0)
    {
        const QString bin = QStandardPaths::findExecutable(QStringLiteral("nats-server"));
        if (bin.isEmpty()) {
            qWarning("nats-server is not installed (apt-get install nats-server)");
            return false;
        }
        if (port == 0) {
            QTcpServer probe;
            if (!probe.listen(QHostAddress::LocalHost, 0))
                return false;
            port = probe.serverPort();
        }
        m_port = port;
        m_process.setProgram(bin);
        m_process.setArguments({QStringLiteral("-a"), QStringLiteral("127.0.0.1"),
                                QStringLiteral("-p"), QString::number(port)});
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        return QTest::qWaitFor(
                   [&] {
                       if (m_process.state() != QProcess::Running)
                           return true;
                       QTcpSocket probe;
                       probe.connectToHost(QHostAddress::LocalHost, port);
                       return probe.waitForConnected(200);
                   },
                   5000)
            && m_process.state() == QProcess::Running;
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }

    quint16 port() const { return m_port; }
    QByteArray url() const { return "nats://127.0.0.1:" + QByteArray::number(m_port); }
    QByteArray output() { return m_process.readAll(); }

private:
    QProcess m_process;
    quint16 m_port = 0;
};
