#include "Signing.h"

#include "Crypto.h"

namespace Signing {
namespace {
    QByteArray joined(std::initializer_list<QByteArrayView> parts)
    {
        qsizetype size = 0;
        for (const QByteArrayView p : parts)
            size += p.size() + 1;
        QByteArray m;
        m.reserve(size);
        bool first = true;
        for (const QByteArrayView p : parts) {
            if (!first)
                m.append('|');
            m.append(p);
            first = false;
        }
        return m;
    }
} // namespace

QByteArray webhook(QByteArrayView flag, QByteArrayView host, QByteArrayView body)
{
    return joined({flag, host, body});
}

QByteArray adminRequest(QByteArrayView method, QByteArrayView rawQuery, QByteArrayView host,
                        QByteArrayView time, QByteArrayView body)
{
    QByteArray request;
    request.reserve(method.size() + rawQuery.size() + 1);
    request.append(method).append(' ').append(rawQuery);
    return joined({request, host, time, body});
}

QByteArray bridgeHello(QByteArrayView host, qint64 time)
{
    return joined({"bridge-hello", host, QByteArray::number(time)});
}

QByteArray bridgeTicket(QByteArrayView host, QByteArrayView room, qint64 time)
{
    return joined({"bridge-join", host, room, QByteArray::number(time)});
}

QByteArray adminSocketChallenge(QByteArrayView host, QByteArrayView nonce)
{
    return joined({"admin-socket", host, nonce});
}

QByteArray sign(QByteArrayView secret, QByteArrayView message)
{
    return Crypto::hmacSha256(secret, message).toHex();
}

std::optional<QByteArray> match(QByteArrayView hexSig, const QList<QByteArrayView> &keys,
                                QByteArrayView message)
{
    return Crypto::matchHexMac(hexSig, keys, message);
}

bool withinWindow(qint64 nowSec, qint64 timeSec)
{
    return qAbs(nowSec - timeSec) <= windowSec;
}

bool withinWindowMs(qint64 nowMs, qint64 timeMs)
{
    return qAbs(nowMs - timeMs) <= windowMs;
}
} // namespace Signing
