#include "auth/OidcVerifier.h"

#include "NameRules.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>
#include <cmath>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcOidc, "switchboard.oidc", QtInfoMsg)

using Failure = OidcVerifier::Failure;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Unpadded base64url, as JWS requires; nullopt on any other character (or padding).
std::optional<QByteArray> decodePart(QByteArrayView part)
{
    if (part.isEmpty() || part.contains('='))
        return std::nullopt;
    auto r = QByteArray::fromBase64Encoding(part.toByteArray(),
                                            QByteArray::Base64UrlEncoding
                                                | QByteArray::AbortOnBase64DecodingErrors);
    if (!r)
        return std::nullopt;
    return *r;
}

std::optional<QJsonObject> decodeJson(QByteArrayView part)
{
    const auto bytes = decodePart(part);
    if (!bytes)
        return std::nullopt;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(*bytes, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

// JWS ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER ECDSA-Sig-Value.
std::optional<QByteArray> es256ToDer(const QByteArray &raw)
{
    if (raw.size() != 64)
        return std::nullopt;
    const auto *p = reinterpret_cast<const unsigned char *>(raw.constData());
    BIGNUM *r = BN_bin2bn(p, 32, nullptr);
    BIGNUM *s = BN_bin2bn(p + 32, 32, nullptr);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    if (!r || !s || !sig || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return std::nullopt;
    }
    unsigned char *der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig); // frees r and s
    if (len <= 0)
        return std::nullopt;
    QByteArray out(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return out;
}

bool verifySignature(EVP_PKEY *key, QByteArrayView signingInput, const QByteArray &signature)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1
        && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()),
                            size_t(signature.size()),
                            reinterpret_cast<const unsigned char *>(signingInput.data()),
                            size_t(signingInput.size()))
            == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

// A NumericDate claim: nullopt when absent; *malformed when present but not a finite number.
std::optional<double> numericDate(const QJsonObject &claims, QLatin1StringView name,
                                  bool *malformed)
{
    if (!claims.contains(name))
        return std::nullopt;
    const QJsonValue v = claims.value(name);
    if (!v.isDouble() || !std::isfinite(v.toDouble())) {
        *malformed = true;
        return std::nullopt;
    }
    return v.toDouble();
}

std::optional<OidcIdentity> fail(Failure *out, Failure why)
{
    if (out)
        *out = why;
    qCDebug(lcOidc) << "token refused:" << why;
    return std::nullopt;
}
} // namespace

QJsonObject OidcIdentity::verifiedIdentity() const
{
    return QJsonObject{{u"name"_s, name}, {u"issuer"_s, issuer}};
}

OidcVerifier::OidcVerifier(const OidcConfig &config, QObject *parent)
    : QObject(parent), m_config(config)
{
    refresh();
}

OidcVerifier::~OidcVerifier()
{
    if (m_reply)
        m_reply->abort();
}

void OidcVerifier::install(const QByteArray &json, const QString &source)
{
    QString error;
    Jwks set = Jwks::parse(json, &error);
    if (!set.isValid()) {
        // Keep the previous set: an issuer's hiccup must not sign everyone out.
        qCWarning(lcOidc) << "key set from" << source << "refused:" << error;
        emit keysFailed();
        return;
    }
    m_keys = std::move(set);
    m_lastLoadMs = nowMs();
    qCInfo(lcOidc) << "loaded" << m_keys.size() << "signature keys from" << source;
    emit keysUpdated();
}

void OidcVerifier::refresh()
{
    ++m_fetches;
    if (!m_config.jwksFile.isEmpty()) {
        QFile f(m_config.jwksFile);
        if (!f.open(QIODevice::ReadOnly) || f.size() > maxJwksBytes) {
            qCWarning(lcOidc) << "cannot read jwksFile" << m_config.jwksFile;
            m_lastLoadMs = nowMs();
            emit keysFailed();
            return;
        }
        install(f.readAll(), m_config.jwksFile);
        return;
    }
    if (m_reply)
        return;
    const QUrl url(m_config.jwksUrl);
    if (!url.isValid() || (url.scheme() != "https"_L1 && url.scheme() != "http"_L1)) {
        qCWarning(lcOidc) << "jwksUrl is not an http(s) URL";
        emit keysFailed();
        return;
    }
    if (!m_nam)
        m_nam = new QNetworkAccessManager(this);
    QNetworkRequest request(url);
    request.setTransferTimeout(10000); // milliseconds as an int in Qt 6.4
    request.setRawHeader("Accept", "application/json");
    m_reply = m_nam->get(request);
    connect(m_reply, &QNetworkReply::downloadProgress, this, [this](qint64 received, qint64) {
        if (received > maxJwksBytes && m_reply)
            m_reply->abort();
    });
    connect(m_reply, &QNetworkReply::finished, this, &OidcVerifier::onReplyFinished);
}

void OidcVerifier::onReplyFinished()
{
    QNetworkReply *reply = std::exchange(m_reply, nullptr);
    if (!reply)
        return;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        qCWarning(lcOidc) << "fetching the key set failed:" << reply->error() << status;
        m_lastLoadMs = nowMs(); // retried at the next refresh, not at once
        emit keysFailed();
        return;
    }
    install(reply->readAll(), m_config.jwksUrl);
}

void OidcVerifier::maybeRefreshForUnknownKid()
{
    const qint64 now = nowMs();
    if (m_lastKidRefetchMs != 0 && now - m_lastKidRefetchMs < minKidRefetchMs)
        return;
    m_lastKidRefetchMs = now;
    qCInfo(lcOidc) << "unknown kid: refetching the key set";
    refresh();
}

bool OidcVerifier::hasAdminRights(const OidcIdentity &identity) const
{
    for (const QString &g : m_config.adminGroups) {
        if (identity.groups.contains(g))
            return true;
    }
    return false;
}

bool OidcVerifier::hasPhoneRights(const OidcIdentity &identity) const
{
    const QStringList &groups
        = m_config.phoneGroups.isEmpty() ? m_config.adminGroups : m_config.phoneGroups;
    for (const QString &g : groups) {
        if (identity.groups.contains(g))
            return true;
    }
    return false;
}

std::optional<OidcIdentity> OidcVerifier::verify(QByteArrayView token, Failure *failure)
{
    if (failure)
        *failure = Failure::None;
    if (!m_config.jwksUrl.isEmpty() && m_lastLoadMs != 0
        && nowMs() - m_lastLoadMs > periodicRefreshMs && !m_reply)
        refresh();

    if (token.isEmpty() || token.size() > maxTokenBytes)
        return fail(failure, Failure::Malformed);
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0)
        return fail(failure, Failure::Malformed);
    const QByteArrayView headerPart = token.first(dot1);
    const QByteArrayView payloadPart = token.sliced(dot1 + 1, dot2 - dot1 - 1);
    const QByteArrayView sigPart = token.sliced(dot2 + 1);

    const auto header = decodeJson(headerPart);
    if (!header)
        return fail(failure, Failure::Malformed);
    if (header->contains("crit"_L1))
        return fail(failure, Failure::Malformed); // we understand no extension
    const QJsonValue algValue = header->value("alg"_L1);
    if (!algValue.isString())
        return fail(failure, Failure::Malformed);
    const QString alg = algValue.toString();
    // Only asymmetric algorithms: `none` and HS* (key confusion with a public key) never pass.
    if (alg != "RS256"_L1 && alg != "ES256"_L1)
        return fail(failure, Failure::Algorithm);
    const QJsonValue kidValue = header->value("kid"_L1);
    const Jwks::Key *key = kidValue.isString() ? m_keys.key(kidValue.toString()) : nullptr;
    if (!key) {
        if (kidValue.isString())
            maybeRefreshForUnknownKid();
        return fail(failure, Failure::UnknownKey);
    }
    if (Jwks::algorithmFor(*key) != alg || (!key->alg.isEmpty() && key->alg != alg))
        return fail(failure, Failure::KeyMismatch);

    auto signature = decodePart(sigPart);
    if (!signature)
        return fail(failure, Failure::Malformed);
    if (alg == "ES256"_L1) {
        signature = es256ToDer(*signature);
        if (!signature)
            return fail(failure, Failure::Signature);
    }
    if (!verifySignature(key->pkey.get(), token.first(dot2), *signature))
        return fail(failure, Failure::Signature);

    // From here on the issuer signed these bytes.
    const auto claims = decodeJson(payloadPart);
    if (!claims)
        return fail(failure, Failure::Malformed);
    const QJsonValue iss = claims->value("iss"_L1);
    if (!iss.isString() || iss.toString() != m_config.issuer)
        return fail(failure, Failure::Issuer);
    const QJsonValue aud = claims->value("aud"_L1);
    bool audienceOk = false;
    if (aud.isString()) {
        audienceOk = aud.toString() == m_config.audience;
    } else if (aud.isArray()) {
        for (const QJsonValue &a : aud.toArray())
            audienceOk = audienceOk || (a.isString() && a.toString() == m_config.audience);
    }
    if (!audienceOk)
        return fail(failure, Failure::Audience);

    bool malformed = false;
    const auto exp = numericDate(*claims, "exp"_L1, &malformed);
    const auto nbf = numericDate(*claims, "nbf"_L1, &malformed);
    const auto iat = numericDate(*claims, "iat"_L1, &malformed);
    if (malformed || !exp || !iat)
        return fail(failure, Failure::Malformed); // OIDC Core 2: exp and iat are required
    const double now = double(nowMs()) / 1000.0;
    if (now >= *exp + double(leewaySec))
        return fail(failure, Failure::Expired);
    if ((nbf && now + double(leewaySec) < *nbf) || now + double(leewaySec) < *iat)
        return fail(failure, Failure::NotYetValid);

    const QJsonValue nameValue = claims->value(m_config.nameClaim);
    const auto name = nameValue.isString() ? NameRules::normaliseDisplayName(nameValue.toString())
                                           : std::nullopt;
    if (!name)
        return fail(failure, Failure::MissingName);

    OidcIdentity identity;
    identity.name = *name;
    identity.issuer = iss.toString();
    const QJsonValue groups = claims->value(m_config.groupsClaim);
    if (groups.isString()) {
        identity.groups.append(groups.toString());
    } else if (groups.isArray()) {
        for (const QJsonValue &g : groups.toArray()) {
            if (g.isString())
                identity.groups.append(g.toString());
        }
    }
    return identity;
}
