#include "auth/Jwks.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSet>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcOidc, "switchboard.oidc", QtInfoMsg)

constexpr int minRsaBits = 2048;
constexpr int maxRsaBits = 8192;

std::optional<QByteArray> base64Url(const QJsonValue &v)
{
    if (!v.isString())
        return std::nullopt;
    const QByteArray text = v.toString().toLatin1();
    if (text.isEmpty() || text.contains('='))
        return std::nullopt;
    auto r = QByteArray::fromBase64Encoding(
        text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!r)
        return std::nullopt;
    return *r;
}

struct BnDeleter {
    void operator()(BIGNUM *b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

Bn toBn(const QByteArray &bytes)
{
    return Bn(BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()),
                        int(bytes.size()), nullptr));
}

// Builds a public EVP_PKEY of `type` ("RSA" or "EC") from OSSL parameters.
std::shared_ptr<EVP_PKEY> fromParams(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY *pkey = nullptr;
    const bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1
        && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return {};
    }
    return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

std::shared_ptr<EVP_PKEY> rsaKey(const QJsonObject &jwk)
{
    const auto n = base64Url(jwk.value("n"_L1));
    const auto e = base64Url(jwk.value("e"_L1));
    if (!n || !e || e->size() > 8)
        return {};
    Bn bn = toBn(*n);
    Bn be = toBn(*e);
    if (!bn || !be || BN_num_bits(bn.get()) < minRsaBits || BN_num_bits(bn.get()) > maxRsaBits
        || BN_is_odd(be.get()) == 0 || BN_is_one(be.get()))
        return {};
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    std::shared_ptr<EVP_PKEY> key;
    if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn.get()) == 1
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be.get()) == 1)
        key = fromParams("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    return key;
}

std::shared_ptr<EVP_PKEY> ecKey(const QJsonObject &jwk)
{
    if (jwk.value("crv"_L1).toString() != "P-256"_L1)
        return {};
    const auto x = base64Url(jwk.value("x"_L1));
    const auto y = base64Url(jwk.value("y"_L1));
    if (!x || !y || x->size() != 32 || y->size() != 32)
        return {};
    // SEC 1 uncompressed point: 0x04 || x || y. fromdata checks that it lies on the curve.
    const QByteArray point = QByteArray(1, '\x04') + *x + *y;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    std::shared_ptr<EVP_PKEY> key;
    static const char group[] = "prime256v1";
    if (bld
        && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group - 1)
            == 1
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                            size_t(point.size()))
            == 1)
        key = fromParams("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    if (key) {
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr);
        const bool valid = check && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
        if (!valid)
            return {};
    }
    return key;
}
} // namespace

Jwks Jwks::parse(const QByteArray &json, QString *error)
{
    Jwks set;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()
        || !doc.object().value("keys"_L1).isArray()) {
        if (error)
            *error = u"not a JSON Web Key Set"_s;
        return set;
    }
    set.m_valid = true;
    QSet<QString> duplicates;
    const QJsonArray keys = doc.object().value("keys"_L1).toArray();
    for (const QJsonValue &v : keys) {
        const QJsonObject jwk = v.toObject();
        const QString kid = jwk.value("kid"_L1).toString();
        const QString kty = jwk.value("kty"_L1).toString();
        if (kid.isEmpty())
            continue;
        if (jwk.contains("use"_L1) && jwk.value("use"_L1).toString() != "sig"_L1)
            continue; // an encryption key never verifies a signature
        if (jwk.contains("key_ops"_L1) && !jwk.value("key_ops"_L1).toArray().contains("verify"_L1))
            continue;
        Key key;
        key.kid = kid;
        key.kty = kty;
        key.alg = jwk.value("alg"_L1).toString();
        if (kty == "RSA"_L1)
            key.pkey = rsaKey(jwk);
        else if (kty == "EC"_L1)
            key.pkey = ecKey(jwk);
        if (!key.pkey) {
            qCDebug(lcOidc) << "skipping unusable key" << kid;
            continue;
        }
        if (set.m_keys.contains(kid) || duplicates.contains(kid)) {
            // Two keys with one kid are ambiguous: neither is trusted.
            set.m_keys.remove(kid);
            duplicates.insert(kid);
            continue;
        }
        set.m_keys.insert(kid, key);
    }
    return set;
}

const Jwks::Key *Jwks::key(const QString &kid) const
{
    const auto it = m_keys.constFind(kid);
    return it == m_keys.cend() ? nullptr : &it.value();
}

QString Jwks::algorithmFor(const Key &key)
{
    return key.kty == "RSA"_L1 ? u"RS256"_s : u"ES256"_s;
}
