#pragma once

#include <QAbstractItemModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <memory>
#include <vector>

// Rooms and the peers in them, as a two-level tree (rooms, then their peers in join order).
// Verified peers carry a badge in the "Verified" column; held peers (lost socket, within the
// resume grace) are shown in italics. Cluster mode: the members other nodes hold follow a room's
// own, named with their node ("Bea (on sb-2)"), and rooms held only by other nodes are listed.
class RoomsModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, VerifiedColumn, IdColumn, ColumnCount };
    enum Role { PeerIdRole = Qt::UserRole + 1, RoomIdRole, IsPeerRole, NodeRole };

    explicit RoomsModel(QObject *parent = nullptr);
    ~RoomsModel() override;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Admin-protocol shapes: Room {id, kind, peers: [Peer]}, Peer {peerId, name, kind,
    // verifiedIdentity?, held}.
    void setRooms(const QJsonArray &rooms);
    void addRoom(const QJsonObject &room);
    void removeRoom(const QString &roomId);
    void addPeer(const QString &roomId, const QJsonObject &peer);
    void removePeer(const QString &roomId, const QString &peerId);
    // Cluster mode: the rooms' members on other nodes ([Room], each peer with `node`), replacing
    // the previous view of them.
    void setRemoteRooms(const QJsonArray &rooms);
    void clear();

    int roomCount() const { return int(m_rooms.size()); }
    int peerCount() const; // this node's
    int remotePeerCount() const; // other nodes'
    QModelIndex roomIndex(const QString &roomId) const;
    QModelIndex peerIndex(const QString &roomId, const QString &peerId) const;

private:
    struct RoomItem {
        QString id;
        QString kind;
        QList<QJsonObject> peers;
        QList<QJsonObject> remote; // members on other nodes, after `peers`
        bool local = true; // false: a room only other nodes hold
    };
    int rowOfRoom(const RoomItem *room) const;
    int rowOfRoom(const QString &roomId) const;
    static int rowOfPeer(const RoomItem &room, const QString &peerId);
    static std::unique_ptr<RoomItem> makeRoom(const QJsonObject &room);

    // Heap items so that a peer index can point at its room however the rooms shift.
    std::vector<std::unique_ptr<RoomItem>> m_rooms;
};
