#pragma once

// A test OIDC issuer: keys generated with OpenSSL at test time, a JWKS document, and signed ID
// tokens (RS256, ES256, and deliberately wrong ones). Header-only; used by tst_oidc and tst_admin.

#include "Crypto.h"

#include <QByteArray>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdexcept>

class TestIssuer {
public:
    enum class KeyType { Rsa, Ec };

    struct Key {
        QString kid;
        KeyType type;
        std::shared_ptr<EVP_PKEY> pkey;
        QJsonObject extra; // added to the JWK (use, alg, ...)
    };

    explicit TestIssuer(QString issuer = QStringLiteral("https://id.test"),
                        QString audience = QStringLiteral("switchboard"))
        : m_issuer(std::move(issuer)), m_audience(std::move(audience))
    {
    }

    const QString &issuer() const { return m_issuer; }
    const QString &audience() const { return m_audience; }

    // Generates a key; `published` keys are listed in jwks().
    void addKey(const QString &kid, KeyType type, bool published = true, QJsonObject extra = {})
    {
        EVP_PKEY *k = type == KeyType::Rsa
            ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048))
            : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        if (!k)
            throw std::runtime_error("keygen failed");
        m_keys.insert(kid, Key{kid, type, std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free), extra});
        if (published)
            m_published.append(kid);
    }
    void publish(const QString &kid)
    {
        if (!m_published.contains(kid))
            m_published.append(kid);
    }
    void setKeyExtra(const QString &kid, const QJsonObject &extra) { m_keys[kid].extra = extra; }

    QByteArray jwks() const
    {
        QJsonArray keys;
        for (const QString &kid : m_published)
            keys.append(jwk(m_keys.value(kid)));
        return QJsonDocument(QJsonObject{{QStringLiteral("keys"), keys}})
            .toJson(QJsonDocument::Compact);
    }
    // Writes jwks() to `path` (a tenant's oidc.jwksFile); false when the file cannot be written.
    bool writeJwks(const QString &path) const
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(jwks()) >= 0;
    }

    // Claims that pass: iss, aud, iat now, exp in 10 minutes, a name and groups.
    QJsonObject claims(const QString &name = QStringLiteral("Ada Lovelace"),
                       const QStringList &groups = {}) const
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QJsonObject c{{QStringLiteral("iss"), m_issuer},
                      {QStringLiteral("aud"), m_audience},
                      {QStringLiteral("sub"), QStringLiteral("subject-123")},
                      {QStringLiteral("email"), QStringLiteral("ada@example.com")},
                      {QStringLiteral("iat"), now},
                      {QStringLiteral("exp"), now + 600}};
        if (!name.isNull())
            c.insert(QStringLiteral("name"), name);
        if (!groups.isEmpty())
            c.insert(QStringLiteral("groups"), QJsonArray::fromStringList(groups));
        return c;
    }

    // A token signed with key `kid` using the algorithm that fits it (or `alg` when given).
    QByteArray token(const QString &kid, const QJsonObject &claims, QString alg = {},
                     const QJsonObject &headerExtra = {}) const
    {
        const Key key = m_keys.value(kid);
        if (alg.isEmpty())
            alg = key.type == KeyType::Rsa ? QStringLiteral("RS256") : QStringLiteral("ES256");
        QJsonObject header{{QStringLiteral("alg"), alg},
                           {QStringLiteral("kid"), kid},
                           {QStringLiteral("typ"), QStringLiteral("JWT")}};
        for (auto it = headerExtra.begin(); it != headerExtra.end(); ++it)
            header.insert(it.key(), it.value());
        const QByteArray input = part(header) + '.' + part(claims);
        QByteArray sig;
        if (alg == QStringLiteral("none"))
            sig = {};
        else if (alg.startsWith(QStringLiteral("HS")))
            sig = Crypto::hmacSha256(publicPem(kid),
                                     input); // key confusion: the public key as secret
        else
            sig = sign(key, input);
        return input + '.' + b64(sig);
    }

    QByteArray publicPem(const QString &kid) const
    {
        BIO *bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(bio, m_keys.value(kid).pkey.get());
        char *data = nullptr;
        const long len = BIO_get_mem_data(bio, &data);
        QByteArray out(data, qsizetype(len));
        BIO_free(bio);
        return out;
    }

    static QByteArray b64(const QByteArray &bytes)
    {
        return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    }
    static QByteArray part(const QJsonObject &o)
    {
        return b64(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }

private:
    static QByteArray bnBytes(EVP_PKEY *k, const char *name, int pad = 0)
    {
        BIGNUM *bn = nullptr;
        if (EVP_PKEY_get_bn_param(k, name, &bn) != 1)
            throw std::runtime_error("get_bn_param failed");
        QByteArray out(pad ? pad : BN_num_bytes(bn), '\0');
        BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), int(out.size()));
        BN_free(bn);
        return out;
    }

    static QJsonObject jwk(const Key &key)
    {
        QJsonObject o{{QStringLiteral("kid"), key.kid}};
        if (key.type == KeyType::Rsa) {
            o.insert(QStringLiteral("kty"), QStringLiteral("RSA"));
            o.insert(QStringLiteral("n"),
                     QString::fromLatin1(b64(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_RSA_N))));
            o.insert(QStringLiteral("e"),
                     QString::fromLatin1(b64(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_RSA_E))));
        } else {
            o.insert(QStringLiteral("kty"), QStringLiteral("EC"));
            o.insert(QStringLiteral("crv"), QStringLiteral("P-256"));
            o.insert(
                QStringLiteral("x"),
                QString::fromLatin1(b64(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))));
            o.insert(
                QStringLiteral("y"),
                QString::fromLatin1(b64(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))));
        }
        for (auto it = key.extra.begin(); it != key.extra.end(); ++it)
            o.insert(it.key(), it.value());
        return o;
    }

    static QByteArray sign(const Key &key, const QByteArray &input)
    {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t len = 0;
        QByteArray sig;
        if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) == 1
            && EVP_DigestSign(ctx, nullptr, &len,
                              reinterpret_cast<const unsigned char *>(input.constData()),
                              size_t(input.size()))
                == 1) {
            sig.resize(qsizetype(len));
            if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &len,
                               reinterpret_cast<const unsigned char *>(input.constData()),
                               size_t(input.size()))
                != 1)
                sig.clear();
            sig.resize(qsizetype(len));
        }
        EVP_MD_CTX_free(ctx);
        if (sig.isEmpty())
            throw std::runtime_error("sign failed");
        if (key.type == KeyType::Rsa)
            return sig;
        // DER ECDSA-Sig-Value -> JWS r || s
        const auto *p = reinterpret_cast<const unsigned char *>(sig.constData());
        ECDSA_SIG *es = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
        QByteArray raw(64, '\0');
        BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char *>(raw.data()), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char *>(raw.data()) + 32, 32);
        ECDSA_SIG_free(es);
        return raw;
    }

    QString m_issuer;
    QString m_audience;
    QMap<QString, Key> m_keys;
    QStringList m_published;
};
