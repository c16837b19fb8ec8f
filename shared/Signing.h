#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <optional>

// Every signed message of the project (DESIGN.md "Webhooks", "Admin requests", "The SIP bridge",
// "Admin socket and console"), built in one place so the server, the console, the bridge
// simulator and the tests sign and check the very same bytes. Signatures are hex HMAC-SHA256
// under a tenant secret; the time-stamped ones are valid within ±windowSec of the signer's clock.
namespace Signing {
// The one time window of every time-stamped signature.
inline constexpr qint64 windowSec = 300;
inline constexpr qint64 windowMs = windowSec * 1000;

// `<flag>|<host>|<raw body>`: a webhook's X-Sig.
QByteArray webhook(QByteArrayView flag, QByteArrayView host, QByteArrayView body);
// `<METHOD> <raw query>|<host>|<time>|<raw body>`: an admin request's X-Admin-Sig (time as sent).
QByteArray adminRequest(QByteArrayView method, QByteArrayView rawQuery, QByteArrayView host,
                        QByteArrayView time, QByteArrayView body);
// `bridge-hello|<host>|<T>`: the bridge session's first frame.
QByteArray bridgeHello(QByteArrayView host, qint64 time);
// `bridge-join|<host>|<room>|<time>`: a bridge ticket for joining a room.
QByteArray bridgeTicket(QByteArrayView host, QByteArrayView room, qint64 time);
// `admin-socket|<host>|<nonce>`: the admin socket's challenge.
QByteArray adminSocketChallenge(QByteArrayView host, QByteArrayView nonce);

// Lower-case hex HMAC-SHA256 of `message` under `secret`.
QByteArray sign(QByteArrayView secret, QByteArrayView message);
// Checks a hex signature (either case) of `message` under each key in constant time; returns the
// matching raw MAC (the replay caches key on it), or nullopt.
std::optional<QByteArray> match(QByteArrayView hexSig, const QList<QByteArrayView> &keys,
                                QByteArrayView message);
// |now - time| <= windowSec (whole seconds) / windowMs (milliseconds).
bool withinWindow(qint64 nowSec, qint64 timeSec);
bool withinWindowMs(qint64 nowMs, qint64 timeMs);
} // namespace Signing
