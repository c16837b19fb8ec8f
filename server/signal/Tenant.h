#pragma once

#include "camera/Cameras.h"
#include "config/ServerConfig.h"
#include "metrics/TenantMetrics.h"
#include "signal/RoomRegistry.h"
#include "telephony/BridgeLink.h"
#include "telephony/Dialer.h"
#include "telephony/RingDispatcher.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <optional>

class OidcVerifier;
class RemoteResume;
class Store;

// One office: its configuration and its live state (rooms, resume tokens, phones, rings, the
// bridge link and trunks). The Application owns the tenants and the store they share.
class Tenant : public QObject {
    Q_OBJECT
public:
    Tenant(const TenantConfig &config, const ServerConfig &server, Store &store,
           QObject *parent = nullptr);

    const TenantConfig &config() const { return m_config; }
    const ServerConfig &server() const { return m_server; }
    void reconfigure(const TenantConfig &config);
    RoomRegistry &rooms() { return m_rooms; }
    // Counters for /metrics (frames relayed and refused, auth failures).
    TenantMetrics &metrics() { return m_metrics; }
    const TenantMetrics &metrics() const { return m_metrics; }
    Cameras &cameras() { return m_cameras; }
    // The tenant's ID-token verifier; nullptr when it has no `oidc` configuration.
    OidcVerifier *oidc() const { return m_oidc; }

    struct TrunkState {
        QString id;
        QString host; // private: never in a public answer
        bool registered = false;
    };
    // The latest `trunk-status` report; one with an older `time` than the last is ignored.
    void setTrunkReport(const QList<TrunkState> &trunks, qint64 reportTime);
    const QList<TrunkState> &trunks() const { return m_trunks; }
    qint64 trunksSeenMs() const { return m_trunksSeenMs; }

    struct ResumeEntry {
        QString roomId;
        QString peerId;
    };
    // A fresh single-use token for the peer (any older one is spent). Only its hash is kept.
    QString issueResumeToken(const QString &roomId, const QString &peerId);
    // Spends the token; nullopt when unknown or already spent.
    std::optional<ResumeEntry> takeResumeToken(const QString &token);
    // The same by the token's SHA-256 (cluster mode: other nodes ask by hash, never by token).
    std::optional<ResumeEntry> takeResumeHash(const QByteArray &hash);
    void forgetResumeToken(const QString &peerId);
    int resumeTokenCount() const { return int(m_resumeByHash.size()); }
    // Cluster mode: asks the other nodes about tokens this node does not know (nullptr: one node).
    void setRemoteResume(RemoteResume *remote) { m_remoteResume = remote; }
    RemoteResume *remoteResume() const { return m_remoteResume; }

    // Telephony (DESIGN.md "Office phones, the SIP bridge, rings and dials").
    BridgeLink &bridge() { return m_bridge; }
    RingDispatcher &rings() { return m_rings; }
    Dialer &dialer() { return m_dialer; }
    // The durable store (CDRs, dial log, virtual numbers, whitelist); it may be closed (then it
    // answers nothing and keeps nothing).
    Store &store() const { return m_store; }

    struct VerifiedToken {
        QJsonObject identity; // {name, issuer}
        bool phoneRights = false;
        bool adminRights = false;
    };
    // The one hook for ID tokens (register; join/identify use the same verifier): nullopt when
    // the token fails verification or the tenant has no `oidc` configuration.
    std::optional<VerifiedToken> verifyIdToken(const QString &idToken) const;
signals:
    void trunksChanged(); // a newer trunk-status report was kept (the admin socket shows it)

private:
    TenantConfig m_config;
    const ServerConfig &m_server;
    Cameras m_cameras; // before the rooms: their CameraRooms use its go2rtc client
    RoomRegistry m_rooms;
    TenantMetrics m_metrics;
    OidcVerifier *m_oidc = nullptr;
    QList<TrunkState> m_trunks;
    qint64 m_trunksTime = 0;
    qint64 m_trunksSeenMs = 0;
    QHash<QByteArray, ResumeEntry> m_resumeByHash;
    QHash<QString, QByteArray> m_resumeByPeer;
    RemoteResume *m_remoteResume = nullptr;
    Store &m_store;
    BridgeLink m_bridge; // before the dispatcher and dialer, which connect to it
    RingDispatcher m_rings;
    Dialer m_dialer;
};
