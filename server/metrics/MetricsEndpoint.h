#pragma once

#include "config/ServerConfig.h"
#include "metrics/LoopLag.h"
#include "metrics/PromWriter.h"

#include <QList>
#include <QObject>
#include <functional>

class QTcpSocket;

// GET /metrics (DESIGN.md "TLS, service and metrics"): plain HTTP on the admin listener, from
// loopback or `metrics.allowFrom` only, Prometheus text 0.0.4. The parts that own the numbers
// add collectors; this class adds the process families (build info, memory, loop lag).
class MetricsEndpoint : public QObject {
    Q_OBJECT
public:
    using Collector = std::function<void(PromWriter &)>;

    explicit MetricsEndpoint(QList<Cidr> allowFrom, QObject *parent = nullptr);

    void setAllowFrom(QList<Cidr> allowFrom) { m_allowFrom = std::move(allowFrom); }
    void addCollector(Collector collector) { m_collectors.append(std::move(collector)); }
    QByteArray render() const;
    // Answers the one request whose head (without the blank line) arrived on `socket` and
    // closes the connection: 200 with the metrics, 403 from elsewhere, 404 for other paths, 405
    // for other methods.
    void serve(QTcpSocket *socket, const QByteArray &head);

    static qint64 residentBytes();

private:
    QList<Cidr> m_allowFrom;
    QList<Collector> m_collectors;
    LoopLag m_lag;
};
