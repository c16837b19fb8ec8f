#include "cluster/ClusterBridge.h"

#include "cluster/ClusterNode.h"
#include "signal/Tenant.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcClusterBridge, "switchboard.cluster", QtInfoMsg)

// Sessions are ordered by the time they came up, ties by node name: every node picks the same
// newest one.
bool newer(qint64 since, const QString &node, qint64 otherSince, const QString &otherNode)
{
    return since != otherSince ? since > otherSince : node > otherNode;
}
} // namespace

ClusterBridge::ClusterBridge(ClusterNode &node, Tenant &tenant, const QByteArray &key,
                             QObject *parent)
    : QObject(parent), m_node(node), m_tenant(&tenant), m_key(key)
{
    connect(&m_node, &ClusterNode::nodeLost, this, &ClusterBridge::nodeLost);
}

QString ClusterBridge::holder() const
{
    QString best;
    qint64 bestSince = 0;
    for (auto it = m_remote.cbegin(); it != m_remote.cend(); ++it) {
        if (best.isEmpty() || newer(it.value(), it.key(), bestSince, best)) {
            best = it.key();
            bestSince = it.value();
        }
    }
    return best;
}

void ClusterBridge::sendTo(const QString &node, QByteArrayView op, const QByteArray &body)
{
    m_node.sendToNode(node, "bridge",
                      m_key + ' ' + op.toByteArray() + ' ' + m_node.node().toUtf8() + '\n' + body);
}

bool ClusterBridge::forward(const QString &frame)
{
    const QString node = holder();
    if (node.isEmpty())
        return false;
    sendTo(node, "frame", frame.toUtf8());
    return true;
}

void ClusterBridge::localUp()
{
    // Newer than every session this node knows of, even with a clock a little behind theirs: the
    // session that came up last here wins.
    qint64 since = QDateTime::currentMSecsSinceEpoch();
    for (const qint64 other : std::as_const(m_remote))
        since = std::max(since, other + 1);
    m_localSince = since;
    m_node.publishEvent(m_key, {{u"op"_s, u"bridge"_s}, {u"up"_s, true}, {u"since"_s, since}});
}

void ClusterBridge::localGone()
{
    m_localSince = 0;
    m_node.publishEvent(m_key, {{u"op"_s, u"bridge"_s}, {u"up"_s, false}});
}

void ClusterBridge::route(const QString &callId, const QString &node)
{
    if (callId.isEmpty())
        return;
    if (m_routes.size() >= maxRoutedCalls && !m_routes.contains(callId)) {
        auto oldest = m_routes.begin();
        for (auto it = m_routes.begin(); it != m_routes.end(); ++it) {
            if (it->atMs < oldest->atMs)
                oldest = it;
        }
        m_routes.erase(oldest);
    }
    m_routes.insert(callId, Route{node, QDateTime::currentMSecsSinceEpoch()});
}

bool ClusterBridge::routeStatus(const QString &callId, const QString &state, const QString &reason)
{
    const auto it = m_routes.constFind(callId);
    if (it == m_routes.cend())
        return false;
    const QString node = it->node;
    if (state == u"failed"_s || state == u"ended"_s)
        m_routes.erase(it);
    QJsonObject body{{u"callId"_s, callId}, {u"state"_s, state}};
    if (!reason.isEmpty())
        body.insert(u"reason"_s, reason);
    sendTo(node, "status", QJsonDocument(body).toJson(QJsonDocument::Compact));
    return true;
}

void ClusterBridge::setRemote(const QString &node, std::optional<qint64> since)
{
    if (node.isEmpty() || node == m_node.node() || !m_tenant)
        return;
    BridgeLink &link = m_tenant->bridge();
    const bool was = link.isConnected();
    if (since)
        m_remote.insert(node, *since);
    else
        m_remote.remove(node);
    if (since && m_localSince && newer(*since, node, m_localSince, m_node.node())) {
        // One bridge session per tenant, cluster-wide: the newer one on `node` wins.
        link.replaceLocal();
        localGone();
    }
    link.remoteChanged(was);
}

bool ClusterBridge::onEvent(const QString &fromNode, const QJsonObject &event)
{
    if (event.value(u"op"_s).toString() != u"bridge"_s)
        return false;
    const qint64 since = event.value(u"since"_s).toInteger();
    setRemote(fromNode,
              event.value(u"up"_s).toBool() && since > 0 ? std::optional(since) : std::nullopt);
    return true;
}

QJsonObject ClusterBridge::localState() const
{
    if (!m_localSince)
        return {};
    return {{u"since"_s, m_localSince}};
}

void ClusterBridge::onState(const QString &fromNode, const QJsonObject &state)
{
    const qint64 since = state.value(u"since"_s).toInteger();
    setRemote(fromNode, since > 0 ? std::optional(since) : std::nullopt);
}

void ClusterBridge::nodeLost(const QString &node)
{
    // Its session is gone with it, and so are the dials it placed.
    for (auto it = m_routes.begin(); it != m_routes.end();) {
        if (it->node == node)
            it = m_routes.erase(it);
        else
            ++it;
    }
    if (m_remote.contains(node)) {
        qCInfo(lcClusterBridge) << "the bridge session on node" << node << "is gone with it";
        setRemote(node, std::nullopt);
    }
}

void ClusterBridge::onMessage(const QByteArray &data)
{
    const qsizetype nl = data.indexOf('\n');
    const QList<QByteArray> head = data.left(nl).split(' ');
    if (nl < 0 || head.size() != 3 || !m_tenant)
        return;
    const QByteArray &op = head[1];
    const QString from = QString::fromUtf8(head[2]);
    const QByteArray body = data.mid(nl + 1);
    BridgeLink &link = m_tenant->bridge();
    if (op == "frame") {
        if (!link.isLocal()) {
            // Its news of this node's session is stale: tell it, so that it stops asking here.
            sendTo(from, "gone", {});
            return;
        }
        const QJsonObject frame = QJsonDocument::fromJson(body).object();
        if (frame.value(u"type"_s).toString() == u"dial-request"_s)
            route(frame.value(u"callId"_s).toString(), from);
        link.sendLocal(QString::fromUtf8(body));
    } else if (op == "status") {
        const QJsonObject status = QJsonDocument::fromJson(body).object();
        link.deliverStatus(status.value(u"callId"_s).toString(),
                           status.value(u"state"_s).toString(),
                           status.value(u"reason"_s).toString());
    } else if (op == "gone") {
        setRemote(from, std::nullopt);
    }
}
