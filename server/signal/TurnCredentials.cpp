#include "signal/TurnCredentials.h"

#include "Crypto.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace TurnCredentials {
QString username(qint64 expiryUnix, const QString &peerId)
{
    return QString::number(expiryUnix) + u':' + peerId;
}

QString credential(const QByteArray &secret, const QString &user)
{
    return QString::fromLatin1(Crypto::hmacSha1(secret, user.toUtf8()).toBase64());
}

QJsonObject mint(const TurnConfig &turn, const QString &peerId, qint64 nowUnix)
{
    const QString user = username(nowUnix + turn.ttlSec, peerId);
    return QJsonObject{{u"urls"_s, QJsonArray::fromStringList(turn.urls)},
                       {u"username"_s, user},
                       {u"credential"_s, credential(turn.secret, user)}};
}

QJsonArray iceServers(const TenantConfig &tenant, const QString &peerId, qint64 nowUnix)
{
    QJsonArray out = tenant.iceServers;
    if (tenant.turn)
        out.append(mint(*tenant.turn, peerId, nowUnix));
    return out;
}
} // namespace TurnCredentials
