#pragma once

#include "auth/Jwks.h"
#include "config/ServerConfig.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

// Who a verified ID token says the bearer is (DESIGN.md "Identity").
struct OidcIdentity {
    QString name; // from the tenant's nameClaim, normalised like a display name
    QString issuer;
    QStringList groups; // from the tenant's groupsClaim

    // `{"name", "issuer"}`: what peers see; never an e-mail or a subject.
    QJsonObject verifiedIdentity() const;
};

// Verifies OIDC ID tokens (JWS compact, RS256 or ES256) of one tenant against its JWKS with
// OpenSSL, and checks iss, aud, exp, nbf and iat with 60 s leeway.
//
// Verification is synchronous against the cached key set, so HTTP handlers and frame handlers
// can use it inline. The key set comes from `jwksFile` (read at once) or `jwksUrl` (fetched
// asynchronously at construction and every hour). A token whose `kid` is not in the cached set
// fails *now* and triggers a refetch, at most one such refetch a minute; once the set arrives
// (keysUpdated), the same token verifies. So a rotated-in key works within a minute without
// letting a stream of made-up kids hammer the issuer.
class OidcVerifier : public QObject {
    Q_OBJECT
public:
    enum class Failure {
        None,
        Malformed, // not three base64url parts of JSON, too long, `crit`, a claim of a wrong type
        Algorithm, // alg none, HS*, anything but RS256/ES256
        UnknownKey, // kid missing or not in the key set (a refetch may follow)
        KeyMismatch, // the key's type or declared alg does not fit the token's alg
        Signature,
        Issuer,
        Audience,
        Expired,
        NotYetValid, // nbf or iat in the future
        MissingName, // the nameClaim is absent or not a usable display name
    };
    Q_ENUM(Failure)

    static constexpr qint64 leewaySec = 60;
    static constexpr qsizetype maxTokenBytes = 16 * 1024;
    static constexpr qint64 minKidRefetchMs = 60 * 1000;
    static constexpr qint64 periodicRefreshMs = 60 * 60 * 1000;
    static constexpr qint64 maxJwksBytes = 512 * 1024;

    explicit OidcVerifier(const OidcConfig &config, QObject *parent = nullptr);
    ~OidcVerifier() override;

    const OidcConfig &config() const { return m_config; }
    std::optional<OidcIdentity> verify(QByteArrayView token, Failure *failure = nullptr);
    bool hasAdminRights(const OidcIdentity &identity) const;
    bool
    hasPhoneRights(const OidcIdentity &identity) const; // phoneGroups, default the admin groups

    int keyCount() const { return m_keys.size(); }
    int fetchCount() const { return m_fetches; }
    bool isFetching() const { return m_reply != nullptr; }

signals:
    void keysUpdated();
    void keysFailed();

private:
    void refresh();
    void onReplyFinished();
    void maybeRefreshForUnknownKid();
    void install(const QByteArray &json, const QString &source);

    OidcConfig m_config;
    Jwks m_keys;
    QNetworkAccessManager *m_nam = nullptr;
    QNetworkReply *m_reply = nullptr;
    qint64 m_lastLoadMs = 0;
    qint64 m_lastKidRefetchMs = 0;
    int m_fetches = 0;
};
