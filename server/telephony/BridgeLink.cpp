#include "telephony/BridgeLink.h"

#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"
#include "Signing.h"
#include "signal/PeerChannel.h"
#include "signal/Tenant.h"
#include "store/Store.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcBridge, "switchboard.bridge", QtInfoMsg)

bool isOneOf(const QString &value, std::initializer_list<QLatin1StringView> allowed)
{
    for (const QLatin1StringView a : allowed) {
        if (value == a)
            return true;
    }
    return false;
}
} // namespace

BridgeLink::BridgeLink(Tenant &tenant, QObject *parent) : QObject(parent), m_tenant(tenant)
{
}

bool BridgeLink::send(const QString &frame)
{
    if (m_session) {
        m_session->sendText(frame);
        return true;
    }
    return m_cluster && m_cluster->forward(frame);
}

bool BridgeLink::sendLocal(const QString &frame)
{
    if (!m_session)
        return false;
    m_session->sendText(frame);
    return true;
}

void BridgeLink::replaceLocal()
{
    PeerChannel *old = m_session;
    if (!old)
        return;
    m_session = nullptr;
    old->disconnect(this);
    old->kick("replaced"_L1, 4001, "closed"_L1);
    qCInfo(lcBridge) << "bridge session replaced for tenant" << m_tenant.config().host;
}

void BridgeLink::deliverStatus(const QString &callId, const QString &state, const QString &reason)
{
    if (isValidStatus(callId, state, reason))
        emit dialStatus(callId, state, reason);
}

void BridgeLink::remoteChanged(bool wasConnected)
{
    const bool connected = isConnected();
    if (connected != wasConnected)
        emit connectedChanged(connected);
}

bool BridgeLink::isValidStatus(const QString &callId, const QString &state, const QString &reason)
{
    return NameRules::isCallId(callId)
        && isOneOf(state, {"dialing"_L1, "ringing"_L1, "answered"_L1, "failed"_L1, "ended"_L1})
        && (reason.isEmpty()
            || isOneOf(reason,
                       {"busy"_L1, "no-answer"_L1, "rejected"_L1, "unreachable"_L1, "error"_L1,
                        "hung-up"_L1}));
}

bool BridgeLink::acceptSignature(const QByteArray &mac, qint64 nowSec)
{
    // Each signature is accepted once; entries expire with the time window, so the cache stays
    // bounded by the number of hellos a window can hold.
    if (m_seenSignatures.size() >= maxSeenSignatures) {
        for (auto it = m_seenSignatures.begin(); it != m_seenSignatures.end();) {
            if (it.value() < nowSec)
                it = m_seenSignatures.erase(it);
            else
                ++it;
        }
        if (m_seenSignatures.size() >= maxSeenSignatures)
            return false; // more fresh hellos than any bridge sends: refuse rather than forget
    }
    if (m_seenSignatures.contains(mac))
        return false;
    // Remembered in the store as well: a captured hello is not good again after a restart.
    if (!m_tenant.store().rememberOnce(u"bridge-hello|"_s + m_tenant.config().host, mac,
                                       (nowSec + 2 * Signing::windowSec) * 1000))
        return false;
    m_seenSignatures.insert(mac, nowSec + 2 * Signing::windowSec);
    return true;
}

void BridgeLink::hello(PeerChannel &session, const Frame &frame, bool firstFrame)
{
    const TenantConfig &config = m_tenant.config();
    const bool allowed = config.bridgeAllowed(session.clientAddress());
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const auto time = frame.integer("time"_L1);
    const QByteArray sig = frame.string("sig"_L1).value_or(QString()).toLatin1();
    bool ok = allowed && firstFrame && time && Signing::withinWindow(now, *time);
    if (ok) {
        const QByteArray message = Signing::bridgeHello(session.host().toUtf8(), *time);
        const auto mac = Signing::match(sig, config.bridgeSecrets(now), message);
        ok = mac && acceptSignature(*mac, now);
    }
    if (!ok) {
        qCInfo(lcBridge) << "bridge-hello refused for tenant" << config.host;
        session.sendError("forbidden"_L1, frame.typeName());
        session.closeWith(1008, true);
        return;
    }
    replaceLocal();
    m_session = &session;
    connect(&session, &PeerChannel::finished, this, [this, s = &session] { sessionGone(s); });
    connect(&session, &QObject::destroyed, this, [this, s = &session] { sessionGone(s); });
    session.sendText(
        FrameWriter::make("bridge-welcome"_L1,
                          QJsonObject{{u"tenant"_s, config.host},
                                      {u"keepaliveSec"_s, m_tenant.server().keepaliveSec}}));
    qCInfo(lcBridge) << "bridge session up for tenant" << config.host;
    if (m_cluster)
        m_cluster->localUp();
    emit connectedChanged(true);
}

void BridgeLink::sessionGone(PeerChannel *session)
{
    if (m_session != session)
        return;
    m_session = nullptr;
    qCInfo(lcBridge) << "bridge session gone for tenant" << m_tenant.config().host;
    if (m_cluster)
        m_cluster->localGone();
    // In cluster mode a session on another node may still serve this node's dials.
    if (!isConnected())
        emit connectedChanged(false);
}

void BridgeLink::handleFrame(PeerChannel &session, const Frame &frame)
{
    const QString &ref = frame.typeName();
    switch (frame.type()) {
    case Frame::Type::Ping: session.sendText(u"{\"type\":\"pong\"}"_s); return;
    case Frame::Type::DialStatus: {
        const QString callId = frame.string("callId"_L1).value_or(QString());
        const QString state = frame.string("state"_L1).value_or(QString());
        const QString reason = frame.string("reason"_L1).value_or(QString());
        if (!isValidStatus(callId, state, reason)) {
            session.sendError("bad-frame"_L1, ref);
            return;
        }
        // Cluster mode: the status of a dial placed on another node goes back there.
        if (m_cluster && m_cluster->routeStatus(callId, state, reason))
            return;
        emit dialStatus(callId, state, reason);
        return;
    }
    case Frame::Type::Registrar: {
        const QJsonDocument doc = QJsonDocument::fromJson(frame.raw("entries"_L1).toUtf8());
        const QJsonArray entries = doc.array();
        bool ok = doc.isArray() && entries.size() <= maxRegistrarEntries;
        QJsonArray kept;
        for (const QJsonValue &v : entries) {
            const QJsonObject o = v.toObject();
            if (!v.isObject() || !o.value(u"extension"_s).isString()
                || !o.value(u"contact"_s).isString()
                || !(o.value(u"userAgent"_s).isString() || o.value(u"userAgent"_s).isUndefined())) {
                ok = false;
                break;
            }
            kept.append(QJsonObject{{u"extension"_s, o.value(u"extension"_s)},
                                    {u"contact"_s, o.value(u"contact"_s)},
                                    {u"userAgent"_s, o.value(u"userAgent"_s).toString()}});
        }
        if (!ok) {
            session.sendError("bad-frame"_L1, ref);
            return;
        }
        m_registrar = kept;
        m_registrarSeenMs = QDateTime::currentMSecsSinceEpoch();
        emit registrarChanged();
        return;
    }
    default:
        // The bridge session never joins a room, registers or dials.
        session.sendError("bad-frame"_L1, ref);
        return;
    }
}
