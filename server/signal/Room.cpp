#include "signal/Room.h"

#include "FrameWriter.h"
#include "signal/PeerChannel.h"
#include "signal/RoomCluster.h"
#include "signal/Tenant.h"

using namespace Qt::StringLiterals;

Room::Room(const QString &id, Kind kind, int maxPeers, QObject *parent)
    : QObject(parent), m_id(id), m_kind(kind), m_maxPeers(maxPeers)
{
}

QString Room::publicLabelFor(const QString &id, Kind kind)
{
    if (kind == Kind::VirtualNumber) {
        // vnum-<number>-<random>: keep the number, hide the random part (which may itself
        // hold '-', so cut at the first '-' after the number, not the last).
        const qsizetype cut = id.indexOf(u'-', 5);
        return id.left(cut + 1) + u"…"_s;
    }
    return u"room-…"_s;
}

Room::Member *Room::member(QStringView peerId)
{
    for (const auto &m : m_members) {
        if (m->peerId == peerId)
            return m.get();
    }
    return nullptr;
}

bool Room::isFull() const
{
    return size() + (m_cluster ? m_cluster->remoteCount(m_id) : 0) >= m_maxPeers;
}

Room::Member &Room::add(std::unique_ptr<Member> member)
{
    m_members.push_back(std::move(member));
    Member &m = *m_members.back();
    if (m_cluster)
        m_cluster->joined(*this, describe(m));
    emit peerJoined(m.peerId);
    return m;
}

void Room::remove(QStringView peerId, QLatin1StringView reason)
{
    for (auto it = m_members.begin(); it != m_members.end(); ++it) {
        if ((*it)->peerId != peerId)
            continue;
        const QString id = (*it)->peerId;
        m_members.erase(it);
        if (m_cluster)
            m_cluster->left(*this, id, reason);
        broadcast(FrameWriter::make("peer-left"_L1,
                                    QJsonObject{{u"peerId"_s, id}, {u"reason"_s, reason}}));
        emit peerLeft(id, reason);
        if (m_members.empty())
            emit emptied();
        return;
    }
}

std::unique_ptr<Room::Member> Room::take(QStringView peerId)
{
    for (auto it = m_members.begin(); it != m_members.end(); ++it) {
        if ((*it)->peerId != peerId)
            continue;
        std::unique_ptr<Member> m = std::move(*it);
        m_members.erase(it);
        emit peerLeft(m->peerId, u"moved"_s);
        if (m_members.empty())
            emit emptied();
        return m;
    }
    return nullptr;
}

void Room::broadcast(const QString &frame, QStringView except)
{
    // deliver() may drop an overflowing held member: collect those and remove after the loop.
    QStringList overflowed;
    for (const auto &m : m_members) {
        if (m->peerId != except && !deliver(*m, frame))
            overflowed.append(m->peerId);
    }
    for (const QString &id : std::as_const(overflowed))
        remove(id, "timeout"_L1);
}

bool Room::deliver(Member &member, const QString &frame)
{
    if (member.session) {
        member.session->sendText(frame);
        return true;
    }
    if (member.queue.size() >= maxQueuedFrames || member.queueBytes + frame.size() > maxQueuedBytes)
        return false;
    member.queue.append(frame);
    member.queueBytes += frame.size();
    return true;
}

QJsonObject Room::describe(const Member &member) const
{
    QJsonObject o{{u"peerId"_s, member.peerId}, {u"name"_s, member.name}, {u"kind"_s, member.kind}};
    if (!member.verifiedIdentity.isEmpty())
        o.insert(u"verifiedIdentity"_s, member.verifiedIdentity);
    return o;
}

QJsonArray Room::peersFor(const Member &me) const
{
    QJsonArray peers;
    for (const auto &other : m_members) {
        if (other.get() != &me)
            peers.append(describe(*other));
    }
    if (m_cluster) {
        for (const QJsonValue &remote : m_cluster->remotePeers(m_id))
            peers.append(remote);
    }
    return peers;
}

void Room::announceUpdate(const Member &member)
{
    const QJsonObject body{{u"peerId"_s, member.peerId},
                           {u"name"_s, member.name},
                           {u"verifiedIdentity"_s, member.verifiedIdentity}};
    broadcast(FrameWriter::make("peer-updated"_L1, body));
    if (m_cluster)
        m_cluster->updated(*this, describe(member));
}

bool Room::relayRemote(QStringView peerId, const QString &frame)
{
    return m_cluster && m_cluster->relay(m_id, peerId, frame);
}
