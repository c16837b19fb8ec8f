#pragma once

#include "admin/AdminEdits.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>

class ClusterNode;
class Store;
class Tenant;
class TenantDirectory;

// Admin edits across the cluster (docs/cluster.md "Admin edits"): every edit AdminEdits stores
// on this node (HTTP admin API or admin socket) is published; the other nodes apply it to their
// own store through AdminEdits, validated like HTTP input, without publishing it again. Two
// edits of one entry resolve last writer wins by (timestamp, node). A node that starts asks one
// live node for its admin data once and adds or overwrites what it lacks (never deletes).
//
// Subjects: `sb.all.admin.<tenant key>` {node, inc, op: put|delete, table, key, value?, ts};
// `sb.node.<node>.admin-sync-req` {node}; `sb.node.<node>.admin-sync` {node, tenant,
// virtualNumbers, aliases, whitelist}, one message per tenant.
class ClusterAdmin : public QObject, public AdminEdits::Sink {
    Q_OBJECT
public:
    ClusterAdmin(ClusterNode &node, Store &store, const TenantDirectory &tenants, int keepaliveSec,
                 QObject *parent = nullptr);

    // AdminEdits::Sink: an edit of this node, told to the others.
    void edited(const QString &tenant, const AdminEdits::Edit &edit) override;
    // From ClusterNode: true when `subject` is one of ours (applied, or refused and logged).
    bool onMessage(const QByteArray &subject, const QByteArray &data);
    // True once this node has its start-up copy of another node's admin data, or knows that no
    // node was there to give one.
    bool isSynced() const { return m_synced; }

    static constexpr qsizetype maxSyncBytes = 900 * 1024; // under NATS' default 1 MiB payload
    static constexpr int maxStamps = 10000;

signals:
    // An edit of another node changed this list (the admin socket tells its consoles).
    void applied(const Tenant *tenant, AdminEdits::List list);

private:
    struct Stamp {
        qint64 ts = 0;
        QString node;
        bool operator<(const Stamp &o) const { return ts != o.ts ? ts < o.ts : node < o.node; }
    };
    void onEdit(const QByteArray &tenantKey, const QByteArray &data);
    void onSyncRequest(const QByteArray &data);
    void onSync(const QByteArray &data);
    void trySync();
    // Stores a whole entry (create, or update when it exists); false (logged) when refused.
    bool put(Tenant &tenant, AdminEdits::List list, const QJsonObject &value, const QString &from);
    void announce(const Tenant &tenant, AdminEdits::List list);
    Tenant *tenantFor(const QByteArray &key) const;
    QString stampKey(const QByteArray &tenantKey, AdminEdits::List list,
                     const QString &number) const;
    void keepStamp(const QString &key, const Stamp &stamp);

    ClusterNode &m_node;
    Store &m_store;
    const TenantDirectory &m_tenants;
    AdminEdits m_edits; // no sink: what another node sent is not sent again
    QHash<QString, Stamp> m_stamps; // tenant key, table, number -> the latest edit applied
    QTimer m_syncTimer;
    QElapsedTimer m_connectedFor; // since this node first reached NATS
    QElapsedTimer m_askedAt;
    QElapsedTimer m_answeredAt;
    bool m_synced = false;
    QString m_askedNode;
    int m_syncAttempts = 0;
    int m_waitForNodesMs;
    QByteArray m_syncRequestSubject; // sb.node.<this node>.admin-sync-req
    QByteArray m_syncSubject; // sb.node.<this node>.admin-sync
};
