#pragma once

// The fixture of the cluster tests (DESIGN.md "Cluster mode"): one nats-server, two nodes in the
// test process and a third as a child process (so that it can be killed -9), all serving the
// tenant `localhost` (admin secret "a", bridge secret "b"). A test class derives from it; its
// private slots (inherited, and run by Qt Test) call startCluster() before the first test and
// stopCluster() after the last. A class that needs more JSON members of the tenant sets
// m_tenantExtra in its constructor (or declares its own initTestCase() that calls startCluster()).

#include "NatsServer.h"
#include "RawHttp.h"
#include "ServerChild.h"
#include "Signing.h"
#include "TestClient.h"
#include "app/Application.h"
#include "cluster/ClusterNode.h"
#include "cluster/TenantPresence.h"
#include "config/ServerConfig.h"
#include "signal/Tenant.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace Qt::StringLiterals;

class ClusterFixture : public QObject {
    Q_OBJECT
public:
    static constexpr int keepaliveSec = 2;

    // The config of one node; no cluster key when `node` is empty.
    QByteArray configJson(const QString &dataDir, const QByteArray &natsUrl,
                          const QString &node) const
    {
        QByteArray cluster;
        if (!node.isEmpty())
            cluster
                = ",\"cluster\":{\"nats\":\"" + natsUrl + "\",\"node\":\"" + node.toUtf8() + "\"}";
        return "{\"listen\":\"127.0.0.1:0\",\"adminListen\":\"127.0.0.1:0\",\"dataDir\":\""
            + dataDir.toUtf8() + "\",\"keepaliveSec\":" + QByteArray::number(keepaliveSec)
            + ",\"limits\":{\"maxPeersPerRoom\":3}" + cluster
            + ",\"tenants\":[{\"hosts\":[\"localhost\"],\"adminSecret\":\"a\",\"bridgeSecret\":"
              "\"b\""
            + m_tenantExtra + "}]}";
    }

    static QStringList ids(const QJsonArray &peers)
    {
        QStringList out;
        for (const QJsonValue &p : peers)
            out.append(p.toObject().value(u"peerId"_s).toString());
        return out;
    }

    static QString freshRoom()
    {
        static int n = 0;
        return u"room%1"_s.arg(++n);
    }

    // The public port of node 0, 1 (in process) or 2 (the child).
    quint16 port(int node) const { return node == 2 ? m_childPort : m_apps[node]->httpPort(); }

    // Waits until node `node` (in process) knows `count` remote members of `room`.
    bool knows(int node, const QString &room, int count)
    {
        Tenant *t = m_apps[node]->tenants().value(0);
        TenantPresence *p = m_apps[node]->cluster()->presence(*t);
        return QTest::qWaitFor([&] { return p->remoteCount(room) == count; }, 5000);
    }

    // A signed admin POST (DESIGN.md "Admin requests") to `node`'s public port.
    RawResponse adminPost(int node, const QByteArray &query, const QByteArray &body)
    {
        const QByteArray time = QByteArray::number(QDateTime::currentSecsSinceEpoch());
        const QByteArray sig
            = Signing::sign("a", Signing::adminRequest("POST", query, "localhost", time, body));
        return rawHttp(port(node),
                       httpRequest("POST", query, "localhost",
                                   "X-Admin-Time: " + time + "\r\nX-Admin-Sig: " + sig
                                       + "\r\nContent-Length: " + QByteArray::number(body.size())
                                       + "\r\n")
                           + body);
    }

    void startCluster()
    {
        QVERIFY2(m_nats.start(), "nats-server did not start");
        QVERIFY(m_dir.isValid());
        for (int i = 0; i < 2; ++i) {
            const QString dir = m_dir.filePath(u"n%1"_s.arg(i + 1));
            QString error;
            const auto config
                = ServerConfig::parse(configJson(dir, m_nats.url(), u"n%1"_s.arg(i + 1)), &error);
            QVERIFY2(config, qPrintable(error));
            m_apps[i] = std::make_unique<Application>(*config);
            QVERIFY2(m_apps[i]->start(&error), qPrintable(error));
            QVERIFY(m_apps[i]->cluster());
        }
        const QString dir = m_dir.filePath(u"n3"_s);
        QVERIFY(QDir().mkpath(dir));
        QFile f(QDir(dir).filePath(u"config.json"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(configJson(dir, m_nats.url(), u"n3"_s));
        f.close();
        m_childPort = serverchild::start(m_child, {u"--config"_s, f.fileName()});
        QVERIFY(m_childPort != 0);
        // Every node has heard of the two others.
        QTRY_COMPARE_WITH_TIMEOUT(m_apps[0]->cluster()->liveNodes().size(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_apps[1]->cluster()->liveNodes().size(), 2, 10000);
    }

    void stopCluster()
    {
        if (m_child.state() != QProcess::NotRunning) {
            m_child.kill();
            m_child.waitForFinished(5000);
        }
        m_apps[0].reset();
        m_apps[1].reset();
        m_nats.stop();
    }

protected:
    QByteArray m_tenantExtra; // e.g. ",\"officeKeys\":[...]"
    NatsServer m_nats;
    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_apps[2];
    QProcess m_child;
    quint16 m_childPort = 0;

private slots:
    void initTestCase() { startCluster(); }
    void cleanupTestCase() { stopCluster(); }
};
