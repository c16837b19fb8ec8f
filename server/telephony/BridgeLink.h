#pragma once

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
// and registrar reports.
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

    bool isConnected() const { return m_session != nullptr; }
    bool isBridge(const PeerChannel *session) const { return session && session == m_session; }
    // Writes a frame to the bridge session; false when there is none.
    bool send(const QString &frame);

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
    QHash<QByteArray, qint64> m_seenSignatures; // raw MAC → expiry (unix seconds)
    QJsonArray m_registrar;
    qint64 m_registrarSeenMs = 0;
};
