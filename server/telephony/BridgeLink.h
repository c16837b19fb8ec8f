#pragma once

#include "telephony/BridgeCluster.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QString>

class Frame;
class PeerChannel;
class Tenant;

// The tenant's bridge session (DESIGN.md "The SIP bridge"): a socket whose first frame was a
// valid `bridge-hello`. One per tenant; a newer one replaces the older (`kicked replaced`, 4001).
// The server sends it dial-request, hangup, ring-answered and ring-declined; it sends dial-status
// and registrar reports. In cluster mode the session may sit on another node: then `cluster`
// forwards what is sent and hands back the dial-status of this node's dials.
class BridgeLink : public QObject {
    Q_OBJECT
public:
    static constexpr int maxSeenSignatures = 4096;
    static constexpr int maxRegistrarEntries = 10000;

    explicit BridgeLink(Tenant &tenant, QObject *parent = nullptr);

    // `bridge-hello {time, sig}`: checks bridgeAllowFrom, the time window, the signature and that
    // it was not used before. Answers `bridge-welcome`, or `error forbidden` and close 1008.
    void hello(PeerChannel &session, const Frame &frame, bool firstFrame);
    // A frame from the bridge session itself (dial-status, registrar, ping; anything else is
    // bad-frame).
    void handleFrame(PeerChannel &session, const Frame &frame);

    // True while the tenant has a bridge session: on this node, or (cluster mode) on another.
    bool isConnected() const { return m_session || (m_cluster && m_cluster->remoteConnected()); }
    bool isBridge(const PeerChannel *session) const { return session && session == m_session; }
    // Writes a frame to the bridge session, or hands it to the node that holds it; false when
    // there is none.
    bool send(const QString &frame);

    // Cluster mode (server/cluster/ClusterBridge); nullptr on a single node.
    void setCluster(BridgeCluster *cluster) { m_cluster = cluster; }
    BridgeCluster *cluster() const { return m_cluster; }
    // For the cluster hook: whether this node holds the session, and writing to it only.
    bool isLocal() const { return m_session != nullptr; }
    bool sendLocal(const QString &frame);
    // A newer bridge session on another node replaces this node's (`kicked replaced`, 4001).
    void replaceLocal();
    // A dial-status that this node's session did not send (it came from the holding node).
    void deliverStatus(const QString &callId, const QString &state, const QString &reason);
    // The other nodes' sessions changed: emits connectedChanged when isConnected() did.
    void remoteChanged(bool wasConnected);
    // A dial-status as the bridge may send it.
    static bool isValidStatus(const QString &callId, const QString &state, const QString &reason);

    // The latest `registrar` report ({extension, contact, userAgent} rows) and when it came.
    const QJsonArray &registrar() const { return m_registrar; }
    qint64 registrarSeenMs() const { return m_registrarSeenMs; }

signals:
    void connectedChanged(bool connected);
    void dialStatus(const QString &callId, const QString &state, const QString &reason);
    void registrarChanged();

private:
    bool acceptSignature(const QByteArray &mac, qint64 nowSec);
    void sessionGone(PeerChannel *session);

    Tenant &m_tenant;
    PeerChannel *m_session = nullptr; // cleared on its finished/destroyed
    BridgeCluster *m_cluster = nullptr;
    QHash<QByteArray, qint64> m_seenSignatures; // raw MAC → expiry (unix seconds)
    QJsonArray m_registrar;
    qint64 m_registrarSeenMs = 0;
};
