#include "cluster/ClusterResume.h"

#include "Crypto.h"
#include "FrameWriter.h"
#include "cluster/ClusterNode.h"
#include "cluster/TenantPresence.h"
#include "signal/PeerSession.h"
#include "signal/Room.h"
#include "signal/Tenant.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcResume, "switchboard.cluster", QtInfoMsg)

// Member::kind points at a literal: map the description's text back to one.
QLatin1StringView peerKind(const QString &kind)
{
    if (kind == u"bridge"_s)
        return "bridge"_L1;
    if (kind == u"camera"_s)
        return "camera"_L1;
    return "browser"_L1;
}
} // namespace

ClusterResume::ClusterResume(ClusterNode &node, TenantPresence &presence, QObject *parent)
    : QObject(parent), m_node(node), m_presence(presence), m_tenant(presence.tenant())
{
    if (m_tenant)
        m_tenant->setRemoteResume(this);
    connect(&m_node, &ClusterNode::nodeLost, this, &ClusterResume::nodeLost);
}

ClusterResume::~ClusterResume()
{
    if (m_tenant && m_tenant->remoteResume() == this)
        m_tenant->setRemoteResume(nullptr);
}

void ClusterResume::ask(PeerSession &session, const QString &roomId, const QString &token)
{
    const QStringList nodes = m_node.liveNodes();
    if (nodes.isEmpty() || !m_node.isConnected()) {
        session.refuseResume(); // nobody else could hold it
        return;
    }
    const QString id = Crypto::randomId();
    m_asks.insert(id, Ask{&session, roomId, QSet<QString>(nodes.cbegin(), nodes.cend())});
    // The token itself never leaves this node: the holder keeps its hash and is asked by it.
    const QString hash = QString::fromLatin1(Crypto::sha256(token.toUtf8()).toHex());
    m_node.publishFrom("sb.all.r." + m_presence.key(),
                       {{u"id"_s, id}, {u"room"_s, roomId}, {u"hash"_s, hash}});
    QTimer::singleShot(askTimeoutMs, this, [this, id] { finish(id); });
}

void ClusterResume::onAsk(const QString &fromNode, const QJsonObject &msg)
{
    const QString id = msg.value(u"id"_s).toString();
    const QString roomId = msg.value(u"room"_s).toString();
    const QByteArray hash = QByteArray::fromHex(msg.value(u"hash"_s).toString().toLatin1());
    QJsonObject answer{
        {u"id"_s, id}, {u"key"_s, QString::fromLatin1(m_presence.key())}, {u"ok"_s, false}};
    const QByteArray subject = "sb.node." + fromNode.toUtf8() + ".resume";
    Tenant *t = m_tenant;
    // Spent here whatever follows: a token is good once, on any node.
    const auto entry = (t && hash.size() == 32) ? t->takeResumeHash(hash) : std::nullopt;
    Room *room = entry ? t->rooms().find(entry->roomId) : nullptr;
    Room::Member *m = room ? room->member(entry->peerId) : nullptr;
    if (!m || entry->roomId != roomId) {
        m_node.publishFrom(subject, answer);
        return;
    }
    const QJsonObject description = room->describe(*m);
    const int kind = int(room->kind());
    QJsonArray queue;
    for (const QString &f : std::as_const(m->queue))
        queue.append(f);
    QPointer<PeerChannel> old = m->session;
    // The directory says the member is the asker's from now on, so that its `join` event changes
    // nothing here: the room's other members see neither a peer-left nor a peer-joined.
    m_presence.relocate(roomId, description, fromNode);
    const std::unique_ptr<Room::Member> gone = room->take(entry->peerId);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_moved.begin(); it != m_moved.end();)
        it = it->untilMs < now ? m_moved.erase(it) : std::next(it);
    // Frames relayed here before the other nodes learn where it went are sent on.
    const qint64 keepMs = qint64(t->server().keepaliveSec) * 2000;
    m_moved.insert(entry->peerId, Moved{fromNode, roomId, now + keepMs});
    if (old)
        old->kick("replaced"_L1, 4001, {}); // as on one node: nobody sees a peer-left
    answer.insert(u"ok"_s, true);
    answer.insert(u"room"_s, roomId);
    answer.insert(u"kind"_s, kind);
    answer.insert(u"member"_s, description);
    answer.insert(u"queue"_s, queue);
    m_node.publishFrom(subject, answer);
    qCDebug(lcResume) << "handed peer" << entry->peerId << "over to node" << fromNode;
}

void ClusterResume::onAnswer(const QString &fromNode, const QJsonObject &msg)
{
    const QString id = msg.value(u"id"_s).toString();
    const bool ok = msg.value(u"ok"_s).toBool();
    auto it = m_asks.find(id);
    if (it == m_asks.end()) {
        // Too late (the join was refused already): the member left its old node all the same.
        if (ok) {
            dropHandedOver(msg.value(u"room"_s).toString(),
                           msg.value(u"member"_s).toObject().value(u"peerId"_s).toString());
        }
        return;
    }
    if (!ok) {
        it->waiting.remove(fromNode);
        if (it->waiting.isEmpty())
            finish(id);
        return;
    }
    Ask ask = std::move(*it);
    m_asks.erase(it);
    adopt(std::move(ask), msg);
}

void ClusterResume::adopt(Ask ask, const QJsonObject &msg)
{
    const QJsonObject description = msg.value(u"member"_s).toObject();
    const QString peerId = description.value(u"peerId"_s).toString();
    const QString roomId = msg.value(u"room"_s).toString();
    Tenant *t = m_tenant;
    if (peerId.isEmpty() || roomId != ask.roomId || !t) {
        if (ask.session && ask.session->awaitsResume())
            ask.session->refuseResume();
        return;
    }
    // It is this node's member now: not a remote one, and not one to send frames on for.
    m_presence.relocate(roomId, description, {});
    m_moved.remove(peerId);
    const int kindValue = msg.value(u"kind"_s).toInt();
    const Room::Kind kind
        = kindValue >= int(Room::Kind::Conference) && kindValue <= int(Room::Kind::VirtualNumber)
        ? Room::Kind(kindValue)
        : Room::Kind::Conference;
    Room *room = ask.session && ask.session->awaitsResume() ? t->rooms().findOrCreate(roomId, kind)
                                                            : nullptr;
    if (!room) {
        // The socket went away while waiting (or the tenant is at maxRooms).
        if (ask.session && ask.session->awaitsResume())
            ask.session->refuseResume();
        dropHandedOver(roomId, peerId);
        return;
    }
    auto m = std::make_unique<Room::Member>();
    m->peerId = peerId;
    m->name = description.value(u"name"_s).toString();
    m->kind = peerKind(description.value(u"kind"_s).toString());
    m->verifiedIdentity = description.value(u"verifiedIdentity"_s).toObject();
    QList<QString> queued;
    for (const QJsonValue &f : msg.value(u"queue"_s).toArray())
        queued.append(f.toString());
    ask.session->adoptResumed(*room, std::move(m), queued);
}

void ClusterResume::dropHandedOver(const QString &roomId, const QString &peerId)
{
    Tenant *t = m_tenant;
    if (roomId.isEmpty() || peerId.isEmpty() || !t)
        return;
    qCInfo(lcResume) << "a peer handed over from another node had no socket to take it";
    m_presence.relocate(roomId, QJsonObject{{u"peerId"_s, peerId}}, {});
    m_node.publishEvent(m_presence.key(),
                        {{u"op"_s, u"leave"_s},
                         {u"room"_s, roomId},
                         {u"peerId"_s, peerId},
                         {u"reason"_s, u"timeout"_s}});
    if (Room *room = t->rooms().find(roomId)) {
        room->broadcast(FrameWriter::make(
            "peer-left"_L1, QJsonObject{{u"peerId"_s, peerId}, {u"reason"_s, u"timeout"_s}}));
    }
}

void ClusterResume::finish(const QString &askId)
{
    const auto it = m_asks.constFind(askId);
    if (it == m_asks.cend())
        return; // answered already
    const QPointer<PeerSession> session = it->session;
    m_asks.erase(it);
    if (session && session->awaitsResume())
        session->refuseResume();
}

void ClusterResume::nodeLost(const QString &node)
{
    // A node that died cannot answer: stop waiting for it.
    QStringList done;
    for (auto it = m_asks.begin(); it != m_asks.end(); ++it) {
        it->waiting.remove(node);
        if (it->waiting.isEmpty())
            done.append(it.key());
    }
    for (const QString &id : std::as_const(done))
        finish(id);
}

bool ClusterResume::forward(const QString &roomId, const QString &peerId, const QByteArray &payload)
{
    if (m_moved.isEmpty())
        return false;
    const auto it = m_moved.constFind(peerId);
    if (it == m_moved.cend() || it->roomId != roomId)
        return false;
    if (it->untilMs < QDateTime::currentMSecsSinceEpoch()) {
        m_moved.erase(it);
        return false;
    }
    Tenant *t = m_tenant;
    Room *room = t ? t->rooms().find(roomId) : nullptr;
    if (room && room->member(peerId))
        return false; // it is here again
    m_node.sendToNode(it->node, "sig", payload);
    return true;
}
