#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringView>

class Frame;
class Go2rtcClient;
class PeerChannel;
class QNetworkReply;
class Room;
struct TenantConfig;

// The camera side of a `cam_<name>` room (DESIGN.md "Cameras"): the virtual peer `cam:<name>`
// that every viewer sees in `welcome`. A viewer's offer to it goes to go2rtc; the answer (or
// `camera-unavailable`) comes back as if the camera had sent it. Viewers only talk to the
// camera, never to each other, so nobody can answer a viewer with their own video. A child of
// its Room.
class CameraRoom : public QObject {
    Q_OBJECT
public:
    CameraRoom(Room &room, const QString &cameraName, const TenantConfig &tenant,
               Go2rtcClient &client);
    ~CameraRoom() override;

    static QString peerIdFor(const QString &cameraName) { return u"cam:" + cameraName; }
    const QString &peerId() const { return m_peerId; }
    // The virtual peer as `welcome.peers` lists it.
    QJsonObject describe() const;
    // A `signal` frame of a viewer of this room, to `to`.
    void handleSignal(PeerChannel &from, QStringView to, const Frame &frame);
    int offersInFlight() const { return int(m_inFlight.size()); }

private:
    void postOffer(PeerChannel &from, const QString &offerSdp);
    void onReply(const QString &viewerId, QNetworkReply *reply);
    void deliver(const QString &viewerId, const QString &frame);
    void forget(const QString &viewerId);

    Room &m_room;
    QString m_name;
    QString m_peerId;
    const TenantConfig &m_tenant; // the live config: go2rtcUrl and streamId are read per offer
    Go2rtcClient &m_client;
    QHash<QString, QPointer<QNetworkReply>> m_inFlight; // viewer peerId -> its one offer
};
