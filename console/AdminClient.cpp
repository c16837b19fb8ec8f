#include "AdminClient.h"

#include "AdminProtocol.h"
#include "AliasesModel.h"
#include "PhonesModel.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "TrunksModel.h"
#include "VirtualNumbersModel.h"
#include "WhitelistModel.h"

#include <QJsonArray>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
Q_LOGGING_CATEGORY(lcClient, "switchboard.console", QtInfoMsg)
}

AdminClient::AdminClient(QObject *parent)
    : QObject(parent), m_rooms(new RoomsModel(this)), m_phones(new PhonesModel(this)),
      m_trunks(new TrunksModel(this)), m_ringLog(new RingLogModel(this)),
      m_vnums(new VirtualNumbersModel(this)), m_aliases(new AliasesModel(this)),
      m_whitelist(new WhitelistModel(this))
{
    m_socket.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &AdminClient::open);
    connect(&m_socket, &QWebSocket::connected, this, &AdminClient::onConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &AdminClient::onDisconnected);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &AdminClient::handleMessage);
}

AdminClient::~AdminClient()
{
    m_wanted = false;
    m_socket.disconnect(this);
    m_socket.abort();
}

void AdminClient::setReconnectDelays(int firstMs, int maxMs)
{
    m_firstDelayMs = firstMs;
    m_maxDelayMs = maxMs;
    m_delayMs = firstMs;
}

void AdminClient::connectTo(const QUrl &url, const Credentials &credentials)
{
    disconnectFromServer();
    m_url = url;
    m_credentials = credentials;
    m_wanted = true;
    m_authRefused = false;
    m_delayMs = m_firstDelayMs;
    open();
}

void AdminClient::disconnectFromServer()
{
    m_wanted = false;
    m_reconnect.stop();
    if (m_socket.state() != QAbstractSocket::UnconnectedState)
        m_socket.abort();
    setState(State::Offline);
}

void AdminClient::reconnectNow()
{
    if (!m_reconnect.isActive())
        return;
    m_reconnect.stop();
    open();
}

void AdminClient::open()
{
    if (!m_wanted)
        return;
    setState(State::Connecting);
    // No Origin header: the admin socket refuses any upgrade that carries one.
    m_socket.open(QNetworkRequest(m_url));
}

void AdminClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void AdminClient::onConnected()
{
    setState(State::Authenticating);
}

void AdminClient::onDisconnected()
{
    if (m_state == State::Online)
        qCInfo(lcClient) << "connection lost";
    if (m_socket.closeCode() != QWebSocketProtocol::CloseCodeNormal
        && !m_socket.closeReason().isEmpty())
        m_lastError = m_socket.closeReason();
    else if (m_socket.error() != QAbstractSocket::UnknownSocketError)
        m_lastError = m_socket.errorString();
    setState(State::Offline);
    scheduleReconnect();
}

void AdminClient::scheduleReconnect()
{
    if (!m_wanted || m_authRefused || m_reconnect.isActive())
        return;
    m_reconnect.start(m_delayMs);
    emit reconnectScheduled(m_delayMs);
    m_delayMs = std::min(m_maxDelayMs, m_delayMs * 2);
}

void AdminClient::handleMessage(const QString &text)
{
    const auto message = AP::parse(text);
    if (!message) {
        qCWarning(lcClient) << "ignoring a malformed message from the server";
        return;
    }
    const QString &type = message->type;
    const QJsonObject &body = message->body;
    if (type == AP::hello) {
        const QString nonce = body.value(u"nonce"_s).toString();
        if (body.value(u"version"_s).toInt() != AP::version || !AP::isNonce(nonce)) {
            // Signing whatever a server sends would make us an HMAC oracle: insist on the shape.
            m_lastError = tr("The server speaks another admin protocol version.");
            m_authRefused = true;
            emit authenticationFailed(m_lastError);
            m_socket.close();
            return;
        }
        QJsonObject auth{{u"version"_s, AP::version}, {u"tenant"_s, m_credentials.tenant}};
        if (!m_credentials.bearer.isEmpty())
            auth.insert(u"bearer"_s, m_credentials.bearer);
        else
            auth.insert(u"hmac"_s,
                        AP::signNonce(m_credentials.adminSecret, m_credentials.tenant, nonce));
        m_socket.sendTextMessage(AP::make(AP::auth, auth));
        return;
    }
    if (type == AP::welcome) {
        m_delayMs = m_firstDelayMs;
        m_lastError.clear();
        setState(State::Online);
        emit online(body.value(u"tenant"_s).toString(), body.value(u"actor"_s).toString());
    } else if (type == AP::snapshot) {
        applySnapshot(body);
    } else if (type == AP::roomCreated) {
        m_rooms->addRoom(body.value(u"room"_s).toObject());
    } else if (type == AP::roomRemoved) {
        m_rooms->removeRoom(body.value(u"roomId"_s).toString());
    } else if (type == AP::peerJoined) {
        m_rooms->addPeer(body.value(u"roomId"_s).toString(), body.value(u"peer"_s).toObject());
    } else if (type == AP::peerLeft) {
        m_rooms->removePeer(body.value(u"roomId"_s).toString(), body.value(u"peerId"_s).toString());
    } else if (type == AP::phoneRegistered) {
        m_phones->upsert(body.value(u"phone"_s).toObject());
    } else if (type == AP::phoneUnregistered) {
        m_phones->removeKey(body.value(u"peerId"_s).toString());
    } else if (type == AP::remoteRooms) {
        m_rooms->setRemoteRooms(body.value(u"remoteRooms"_s).toArray());
    } else if (type == AP::trunkStatus) {
        m_trunks->setRows(body.value(u"trunks"_s).toArray());
    } else if (type == AP::ring) {
        m_ringLog->addRing(body.value(u"ring"_s).toObject());
    } else if (type == AP::ringAnswered) {
        m_ringLog->setState(body.value(u"callId"_s).toString(), u"answered"_s);
    } else if (type == AP::ringCleared) {
        m_ringLog->setState(body.value(u"callId"_s).toString(), u"cleared"_s,
                            body.value(u"reason"_s).toString());
    } else if (type == AP::ringTimeout) {
        m_ringLog->setState(body.value(u"callId"_s).toString(), u"timeout"_s);
    } else if (type == AP::dial) {
        m_ringLog->addDial(body.value(u"dial"_s).toObject());
    } else if (type == AP::dialStatus) {
        m_ringLog->setState(body.value(u"callId"_s).toString(), body.value(u"state"_s).toString(),
                            body.value(u"reason"_s).toString());
    } else if (type == AP::counters) {
        m_counters = body.value(u"counters"_s).toObject();
        emit countersChanged(m_counters);
    } else if (type == AP::virtualNumbers) {
        m_vnums->setRows(body.value(u"virtualNumbers"_s).toArray());
    } else if (type == AP::aliases) {
        m_aliases->setRows(body.value(u"aliases"_s).toArray());
    } else if (type == AP::whitelist) {
        m_whitelist->setRows(body.value(u"whitelist"_s).toArray());
    } else if (type == AP::ok) {
        if (body.value(u"result"_s).isObject())
            emit resultReceived(body.value(u"id"_s).toString(), body.value(u"result"_s).toObject());
        emit commandFinished(body.value(u"id"_s).toString(), true, {}, {}, {});
    } else if (type == AP::error) {
        const QString code = body.value(u"code"_s).toString();
        const QString id = body.value(u"id"_s).toString();
        if (code == AP::errUnauthorized || code == AP::errUnsupportedVersion) {
            m_lastError = body.value(u"message"_s).toString();
            m_authRefused = true;
            m_wanted = false;
            emit authenticationFailed(m_lastError);
        } else {
            emit commandFinished(id, false, code, body.value(u"message"_s).toString(),
                                 body.value(u"field"_s).toString());
        }
    }
    emit eventReceived(type, body);
}

void AdminClient::applySnapshot(const QJsonObject &s)
{
    m_rooms->setRooms(s.value(u"rooms"_s).toArray());
    if (s.contains(u"remoteRooms"_s)) // cluster mode
        m_rooms->setRemoteRooms(s.value(u"remoteRooms"_s).toArray());
    m_phones->setRows(s.value(u"phones"_s).toArray());
    m_trunks->setRows(s.value(u"trunks"_s).toArray());
    m_ringLog->mergeActive(s.value(u"rings"_s).toArray());
    m_vnums->setRows(s.value(u"virtualNumbers"_s).toArray());
    m_aliases->setRows(s.value(u"aliases"_s).toArray());
    m_whitelist->setRows(s.value(u"whitelist"_s).toArray());
    m_counters = s.value(u"counters"_s).toObject();
    emit countersChanged(m_counters);
}

QString AdminClient::command(QLatin1StringView type, QJsonObject body)
{
    if (m_state != State::Online)
        return {};
    const QString id = QString::number(m_nextId++);
    body.insert(u"id"_s, id);
    m_socket.sendTextMessage(AP::make(type, body));
    return id;
}

QString AdminClient::kick(const QString &peerId, const QString &reason)
{
    QJsonObject body{{u"peerId"_s, peerId}};
    if (!reason.isEmpty())
        body.insert(u"reason"_s, reason);
    return command(AP::kick, body);
}

QString AdminClient::saveVirtualNumber(const QJsonObject &vnum, bool create)
{
    return command(create ? AP::vnumCreate : AP::vnumUpdate, {{u"data"_s, vnum}});
}

QString AdminClient::deleteVirtualNumber(const QString &number)
{
    return command(AP::vnumDelete, {{u"number"_s, number}});
}

QString AdminClient::saveAlias(const QJsonObject &alias, bool create)
{
    return command(create ? AP::aliasCreate : AP::aliasUpdate, {{u"data"_s, alias}});
}

QString AdminClient::deleteAlias(const QString &number)
{
    return command(AP::aliasDelete, {{u"number"_s, number}});
}

QString AdminClient::saveWhitelistEntry(const QJsonObject &entry, bool create)
{
    return command(create ? AP::whitelistCreate : AP::whitelistUpdate, {{u"data"_s, entry}});
}

QString AdminClient::deleteWhitelistEntry(const QString &number)
{
    return command(AP::whitelistDelete, {{u"number"_s, number}});
}

QString AdminClient::requestLogPage(QLatin1StringView type, const QJsonObject &query)
{
    if (type != AP::cdrLog && type != AP::dialLog)
        return {};
    return command(type, query);
}
