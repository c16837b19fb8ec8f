#include "camera/Cameras.h"

#include "camera/CameraRoom.h"
#include "config/ServerConfig.h"
#include "signal/Room.h"

using namespace Qt::StringLiterals;

Cameras::Cameras(const TenantConfig &tenant, int timeoutMs, QObject *parent)
    : QObject(parent), m_tenant(tenant), m_client(timeoutMs, this)
{
}

bool Cameras::isCameraRoom(QStringView roomId)
{
    return roomId.startsWith(u"cam_"_s);
}

std::optional<QString> Cameras::visibleCamera(QStringView roomId, bool verified) const
{
    if (!isCameraRoom(roomId))
        return std::nullopt;
    const QStringView name = roomId.mid(4);
    for (const CameraConfig &c : m_tenant.cameras) {
        if (c.name == name && (c.access != u"verified"_s || verified))
            return c.name;
    }
    return std::nullopt;
}

CameraRoom *Cameras::attach(Room &room, const QString &name)
{
    if (CameraRoom *existing = m_rooms.value(&room))
        return existing;
    auto *camera = new CameraRoom(room, name, m_tenant, m_client); // a child of the room
    m_rooms.insert(&room, camera);
    const Room *key = &room;
    connect(camera, &QObject::destroyed, this, [this, key] { m_rooms.remove(key); });
    return camera;
}
