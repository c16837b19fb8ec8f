#include "Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace Crypto {
namespace {
    QByteArray hmac(const EVP_MD *md, QByteArrayView key, QByteArrayView message)
    {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        static const unsigned char empty = 0;
        const auto *keyData
            = key.isEmpty() ? &empty : reinterpret_cast<const unsigned char *>(key.data());
        const auto *msgData
            = message.isEmpty() ? &empty : reinterpret_cast<const unsigned char *>(message.data());
        if (!HMAC(md, keyData, int(key.size()), msgData, size_t(message.size()), out, &len))
            throw std::runtime_error("HMAC failed");
        return QByteArray(reinterpret_cast<const char *>(out), qsizetype(len));
    }

    int hexValue(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }
} // namespace

QByteArray hmacSha256(QByteArrayView key, QByteArrayView message)
{
    return hmac(EVP_sha256(), key, message);
}

QByteArray hmacSha1(QByteArrayView key, QByteArrayView message)
{
    return hmac(EVP_sha1(), key, message);
}

QByteArray sha256(QByteArrayView data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), size_t(data.size()), out, &len, EVP_sha256(), nullptr))
        throw std::runtime_error("SHA-256 failed");
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(len));
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size() || a.isEmpty())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

std::optional<QByteArray> fromHex(QByteArrayView hex)
{
    if (hex.size() % 2 != 0)
        return std::nullopt;
    QByteArray out(hex.size() / 2, Qt::Uninitialized);
    for (qsizetype i = 0; i < out.size(); ++i) {
        const int hi = hexValue(hex[2 * i]);
        const int lo = hexValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out[i] = char((hi << 4) | lo);
    }
    return out;
}

bool verifyHexMac(QByteArrayView hexSig, QByteArrayView expectedMac)
{
    if (hexSig.size() != expectedMac.size() * 2)
        return false;
    const auto raw = fromHex(hexSig);
    return raw && constantTimeEquals(*raw, expectedMac);
}

std::optional<QByteArray> matchHexMac(QByteArrayView hexSig, const QList<QByteArrayView> &keys,
                                      QByteArrayView message)
{
    std::optional<QByteArray> match;
    for (const QByteArrayView key : keys) {
        QByteArray mac = hmacSha256(key, message);
        if (verifyHexMac(hexSig, mac) && !match)
            match = std::move(mac);
    }
    return match;
}

QByteArray randomBytes(int count)
{
    QByteArray out(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), count) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return out;
}

QString base64Url(QByteArrayView bytes)
{
    return QString::fromLatin1(bytes.toByteArray().toBase64(QByteArray::Base64UrlEncoding
                                                            | QByteArray::OmitTrailingEquals));
}

QString randomId()
{
    return base64Url(randomBytes(16));
}
} // namespace Crypto
