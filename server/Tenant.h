#pragma once

#include "RoomRegistry.h"
#include "ServerConfig.h"

#include <QHash>
#include <QObject>

#include <optional>

class OidcVerifier;

// One office: its configuration and its live state (rooms, resume tokens; later phones, rings,
// the bridge link and trunks). The Application owns the tenants.
class Tenant : public QObject
{
    Q_OBJECT
public:
    Tenant(const TenantConfig &config, const ServerConfig &server, QObject *parent = nullptr);

    const TenantConfig &config() const { return m_config; }
    const ServerConfig &server() const { return m_server; }
    void reconfigure(const TenantConfig &config);
    RoomRegistry &rooms() { return m_rooms; }
    // The tenant's ID-token verifier; nullptr when it has no `oidc` configuration.
    OidcVerifier *oidc() const { return m_oidc; }

    struct ResumeEntry
    {
        QString roomId;
        QString peerId;
    };
    // A fresh single-use token for the peer (any older one is spent). Only its hash is kept.
    QString issueResumeToken(const QString &roomId, const QString &peerId);
    // Spends the token; nullopt when unknown or already spent.
    std::optional<ResumeEntry> takeResumeToken(const QString &token);
    void forgetResumeToken(const QString &peerId);
    int resumeTokenCount() const { return int(m_resumeByHash.size()); }

private:
    TenantConfig m_config;
    const ServerConfig &m_server;
    RoomRegistry m_rooms;
    OidcVerifier *m_oidc = nullptr;
    QHash<QByteArray, ResumeEntry> m_resumeByHash;
    QHash<QString, QByteArray> m_resumeByPeer;
};
