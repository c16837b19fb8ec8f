#pragma once

#include "config/ServerConfig.h"

#include <QJsonObject>

// TURN REST credentials as coturn's use-auth-secret checks them (DESIGN.md "TURN").
namespace TurnCredentials {
// username `<expiry>:<peerId>`, credential base64(HMAC-SHA1(secret, username)).
QString username(qint64 expiryUnix, const QString &peerId);
QString credential(const QByteArray &secret, const QString &username);
// One RTCIceServer entry: {urls, username, credential}.
QJsonObject mint(const TurnConfig &turn, const QString &peerId, qint64 nowUnix);
// The tenant's static iceServers plus a minted TURN entry when `turn` is set.
QJsonArray iceServers(const TenantConfig &tenant, const QString &peerId, qint64 nowUnix);
} // namespace TurnCredentials
