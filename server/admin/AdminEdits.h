#pragma once

#include "store/Store.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

class Tenant;

// The admin edits both doors share (DESIGN.md "Admin requests", docs/admin-socket.md): the admin
// HTTP API and the admin socket validate and apply virtual-number, alias, whitelist and kick
// edits here, so a rule holds through either. Every refusal is an ApiError: BadRequest naming the
// field, NotFound, Conflict (the number exists) or Internal; each door words it its own way.
class AdminEdits {
public:
    static constexpr int maxTextChars = 8000;
    static constexpr int maxNoteChars = 200;
    static constexpr int maxReasonChars = 200;
    static constexpr int maxPeerIdChars = 64;

    explicit AdminEdits(Store &store) : m_store(store) { }

    enum class List { VirtualNumbers, Aliases, Whitelist };

    // One stored edit: a delete, or the whole entry as saved (toJson).
    struct Edit {
        List list;
        bool removed = false;
        QString number;
        QJsonObject value;
    };
    // Who hears of every edit once it is validated and stored (cluster mode: ClusterAdmin tells
    // the other nodes, docs/cluster.md "Admin edits"). None on a single node.
    class Sink {
    public:
        virtual ~Sink() = default;
        // `tenant` is the tenant's canonical host, as the store keys it.
        virtual void edited(const QString &tenant, const Edit &edit) = 0;
    };
    void setSink(Sink *sink) { m_sink = sink; }

    // Create: every required field must be in `data`; update: `number` must be, and (for a
    // virtual number) absent fields keep their value. Returns the stored entry.
    VirtualNumber saveVirtualNumber(const QString &tenant, const QJsonObject &data, bool create);
    AliasEntry saveAlias(const QString &tenant, const QJsonObject &data, bool create);
    WhitelistEntry saveWhitelistEntry(const QString &tenant, const QJsonObject &data, bool create);
    void remove(List list, const QString &tenant, const QString &number);

    struct Kick {
        QString peerId;
        QString message; // the admin's reason, sent as `kicked.message`; may be empty
    };
    // `peerId` (1-64 characters) and the optional `reason` (undefined when absent).
    static Kick parseKick(const QJsonValue &peerId, const QJsonValue &reason);
    // Kicks a room's peer (a held one leaves at once) or a registered phone in no room. Returns
    // the room id, or "" for a phone in no room; NotFound when the tenant has no such peer.
    static QString kick(Tenant &tenant, const Kick &kick);

    static bool isDialable(QStringView number);
    static QJsonObject toJson(const VirtualNumber &vn);
    static QJsonObject toJson(const AliasEntry &a);
    static QJsonObject toJson(const WhitelistEntry &w);

    // One page of the call records / dial log, newest first, as both doors answer it:
    // `{"cdrs"|"dials": [...], "nextBefore"?}` (nextBefore when the page is full).
    QJsonObject cdrPage(const QString &tenant, const LogQuery &query) const;
    QJsonObject dialPage(const QString &tenant, const LogQuery &query) const;

private:
    void tell(const QString &tenant, const Edit &edit) const
    {
        if (m_sink)
            m_sink->edited(tenant, edit);
    }

    Store &m_store;
    Sink *m_sink = nullptr;
};
