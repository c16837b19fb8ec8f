#pragma once

#include "camera/Go2rtcClient.h"

#include <QHash>
#include <QObject>
#include <QStringView>
#include <optional>

class CameraRoom;
class Room;
struct CameraConfig;
struct TenantConfig;

// A tenant's cameras (DESIGN.md "Cameras"): which `cam_<name>` rooms a peer may join, and the
// CameraRoom behind each live one. One per Tenant; reads the tenant's live configuration.
class Cameras : public QObject {
    Q_OBJECT
public:
    Cameras(const TenantConfig &tenant, int timeoutMs, QObject *parent = nullptr);

    // True for `cam_…` room ids: they are camera rooms or nothing.
    static bool isCameraRoom(QStringView roomId);
    // The name of the camera behind `roomId` that a peer may watch (`verified`: the peer has a
    // verified identity; `access: verified` cameras need one); nullopt when there is none.
    std::optional<QString> visibleCamera(QStringView roomId, bool verified) const;
    // Makes `room` the room of camera `name` (once) and returns its CameraRoom.
    CameraRoom *attach(Room &room, const QString &name);
    // The CameraRoom of a room, or nullptr for any other room.
    CameraRoom *roomFor(const Room *room) const { return room ? m_rooms.value(room) : nullptr; }

private:
    const TenantConfig &m_tenant;
    Go2rtcClient m_client;
    QHash<const Room *, CameraRoom *> m_rooms;
};
