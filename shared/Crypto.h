#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <optional>

// HMAC, hashing, randomness and constant-time comparison: the only crypto the project does,
// all of it OpenSSL's. Shared by the server, the console and the tests so both sides sign alike.
namespace Crypto {
QByteArray hmacSha256(QByteArrayView key, QByteArrayView message);
QByteArray hmacSha1(QByteArrayView key, QByteArrayView message);
QByteArray sha256(QByteArrayView data);
// CRYPTO_memcmp over equal lengths; different lengths compare unequal without early exit on
// content.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);
// Decodes hex of either case; nullopt on odd length or a non-hex character.
std::optional<QByteArray> fromHex(QByteArrayView hex);
// Checks a hex signature (either case) against the expected raw MAC in constant time.
bool verifyHexMac(QByteArrayView hexSig, QByteArrayView expectedMac);
// Checks a hex signature of `message` against an HMAC-SHA256 under each key (every key is tried,
// whatever matched); returns the matching raw MAC, or nullopt.
std::optional<QByteArray> matchHexMac(QByteArrayView hexSig, const QList<QByteArrayView> &keys,
                                      QByteArrayView message);
QByteArray randomBytes(int count);
// 128 random bits as 22 characters of unpadded base64url.
QString randomId();
QString base64Url(QByteArrayView bytes);
} // namespace Crypto
