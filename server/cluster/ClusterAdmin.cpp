#include "cluster/ClusterAdmin.h"

#include "NameRules.h"
#include "cluster/ClusterNode.h"
#include "http/ApiError.h"
#include "signal/Tenant.h"
#include "signal/TenantDirectory.h"
#include "store/Store.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcClusterAdmin, "switchboard.cluster", QtInfoMsg)

constexpr QByteArrayView editPrefix("sb.all.admin.");
constexpr int syncTickMs = 250;
constexpr int syncAnswerMs = 3000; // a live node that does not answer by then: ask the next
constexpr int maxSyncAttempts = 3;

// The wire names of the tables, in AdminEdits::List order.
const QStringList tableNames{u"virtualNumbers"_s, u"aliases"_s, u"whitelist"_s};
constexpr AdminEdits::List allLists[]{AdminEdits::List::VirtualNumbers, AdminEdits::List::Aliases,
                                      AdminEdits::List::Whitelist};

QString tableName(AdminEdits::List list)
{
    return tableNames.at(int(list));
}

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// A message of another node: a JSON object naming a valid node; nullopt (with *why) otherwise.
std::optional<QJsonObject> parseMessage(const QByteArray &data, QString *why)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        *why = u"not a JSON object"_s;
        return std::nullopt;
    }
    const QJsonObject msg = doc.object();
    if (!NameRules::isRoomId(msg.value(u"node"_s).toString())) { // the node-name rule
        *why = u"no valid node"_s;
        return std::nullopt;
    }
    return msg;
}

QJsonArray rows(const Store &store, const QString &host, AdminEdits::List list)
{
    QJsonArray out;
    switch (list) {
    case AdminEdits::List::VirtualNumbers:
        for (const VirtualNumber &vn : store.virtualNumbers(host))
            out.append(AdminEdits::toJson(vn));
        break;
    case AdminEdits::List::Aliases:
        for (const AliasEntry &a : store.aliases(host))
            out.append(AdminEdits::toJson(a));
        break;
    case AdminEdits::List::Whitelist:
        for (const WhitelistEntry &w : store.whitelist(host))
            out.append(AdminEdits::toJson(w));
        break;
    }
    return out;
}
} // namespace

ClusterAdmin::ClusterAdmin(ClusterNode &node, Store &store, const TenantDirectory &tenants,
                           int keepaliveSec, QObject *parent)
    : QObject(parent), m_node(node), m_store(store), m_tenants(tenants), m_edits(store),
      // Heartbeats come every keepaliveSec / 4: after two of them every live node is known.
      m_waitForNodesMs(std::max(500, keepaliveSec * 600)),
      m_syncRequestSubject("sb.node." + node.node().toUtf8() + ".admin-sync-req"),
      m_syncSubject("sb.node." + node.node().toUtf8() + ".admin-sync")
{
    m_syncTimer.setInterval(syncTickMs);
    connect(&m_syncTimer, &QTimer::timeout, this, &ClusterAdmin::trySync);
    m_syncTimer.start();
}

Tenant *ClusterAdmin::tenantFor(const QByteArray &key) const
{
    for (Tenant *t : m_tenants.tenants()) {
        if (ClusterNode::tenantKey(t->config().host) == key)
            return t;
    }
    return nullptr;
}

QString ClusterAdmin::stampKey(const QByteArray &tenantKey, AdminEdits::List list,
                               const QString &number) const
{
    return QString::fromLatin1(tenantKey) + u' ' + tableName(list) + u' ' + number;
}

void ClusterAdmin::keepStamp(const QString &key, const Stamp &stamp)
{
    // Stamps only have to outlive the race of two edits in flight; old ones go when many.
    if (m_stamps.size() >= maxStamps && !m_stamps.contains(key)) {
        const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - 10 * 60 * 1000;
        m_stamps.removeIf([cutoff](const auto &it) { return it.value().ts < cutoff; });
    }
    m_stamps.insert(key, stamp);
}

void ClusterAdmin::edited(const QString &tenant, const AdminEdits::Edit &edit)
{
    const QByteArray key = ClusterNode::tenantKey(tenant);
    const QString sk = stampKey(key, edit.list, edit.number);
    // Later than any edit of this entry seen so far, even from a node whose clock is ahead: an
    // edit made after another must not lose to it.
    const Stamp stamp{std::max(QDateTime::currentMSecsSinceEpoch(), m_stamps.value(sk).ts + 1),
                      m_node.node()};
    keepStamp(sk, stamp);
    QJsonObject msg{{u"node"_s, m_node.node()},
                    {u"op"_s, edit.removed ? u"delete"_s : u"put"_s},
                    {u"table"_s, tableName(edit.list)},
                    {u"key"_s, edit.number},
                    {u"ts"_s, double(stamp.ts)}};
    if (!edit.removed)
        msg.insert(u"value"_s, edit.value);
    m_node.publishFrom(editPrefix.toByteArray() + key, std::move(msg));
}

bool ClusterAdmin::onMessage(const QByteArray &subject, const QByteArray &data)
{
    if (subject.startsWith(editPrefix)) {
        onEdit(subject.mid(editPrefix.size()), data);
        return true;
    }
    // Every relayed frame passes here too: two comparisons, no allocation.
    if (subject == m_syncRequestSubject) {
        onSyncRequest(data);
        return true;
    }
    if (subject == m_syncSubject) {
        onSync(data);
        return true;
    }
    return false;
}

void ClusterAdmin::onEdit(const QByteArray &tenantKey, const QByteArray &data)
{
    QString why;
    const auto msg = parseMessage(data, &why);
    const QString from = msg ? msg->value(u"node"_s).toString() : QString();
    if (msg && from == m_node.node())
        return; // our own edit, back from NATS
    Tenant *tenant = tenantFor(tenantKey);
    const QString op = msg ? msg->value(u"op"_s).toString() : QString();
    const qsizetype table = msg ? tableNames.indexOf(msg->value(u"table"_s).toString()) : -1;
    const QString number = msg ? msg->value(u"key"_s).toString() : QString();
    const QJsonValue ts = msg ? msg->value(u"ts"_s) : QJsonValue();
    const QJsonObject value = msg ? msg->value(u"value"_s).toObject() : QJsonObject();
    if (!msg) {
    } else if (!tenant) {
        why = u"an unknown tenant"_s;
    } else if (op != u"put"_s && op != u"delete"_s) {
        why = u"no valid op"_s;
    } else if (table < 0) {
        why = u"no valid table"_s;
    } else if (!AdminEdits::isDialable(number)) {
        why = u"no valid key"_s;
    } else if (!ts.isDouble() || ts.toDouble() < 0 || ts.toDouble() > 9e15
               || std::floor(ts.toDouble()) != ts.toDouble()) {
        why = u"no valid ts"_s;
    } else if (op == u"put"_s && value.value(u"number"_s).toString() != number) {
        why = u"a value that is not the key's entry"_s;
    }
    if (!why.isEmpty()) {
        qCWarning(lcClusterAdmin).noquote() << "ignored a malformed cluster admin edit"
                                            << (from.isEmpty() ? u"?"_s : from) << ":" << why;
        return;
    }
    const auto list = AdminEdits::List(table);
    const QString sk = stampKey(tenantKey, list, number);
    const Stamp stamp{qint64(ts.toDouble()), from};
    if (const auto it = m_stamps.constFind(sk); it != m_stamps.cend() && !(*it < stamp)) {
        qCInfo(lcClusterAdmin) << "an older edit of" << tableName(list) << "from" << from
                               << "lost to a newer one";
        return;
    }
    const QString host = tenant->config().host;
    if (op == u"delete"_s) {
        try {
            m_edits.remove(list, host, number);
        } catch (const ApiError &e) {
            if (e.kind != ApiErrorKind::NotFound) { // already gone is what was asked
                qCWarning(lcClusterAdmin)
                    << "could not apply a cluster delete from" << from << ":" << e.message;
                return;
            }
        }
    } else if (!put(*tenant, list, value, from)) {
        return;
    }
    keepStamp(sk, stamp);
    qCInfo(lcClusterAdmin) << "applied a" << tableName(list) << op << "of node" << from << "to"
                           << host;
    announce(*tenant, list);
}

bool ClusterAdmin::put(Tenant &tenant, AdminEdits::List list, const QJsonObject &value,
                       const QString &from)
{
    const QString host = tenant.config().host;
    auto save = [&](bool create) {
        switch (list) {
        case AdminEdits::List::VirtualNumbers:
            m_edits.saveVirtualNumber(host, value, create);
            return;
        case AdminEdits::List::Aliases: m_edits.saveAlias(host, value, create); return;
        case AdminEdits::List::Whitelist: m_edits.saveWhitelistEntry(host, value, create); return;
        }
    };
    try {
        try {
            save(true);
        } catch (const ApiError &e) {
            if (e.kind != ApiErrorKind::Conflict)
                throw;
            save(false); // it exists: the whole entry replaces it
        }
    } catch (const ApiError &e) {
        qCWarning(lcClusterAdmin).noquote()
            << "ignored a malformed cluster admin edit" << from << ":" << e.message
            << (e.field.isEmpty() ? QString() : u"(field %1)"_s.arg(e.field));
        return false;
    }
    return true;
}

void ClusterAdmin::announce(const Tenant &tenant, AdminEdits::List list)
{
    emit applied(&tenant, list);
    if (list == AdminEdits::List::VirtualNumbers) // saving one puts it on the whitelist
        emit applied(&tenant, AdminEdits::List::Whitelist);
}

void ClusterAdmin::trySync()
{
    if (!m_node.isConnected())
        return;
    if (!m_connectedFor.isValid())
        m_connectedFor.start();
    if (m_askedAt.isValid() && m_askedAt.elapsed() < syncAnswerMs)
        return; // waiting for the answer
    QStringList live = m_node.liveNodes();
    live.sort();
    const bool alone = live.isEmpty() && m_connectedFor.elapsed() > m_waitForNodesMs;
    if (alone || m_syncAttempts >= maxSyncAttempts) {
        // No other node after two heartbeats: this is the first, the others copy from it.
        if (m_syncAttempts > 0)
            qCWarning(lcClusterAdmin) << "no node sent its admin data; keeping our own";
        m_synced = true;
        m_syncTimer.stop();
        return;
    }
    if (live.isEmpty())
        return;
    m_askedNode = live.at(m_syncAttempts % live.size());
    ++m_syncAttempts;
    m_askedAt.start();
    qCInfo(lcClusterAdmin) << "asking node" << m_askedNode << "for its admin data";
    m_node.sendToNode(m_askedNode, "admin-sync-req", toJson({{u"node"_s, m_node.node()}}));
}

void ClusterAdmin::onSyncRequest(const QByteArray &data)
{
    QString why;
    const auto msg = parseMessage(data, &why);
    if (!msg) {
        qCWarning(lcClusterAdmin).noquote() << "ignored a malformed admin-sync request:" << why;
        return;
    }
    const QString to = msg->value(u"node"_s).toString();
    if (!m_store.isOpen() || to == m_node.node())
        return;
    for (const Tenant *t : m_tenants.tenants()) {
        const QString host = t->config().host;
        QJsonObject answer{{u"node"_s, m_node.node()},
                           {u"tenant"_s, QString::fromLatin1(ClusterNode::tenantKey(host))}};
        for (const AdminEdits::List list : allLists)
            answer.insert(tableName(list), rows(m_store, host, list));
        const QByteArray payload = toJson(answer);
        if (payload.size() > maxSyncBytes) {
            qCWarning(lcClusterAdmin) << "admin data of" << host << "is too large to send to" << to
                                      << "(" << payload.size() << "bytes)";
            continue;
        }
        m_node.sendToNode(to, "admin-sync", payload);
    }
}

void ClusterAdmin::onSync(const QByteArray &data)
{
    QString why;
    const auto msg = parseMessage(data, &why);
    Tenant *tenant = msg ? tenantFor(msg->value(u"tenant"_s).toString().toLatin1()) : nullptr;
    if (!tenant) {
        qCWarning(lcClusterAdmin).noquote()
            << "ignored a malformed admin-sync answer:" << (msg ? u"an unknown tenant"_s : why);
        return;
    }
    const QString from = msg->value(u"node"_s).toString();
    // One answer per tenant comes from the node asked; later ones are not waited for.
    if (from != m_askedNode || (m_synced && m_answeredAt.elapsed() > syncAnswerMs))
        return;
    if (!m_synced) {
        m_synced = true;
        m_syncTimer.stop();
        m_answeredAt.start();
    }
    int applied = 0;
    const QByteArray key = ClusterNode::tenantKey(tenant->config().host);
    for (const AdminEdits::List list : allLists) {
        bool changed = false;
        for (const QJsonValue &row : msg->value(tableName(list)).toArray()) {
            const QJsonObject value = row.toObject();
            // An edit made here or heard of since the start is newer than the copy.
            if (m_stamps.contains(stampKey(key, list, value.value(u"number"_s).toString())))
                continue;
            if (put(*tenant, list, value, from)) {
                changed = true;
                ++applied;
            }
        }
        if (changed)
            emit this->applied(tenant, list);
    }
    qCInfo(lcClusterAdmin) << "took" << applied << "admin entries of" << tenant->config().host
                           << "from node" << from;
}
