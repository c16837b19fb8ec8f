#include "camera/CameraRoom.h"

#include "Frame.h"
#include "FrameWriter.h"
#include "camera/CandidateFilter.h"
#include "camera/Go2rtcClient.h"
#include "config/ServerConfig.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/Tenant.h" // PeerChannel.h needs it complete

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcCamera, "switchboard.camera", QtInfoMsg)

// A JSON string literal for `text` (quotes and escapes included).
QString jsonString(const QString &text)
{
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.constData() + 1, array.size() - 2); // drop [ and ]
}
} // namespace

CameraRoom::CameraRoom(Room &room, const QString &cameraName, const TenantConfig &tenant,
                       Go2rtcClient &client)
    : QObject(&room), m_room(room), m_name(cameraName), m_peerId(peerIdFor(cameraName)),
      m_tenant(tenant), m_client(client)
{
    // A viewer that leaves (or times out) takes its offer with it.
    connect(&room, &Room::peerLeft, this, [this](const QString &peerId) { forget(peerId); });
}

CameraRoom::~CameraRoom()
{
    for (const QString &viewer : m_inFlight.keys())
        forget(viewer);
}

QJsonObject CameraRoom::describe() const
{
    return QJsonObject{{u"peerId"_s, m_peerId}, {u"name"_s, m_name}, {u"kind"_s, u"camera"_s}};
}

void CameraRoom::handleSignal(PeerChannel &from, QStringView to, const Frame &frame)
{
    const QString ref = frame.typeName();
    if (to != m_peerId) {
        // Viewers do not negotiate with each other: only the camera sends media here.
        const bool viewer = !to.isEmpty() && to != from.peerId() && m_room.member(to);
        from.sendError(viewer ? "forbidden"_L1 : "unknown-peer"_L1, ref);
        return;
    }
    // data is {"sdp": {type, sdp}} or {"candidate": …}; go2rtc takes one complete offer.
    const QJsonObject data
        = QJsonDocument::fromJson(frame.raw("data"_L1).toString().toUtf8()).object();
    if (data.contains(u"candidate"_s))
        return; // no trickle ICE over go2rtc's HTTP API: candidates to the camera are dropped
    const QJsonObject sdp = data.value(u"sdp"_s).toObject();
    const QString text = sdp.value(u"sdp"_s).toString();
    if (sdp.value(u"type"_s) != u"offer"_s || !text.startsWith(u"v=0"_s)) {
        from.sendError("bad-frame"_L1, ref);
        return;
    }
    if (m_inFlight.value(from.peerId())) {
        // One offer in flight per viewer: go2rtc is not hammered by one page.
        from.sendError("rate-limited"_L1, ref);
        return;
    }
    postOffer(from, text);
}

void CameraRoom::postOffer(PeerChannel &from, const QString &offerSdp)
{
    QString streamId;
    for (const CameraConfig &c : m_tenant.cameras) {
        if (c.name == m_name)
            streamId = c.streamId;
    }
    if (streamId.isEmpty()) { // the camera was taken out of the configuration meanwhile
        from.sendError("camera-unavailable"_L1, u"signal");
        return;
    }
    const QString viewer = from.peerId();
    QNetworkReply *reply = m_client.postOffer(m_tenant.go2rtcUrl, streamId, offerSdp);
    m_inFlight.insert(viewer, reply);
    connect(reply, &QNetworkReply::finished, this,
            [this, viewer, reply] { onReply(viewer, reply); });
}

void CameraRoom::onReply(const QString &viewerId, QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_inFlight.value(viewerId) != reply)
        return; // forgotten (the viewer left): nobody to tell
    m_inFlight.remove(viewerId);
    const auto sdp = Go2rtcClient::answerSdp(reply);
    if (!sdp) {
        deliver(viewerId, FrameWriter::error("camera-unavailable"_L1, u"signal"));
        return;
    }
    int removed = 0;
    const QString answer = m_tenant.cameraLanCandidates
        ? *sdp
        : CandidateFilter::withoutPrivateCandidates(*sdp, &removed);
    if (removed > 0)
        qCDebug(lcCamera) << "removed" << removed << "private candidates from an answer";
    const QString data = u"{\"sdp\":{\"type\":\"answer\",\"sdp\":"_s + jsonString(answer) + u"}}"_s;
    deliver(viewerId, FrameWriter::signal(m_peerId, data));
}

void CameraRoom::deliver(const QString &viewerId, const QString &frame)
{
    Room::Member *viewer = m_room.member(viewerId);
    if (viewer && !m_room.deliver(*viewer, frame))
        m_room.remove(viewerId, "timeout"_L1); // a held viewer's queue overflowed
}

void CameraRoom::forget(const QString &viewerId)
{
    const QPointer<QNetworkReply> reply = m_inFlight.take(viewerId);
    if (reply) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}
