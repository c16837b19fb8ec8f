#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>
#include <memory>

typedef struct evp_pkey_st EVP_PKEY;

// A parsed JSON Web Key Set (RFC 7517): the signature keys an OIDC issuer publishes. Only what
// ID tokens need is understood: RSA keys (n, e; at least 2048 bits) for RS256 and EC P-256 keys
// (x, y) for ES256, each with a `kid`. Keys of other types, or whose `use` is not `sig`, are
// skipped; a key set that is not JSON is an error (the caller keeps its previous set).
class Jwks {
public:
    struct Key {
        QString kid;
        QString kty; // "RSA" or "EC"
        QString alg; // the key's declared `alg`, empty when it declares none
        std::shared_ptr<EVP_PKEY> pkey;
    };

    // nullopt-like: isValid() false and *error set when the document is not a key set.
    static Jwks parse(const QByteArray &json, QString *error = nullptr);

    bool isValid() const { return m_valid; }
    int size() const { return int(m_keys.size()); }
    const Key *key(const QString &kid) const;
    // The algorithm a key can verify ("RS256" for RSA, "ES256" for EC P-256).
    static QString algorithmFor(const Key &key);

private:
    bool m_valid = false;
    QHash<QString, Key> m_keys;
};
