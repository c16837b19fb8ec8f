#include "signal/Tenant.h"

#include "Crypto.h"
#include "auth/OidcVerifier.h"

#include <QDateTime>

Tenant::Tenant(const TenantConfig &config, const ServerConfig &server, Store &store,
               QObject *parent)
    : QObject(parent), m_config(config), m_server(server),
      m_cameras(m_config, server.cameraTimeoutMs, this),
      m_rooms(server.limits.maxRooms, server.limits.maxPeersPerRoom, this), m_store(store),
      m_bridge(*this, this), m_rings(*this, this), m_dialer(*this, this)
{
    connect(&m_rooms, &RoomRegistry::roomCreated, this, [this](Room *room) {
        connect(room, &Room::peerLeft, this,
                [this](const QString &peerId) { forgetResumeToken(peerId); });
    });
    if (m_config.oidc)
        m_oidc = new OidcVerifier(*m_config.oidc, this);
}

void Tenant::reconfigure(const TenantConfig &config)
{
    m_config = config;
    delete m_oidc; // a changed issuer or key source starts from a fresh key set
    m_oidc = m_config.oidc ? new OidcVerifier(*m_config.oidc, this) : nullptr;
    m_rooms.setLimits(m_server.limits.maxRooms, m_server.limits.maxPeersPerRoom);
}

std::optional<Tenant::VerifiedToken> Tenant::verifyIdToken(const QString &idToken) const
{
    if (!m_oidc)
        return std::nullopt; // no identity provider: no token can be verified
    const auto identity = m_oidc->verify(idToken.toUtf8());
    if (!identity)
        return std::nullopt;
    return VerifiedToken{identity->verifiedIdentity(), m_oidc->hasPhoneRights(*identity),
                         m_oidc->hasAdminRights(*identity)};
}

QString Tenant::issueResumeToken(const QString &roomId, const QString &peerId)
{
    forgetResumeToken(peerId);
    const QString token = Crypto::randomId();
    const QByteArray hash = Crypto::sha256(token.toLatin1());
    m_resumeByHash.insert(hash, ResumeEntry{roomId, peerId});
    m_resumeByPeer.insert(peerId, hash);
    return token;
}

std::optional<Tenant::ResumeEntry> Tenant::takeResumeToken(const QString &token)
{
    return takeResumeHash(Crypto::sha256(token.toUtf8()));
}

std::optional<Tenant::ResumeEntry> Tenant::takeResumeHash(const QByteArray &hash)
{
    const auto it = m_resumeByHash.constFind(hash);
    if (it == m_resumeByHash.cend())
        return std::nullopt;
    ResumeEntry e = it.value();
    m_resumeByHash.erase(it);
    m_resumeByPeer.remove(e.peerId);
    return e;
}

void Tenant::forgetResumeToken(const QString &peerId)
{
    const auto it = m_resumeByPeer.constFind(peerId);
    if (it == m_resumeByPeer.cend())
        return;
    m_resumeByHash.remove(it.value());
    m_resumeByPeer.erase(it);
}

void Tenant::setTrunkReport(const QList<TrunkState> &trunks, qint64 reportTime)
{
    if (reportTime < m_trunksTime)
        return;
    m_trunksTime = reportTime;
    m_trunks = trunks;
    m_trunksSeenMs = QDateTime::currentMSecsSinceEpoch();
    emit trunksChanged();
}
