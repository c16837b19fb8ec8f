#include "cluster/ClusterNode.h"

#include "Crypto.h"
#include "cluster/ClusterAdmin.h"
#include "cluster/ClusterBridge.h"
#include "cluster/ClusterResume.h"
#include "cluster/ClusterRings.h"
#include "cluster/TenantPresence.h"
#include "signal/Tenant.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcCluster, "switchboard.cluster", QtInfoMsg)

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}
} // namespace

ClusterNode::ClusterNode(const ClusterConfig &config, int keepaliveSec, QObject *parent)
    : QObject(parent), m_config(config), m_incarnation(Crypto::randomId()),
      // A dead node's peers must be gone within 2 x keepaliveSec: heartbeats every quarter,
      // dead after 1.5 x (six missed beats), checked every eighth.
      m_deadAfterMs(keepaliveSec * 1500)
{
    m_beat.setInterval(std::max(100, keepaliveSec * 250));
    m_sweep.setInterval(std::max(50, keepaliveSec * 125));
    connect(&m_beat, &QTimer::timeout, this, &ClusterNode::heartbeat);
    connect(&m_sweep, &QTimer::timeout, this, &ClusterNode::sweep);
    connect(&m_link, &NatsLink::message, this,
            [this](const QByteArray &subject, const QByteArray &data, const QByteArray &) {
                onMessage(subject, data);
            });
    connect(&m_link, &NatsLink::connectedChanged, this, &ClusterNode::onConnectedChanged);
}

ClusterNode::~ClusterNode() = default;

QByteArray ClusterNode::tenantKey(const QString &host)
{
    return Crypto::sha256(host.toUtf8()).toHex().left(16);
}

bool ClusterNode::start(QString *error)
{
    if (!m_link.start(m_config.nats.toUtf8(), "switchboard-" + m_config.node.toUtf8(), error))
        return false;
    m_link.subscribe("sb.all.>");
    m_link.subscribe("sb.node." + m_config.node.toUtf8() + ".>");
    m_beat.start();
    m_sweep.start();
    qCInfo(lcCluster) << "cluster node" << m_config.node << "via" << m_config.nats;
    return true;
}

void ClusterNode::addTenant(Tenant &tenant)
{
    const QByteArray key = tenantKey(tenant.config().host);
    if (m_tenants.contains(key))
        return;
    auto *p = new TenantPresence(*this, tenant, key, this);
    m_tenants.insert(key, p);
    m_resumes.insert(key, new ClusterResume(*this, *p, this));
    tenant.rooms().setCluster(p);
    auto *b = new ClusterBridge(*this, tenant, key, this);
    m_bridges.insert(key, b);
    tenant.bridge().setCluster(b);
    m_rings.insert(key, new ClusterRings(*this, tenant, key, this));
}

TenantPresence *ClusterNode::presence(const Tenant &tenant) const
{
    return m_tenants.value(tenantKey(tenant.config().host));
}

void ClusterNode::publishEvent(const QByteArray &tenantKey, QJsonObject event)
{
    event.insert(u"node"_s, m_config.node);
    event.insert(u"inc"_s, m_incarnation);
    m_link.publish("sb.all.t." + tenantKey, toJson(event));
}

void ClusterNode::publishFrom(const QByteArray &subject, QJsonObject msg)
{
    msg.insert(u"node"_s, m_config.node);
    msg.insert(u"inc"_s, m_incarnation);
    m_link.publish(subject, toJson(msg));
}

bool ClusterNode::sendToNode(const QString &node, const QByteArray &kind, const QByteArray &payload)
{
    return m_link.publish("sb.node." + node.toUtf8() + '.' + kind, payload);
}

void ClusterNode::onConnectedChanged(bool connected)
{
    if (!connected)
        return;
    heartbeat(); // the others answer a node they do not know with their state
    for (ClusterRings *r : std::as_const(m_rings))
        r->resync(); // phone events may have been lost while NATS was away
}

void ClusterNode::heartbeat()
{
    m_link.publish("sb.all.hb",
                   toJson(QJsonObject{{u"node"_s, m_config.node}, {u"inc"_s, m_incarnation}}));
}

void ClusterNode::sweep()
{
    const qint64 now = nowMs();
    QStringList dead;
    for (auto it = m_nodes.cbegin(); it != m_nodes.cend(); ++it) {
        if (now - it->lastSeenMs > m_deadAfterMs)
            dead.append(it.key());
    }
    for (const QString &node : std::as_const(dead)) {
        qCWarning(lcCluster) << "node" << node << "stopped answering; dropping its peers";
        dropNode(node);
    }
}

void ClusterNode::dropNode(const QString &node)
{
    m_nodes.remove(node);
    for (TenantPresence *p : std::as_const(m_tenants))
        p->dropNode(node);
    for (ClusterRings *r : std::as_const(m_rings))
        r->dropNode(node);
    emit nodeLost(node);
}

void ClusterNode::noteNode(const QString &node, const QString &incarnation)
{
    auto it = m_nodes.find(node);
    if (it != m_nodes.end() && it->incarnation == incarnation) {
        it->lastSeenMs = nowMs();
        return;
    }
    if (it != m_nodes.end()) {
        qCInfo(lcCluster) << "node" << node << "restarted";
        dropNode(node); // its old members are gone with its old process
    } else {
        qCInfo(lcCluster) << "node" << node << "joined the cluster";
    }
    m_nodes.insert(node, NodeState{incarnation, nowMs()});
    // A node that has just appeared learns this node's members from us directly.
    QJsonObject tenants;
    for (auto t = m_tenants.cbegin(); t != m_tenants.cend(); ++t)
        tenants.insert(QString::fromLatin1(t.key()), (*t)->localState());
    QJsonObject bridges;
    for (auto b = m_bridges.cbegin(); b != m_bridges.cend(); ++b)
        bridges.insert(QString::fromLatin1(b.key()), (*b)->localState());
    sendToNode(node, "state",
               toJson(QJsonObject{{u"node"_s, m_config.node},
                                  {u"inc"_s, m_incarnation},
                                  {u"tenants"_s, tenants},
                                  {u"bridges"_s, bridges}}));
    for (ClusterRings *r : std::as_const(m_rings))
        r->announce(); // on the broadcast subject, in order with the phone events
}

void ClusterNode::onMessage(const QByteArray &subject, const QByteArray &data)
{
    if (m_admin && m_admin->onMessage(subject, data))
        return; // admin edits (ClusterAdmin)
    const QByteArray own = "sb.node." + m_config.node.toUtf8() + '.';
    if (subject == own + "sig") {
        // `<tenant key> <room> <peerId>\n<frame>`: the frame bytes go out unchanged.
        const qsizetype nl = data.indexOf('\n');
        const QList<QByteArray> head = data.left(nl).split(' ');
        if (nl < 0 || head.size() != 3)
            return;
        if (ClusterResume *r = m_resumes.value(head[0]);
            r && r->forward(QString::fromUtf8(head[1]), QString::fromUtf8(head[2]), data))
            return; // its member was handed over to another node a moment ago
        if (TenantPresence *p = m_tenants.value(head[0]))
            p->deliver(QString::fromUtf8(head[1]), QString::fromUtf8(head[2]), data.mid(nl + 1));
        return;
    }
    if (subject == own + "bridge") { // `<tenant key> <op> <from node>\n<body>`
        if (ClusterBridge *b = m_bridges.value(data.left(data.indexOf(' '))))
            b->onMessage(data);
        return;
    }
    const QJsonObject msg = QJsonDocument::fromJson(data).object();
    const QString node = msg.value(u"node"_s).toString();
    const QString inc = msg.value(u"inc"_s).toString();
    if (node.isEmpty() || node == m_config.node)
        return;
    if (subject == own + "state") {
        noteNode(node, inc);
        const QJsonObject tenants = msg.value(u"tenants"_s).toObject();
        for (auto t = m_tenants.cbegin(); t != m_tenants.cend(); ++t)
            (*t)->onState(node, tenants.value(QString::fromLatin1(t.key())).toObject());
        const QJsonObject bridges = msg.value(u"bridges"_s).toObject();
        for (auto b = m_bridges.cbegin(); b != m_bridges.cend(); ++b)
            (*b)->onState(node, bridges.value(QString::fromLatin1(b.key())).toObject());
        return;
    }
    if (subject == own + "resume") {
        noteNode(node, inc);
        if (ClusterResume *r = m_resumes.value(msg.value(u"key"_s).toString().toLatin1()))
            r->onAnswer(node, msg);
        return;
    }
    if (subject.startsWith("sb.all.r.")) {
        noteNode(node, inc);
        if (ClusterResume *r = m_resumes.value(subject.mid(9)))
            r->onAsk(node, msg);
        return;
    }
    if (subject == "sb.all.hb") {
        noteNode(node, inc);
        return;
    }
    if (subject.startsWith("sb.all.t.")) {
        noteNode(node, inc);
        if (ClusterBridge *b = m_bridges.value(subject.mid(9)); b && b->onEvent(node, msg))
            return;
        if (ClusterRings *r = m_rings.value(subject.mid(9)); r && ClusterRings::handles(msg))
            r->onEvent(node, msg);
        else if (TenantPresence *p = m_tenants.value(subject.mid(9)))
            p->onEvent(node, msg);
    }
}
