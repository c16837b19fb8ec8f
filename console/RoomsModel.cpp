#include "RoomsModel.h"

#include <QFont>
#include <QJsonValue>

using namespace Qt::StringLiterals;

RoomsModel::RoomsModel(QObject *parent) : QAbstractItemModel(parent)
{
}

RoomsModel::~RoomsModel() = default;

QModelIndex RoomsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < int(m_rooms.size()) ? createIndex(row, column, nullptr) : QModelIndex();
    if (parent.internalPointer() || parent.column() != 0 || parent.row() >= int(m_rooms.size()))
        return {}; // peers have no children
    RoomItem *room = m_rooms[size_t(parent.row())].get();
    return row < room->peers.size() + room->remote.size() ? createIndex(row, column, room)
                                                          : QModelIndex();
}

QModelIndex RoomsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || !child.internalPointer())
        return {};
    const auto *room = static_cast<const RoomItem *>(child.internalPointer());
    const int row = rowOfRoom(room);
    return row < 0 ? QModelIndex() : createIndex(row, 0, nullptr);
}

int RoomsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_rooms.size());
    if (parent.internalPointer() || parent.column() != 0 || parent.row() >= int(m_rooms.size()))
        return 0;
    const RoomItem &room = *m_rooms[size_t(parent.row())];
    return int(room.peers.size() + room.remote.size());
}

int RoomsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant RoomsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (!index.internalPointer()) {
        const RoomItem &room = *m_rooms[size_t(index.row())];
        switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
            case NameColumn: return room.id;
            case KindColumn: return room.kind;
            case VerifiedColumn: {
                const int remote = int(room.remote.size());
                const QString all = tr("%n peer(s)", nullptr, int(room.peers.size()) + remote);
                return remote ? all + tr(", %n on other nodes", nullptr, remote) : all;
            }
            case IdColumn: return room.id;
            }
            return {};
        case RoomIdRole: return room.id;
        case IsPeerRole: return false;
        case Qt::FontRole: {
            QFont f;
            f.setBold(true);
            return f;
        }
        default: return {};
        }
    }
    const auto *room = static_cast<const RoomItem *>(index.internalPointer());
    const bool isRemote = index.row() >= room->peers.size();
    const QJsonObject &peer = isRemote ? room->remote.at(index.row() - room->peers.size())
                                       : room->peers.at(index.row());
    const QJsonObject verified = peer.value(u"verifiedIdentity"_s).toObject();
    const bool held = peer.value(u"held"_s).toBool();
    const QString node = isRemote ? peer.value(u"node"_s).toString() : QString();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            if (isRemote)
                return tr("%1 (on %2)").arg(peer.value(u"name"_s).toString(), node);
            return held ? tr("%1 (held)").arg(peer.value(u"name"_s).toString())
                        : peer.value(u"name"_s).toString();
        case KindColumn: return peer.value(u"kind"_s).toString();
        case VerifiedColumn:
            return verified.isEmpty() ? QString()
                                      : u"\u2714 "_s + verified.value(u"name"_s).toString();
        case IdColumn: return peer.value(u"peerId"_s).toString();
        }
        return {};
    case Qt::ToolTipRole: {
        // Every column names the whole peer id (the column is often cut) and who verified it.
        QString tip = tr("Peer %1").arg(peer.value(u"peerId"_s).toString());
        if (!verified.isEmpty())
            tip += u'\n'
                + tr("Verified: %1 (by %2)")
                      .arg(verified.value(u"name"_s).toString(),
                           verified.value(u"issuer"_s).toString());
        else
            tip += u'\n' + tr("Not verified");
        if (held)
            tip += u'\n' + tr("Held: connection lost, may still resume");
        if (isRemote)
            tip += u'\n' + tr("On node %1").arg(node);
        return tip;
    }
    case Qt::FontRole:
        if (held) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case PeerIdRole: return peer.value(u"peerId"_s).toString();
    case RoomIdRole: return room->id;
    case IsPeerRole: return true;
    case NodeRole: return node;
    default: return {};
    }
}

QVariant RoomsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Room / peer");
    case KindColumn: return tr("Kind");
    case VerifiedColumn: return tr("Verified");
    case IdColumn: return tr("ID");
    }
    return {};
}

std::unique_ptr<RoomsModel::RoomItem> RoomsModel::makeRoom(const QJsonObject &room)
{
    auto item = std::make_unique<RoomItem>();
    item->id = room.value(u"id"_s).toString();
    item->kind = room.value(u"kind"_s).toString();
    for (const QJsonValue &p : room.value(u"peers"_s).toArray()) {
        if (p.isObject() && !p.toObject().value(u"peerId"_s).toString().isEmpty())
            item->peers.append(p.toObject());
    }
    return item;
}

void RoomsModel::setRooms(const QJsonArray &rooms)
{
    beginResetModel();
    m_rooms.clear();
    for (const QJsonValue &r : rooms) {
        auto item = makeRoom(r.toObject());
        if (!item->id.isEmpty() && rowOfRoom(item->id) < 0)
            m_rooms.push_back(std::move(item));
    }
    endResetModel();
}

void RoomsModel::addRoom(const QJsonObject &room)
{
    auto item = makeRoom(room);
    if (item->id.isEmpty())
        return;
    if (const int row = rowOfRoom(item->id); row >= 0) {
        // A newer description replaces it; other nodes' members stay.
        item->remote = m_rooms[size_t(row)]->remote;
        beginRemoveRows({}, row, row);
        m_rooms.erase(m_rooms.begin() + row);
        endRemoveRows();
    }
    const int end = int(m_rooms.size());
    beginInsertRows({}, end, end);
    m_rooms.push_back(std::move(item));
    endInsertRows();
}

void RoomsModel::removeRoom(const QString &roomId)
{
    const int row = rowOfRoom(roomId);
    if (row < 0)
        return;
    RoomItem &room = *m_rooms[size_t(row)];
    if (room.remote.isEmpty()) {
        beginRemoveRows({}, row, row);
        m_rooms.erase(m_rooms.begin() + row);
        endRemoveRows();
        return;
    }
    // Other nodes still hold members: the room stays with those.
    room.local = false;
    if (!room.peers.isEmpty()) {
        beginRemoveRows(createIndex(row, 0, nullptr), 0, int(room.peers.size()) - 1);
        room.peers.clear();
        endRemoveRows();
    }
    emit dataChanged(index(row, VerifiedColumn), index(row, VerifiedColumn));
}

void RoomsModel::setRemoteRooms(const QJsonArray &rooms)
{
    beginResetModel();
    for (auto &r : m_rooms)
        r->remote.clear();
    for (const QJsonValue &v : rooms) {
        const QJsonObject remote = v.toObject();
        const QString id = remote.value(u"id"_s).toString();
        if (id.isEmpty())
            continue;
        int row = rowOfRoom(id);
        if (row < 0) {
            auto item = makeRoom(QJsonObject{{u"id"_s, id}, {u"kind"_s, remote.value(u"kind"_s)}});
            item->local = false;
            m_rooms.push_back(std::move(item));
            row = int(m_rooms.size()) - 1;
        }
        for (const QJsonValue &p : remote.value(u"peers"_s).toArray()) {
            if (p.isObject() && !p.toObject().value(u"peerId"_s).toString().isEmpty())
                m_rooms[size_t(row)]->remote.append(p.toObject());
        }
    }
    std::erase_if(m_rooms, [](const auto &r) { return !r->local && r->remote.isEmpty(); });
    endResetModel();
}

void RoomsModel::addPeer(const QString &roomId, const QJsonObject &peer)
{
    const QString peerId = peer.value(u"peerId"_s).toString();
    if (peerId.isEmpty())
        return;
    int row = rowOfRoom(roomId);
    if (row < 0) {
        // A join can overtake its room's announcement only if events were lost; show it anyway.
        addRoom({{u"id"_s, roomId}});
        row = rowOfRoom(roomId);
    }
    RoomItem &room = *m_rooms[size_t(row)];
    room.local = true;
    const QModelIndex parent = createIndex(row, 0, nullptr);
    const int existing = rowOfPeer(room, peerId);
    if (existing >= 0) {
        room.peers[existing] = peer;
        emit dataChanged(index(existing, 0, parent), index(existing, ColumnCount - 1, parent));
        return;
    }
    const int end = int(room.peers.size());
    beginInsertRows(parent, end, end);
    room.peers.append(peer);
    endInsertRows();
    emit dataChanged(index(row, VerifiedColumn), index(row, VerifiedColumn));
}

void RoomsModel::removePeer(const QString &roomId, const QString &peerId)
{
    const int row = rowOfRoom(roomId);
    if (row < 0)
        return;
    RoomItem &room = *m_rooms[size_t(row)];
    const int at = rowOfPeer(room, peerId);
    if (at < 0)
        return;
    beginRemoveRows(createIndex(row, 0, nullptr), at, at);
    room.peers.removeAt(at);
    endRemoveRows();
    emit dataChanged(index(row, VerifiedColumn), index(row, VerifiedColumn));
}

void RoomsModel::clear()
{
    setRooms({});
}

int RoomsModel::peerCount() const
{
    int n = 0;
    for (const auto &r : m_rooms)
        n += int(r->peers.size());
    return n;
}

int RoomsModel::remotePeerCount() const
{
    int n = 0;
    for (const auto &r : m_rooms)
        n += int(r->remote.size());
    return n;
}

QModelIndex RoomsModel::roomIndex(const QString &roomId) const
{
    const int row = rowOfRoom(roomId);
    return row < 0 ? QModelIndex() : index(row, 0);
}

QModelIndex RoomsModel::peerIndex(const QString &roomId, const QString &peerId) const
{
    const QModelIndex room = roomIndex(roomId);
    if (!room.isValid())
        return {};
    const RoomItem &item = *m_rooms[size_t(room.row())];
    int at = rowOfPeer(item, peerId);
    for (int i = 0; at < 0 && i < item.remote.size(); ++i) {
        if (item.remote.at(i).value(u"peerId"_s).toString() == peerId)
            at = int(item.peers.size()) + i;
    }
    return at < 0 ? QModelIndex() : index(at, 0, room);
}

int RoomsModel::rowOfRoom(const RoomItem *room) const
{
    for (size_t i = 0; i < m_rooms.size(); ++i) {
        if (m_rooms[i].get() == room)
            return int(i);
    }
    return -1;
}

int RoomsModel::rowOfRoom(const QString &roomId) const
{
    for (size_t i = 0; i < m_rooms.size(); ++i) {
        if (m_rooms[i]->id == roomId)
            return int(i);
    }
    return -1;
}

int RoomsModel::rowOfPeer(const RoomItem &room, const QString &peerId)
{
    for (int i = 0; i < room.peers.size(); ++i) {
        if (room.peers.at(i).value(u"peerId"_s).toString() == peerId)
            return i;
    }
    return -1;
}
