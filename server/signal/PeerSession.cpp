#include "signal/PeerSession.h"

#include "Crypto.h"
#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"
#include "Signing.h"
#include "auth/OidcVerifier.h"
#include "camera/CameraRoom.h"
#include "signal/RemoteResume.h"
#include "signal/Tenant.h"
#include "signal/TurnCredentials.h"
#include "store/Store.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QStringEncoder>
#include <QTcpSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcSignal, "switchboard.signal", QtInfoMsg)

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

PeerSession::PeerSession(QWebSocket *socket, Tenant *tenant, const UpgradeInfo &info,
                         const ServerConfig &config, QObject *parent)
    : PeerChannel(parent), m_socket(socket), m_tenant(tenant), m_config(config),
      m_client(info.client), m_host(info.host), m_tcp(info.tcp), m_createdMs(nowMs()),
      m_lastSeenMs(m_createdMs), m_lastPingMs(m_createdMs),
      m_signalBucket(config.limits.signalBurst), m_joinBucket(config.limits.joinBurst)
{
    m_socket->setParent(this);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &PeerSession::onText);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, [this] {
        m_lastSeenMs = nowMs();
        m_gotFrame = true;
        if (!m_tenant || m_closingByUs || !admitAny(m_lastSeenMs))
            return;
        sendError("bad-frame"_L1);
    });
    connect(m_socket, &QWebSocket::pong, this, [this] { m_lastSeenMs = nowMs(); });
    connect(m_socket, &QWebSocket::aboutToClose, this, [this] {
        if (!m_closingByUs)
            m_peerClosed = true;
    });
    connect(m_socket, &QWebSocket::disconnected, this, &PeerSession::onDisconnected);
    if (!m_tenant) {
        // A Host that matches no tenant is upgraded, told `forbidden`, and closed (1008).
        sendError("forbidden"_L1);
        closeWith(QWebSocketProtocol::CloseCodePolicyViolated, true);
    }
}

PeerSession::~PeerSession()
{
    if (member())
        endMembership("closed"_L1);
}

Room::Member *PeerSession::member() const
{
    if (!m_room || m_peerId.isEmpty())
        return nullptr;
    Room::Member *m = m_room->member(m_peerId);
    return m && m->session == this ? m : nullptr;
}

bool PeerSession::canSend()
{
    if (m_socket->state() != QAbstractSocket::ConnectedState || m_closingByUs)
        return false;
    if (m_tcp && m_tcp->bytesToWrite() > m_config.limits.maxWriteBufferBytes) {
        // The client does not read: drop it rather than buffer without bound. It may resume.
        qCDebug(lcSignal) << "write buffer over its bound" << m_peerId;
        closeWith(4003, false);
        return false;
    }
    return true;
}

void PeerSession::sendText(const QString &frame)
{
    if (canSend())
        writeTextFrame({frame});
}

void PeerSession::sendSignal(QStringView from, QStringView rawData)
{
    if (canSend())
        writeTextFrame({u"{\"type\":\"signal\",\"from\":\"", from, u"\",\"data\":", rawData, u"}"});
}

// Server frames are written as whole WebSocket frames (RFC 6455: FIN + text opcode, unmasked,
// then the UTF-8 payload) straight to the upgraded TCP socket, encoded once into a reused
// buffer. QWebSocket::sendTextMessage() would convert to a new QByteArray, build a header
// array and write twice, per frame. QWebSocket still does the handshake, reading, ping and
// close; it writes whole frames synchronously too, so frames never interleave.
void PeerSession::writeTextFrame(std::initializer_list<QStringView> parts)
{
    if (!m_tcp) { // not upgraded from our front door (some tests): let QWebSocket frame it
        QString text;
        for (const QStringView part : parts)
            text.append(part);
        m_socket->sendTextMessage(text);
        return;
    }
    constexpr qsizetype maxHeader = 10;
    qsizetype units = 0;
    for (const QStringView part : parts)
        units += part.size();
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    thread_local QByteArray buffer;
    buffer.resize(maxHeader + utf8.requiredSpace(units));
    char *const payload = buffer.data() + maxHeader;
    char *end = payload;
    for (const QStringView part : parts)
        end = utf8.appendToBuffer(end, part);
    const quint64 length = quint64(end - payload);
    char *head = payload;
    if (length < 126) {
        *--head = char(length);
    } else if (length <= 0xffff) {
        *--head = char(length & 0xff);
        *--head = char(length >> 8);
        *--head = char(126);
    } else {
        for (int i = 0; i < 8; ++i)
            *--head = char((length >> (8 * i)) & 0xff);
        *--head = char(127);
    }
    *--head = char(0x81); // FIN, text
    m_tcp->write(head, end - head);
}

void PeerSession::sendError(QLatin1StringView code, QStringView ref)
{
    // Errors count toward the limit, so a stream of bad frames is throttled like any other.
    m_signalBucket.charge(nowMs(), m_config.limits.signalPerSec, m_config.limits.signalBurst);
    if (m_tenant) {
        m_tenant->metrics().refused(code);
        if (code == "invalid-token"_L1)
            m_tenant->metrics().authFailed(TenantMetrics::Auth::IdToken);
    }
    sendText(FrameWriter::error(code, ref));
}

bool PeerSession::admitAny(qint64 now)
{
    // Every frame, text or binary, valid or not, takes a token before it is even parsed: a flood
    // costs the server one bucket step per frame (DESIGN.md "Limits").
    const auto &l = m_config.limits;
    if (m_signalBucket.take(now, l.signalPerSec, l.signalBurst))
        return admitted(now);
    refuse(now, {});
    return false;
}

bool PeerSession::admit(const Frame &frame, qint64 now)
{
    const auto &l = m_config.limits;
    switch (frame.type()) {
    case Frame::Type::Join:
    case Frame::Type::Register:
    case Frame::Type::Identify:
        if (m_joinBucket.take(now, l.joinPerSec, l.joinBurst))
            return admitted(now);
        refuse(now, frame.typeName());
        return false;
    default: // dials have their own limits in the Dialer, checked before anything is logged
        return true;
    }
}

bool PeerSession::admitted(qint64 now)
{
    // Over the limit ends only after a second without a refused frame: a flood that the
    // refill lets through one frame at a time is still a flood.
    if (now - m_lastRejectMs > 1000)
        m_overLimitSinceMs = 0;
    return true;
}

void PeerSession::refuse(qint64 now, QStringView ref)
{
    const auto &l = m_config.limits;
    m_lastRejectMs = now;
    m_tenant->metrics().refused("rate-limited"_L1);
    if (m_overLimitSinceMs == 0)
        m_overLimitSinceMs = now;
    if (now - m_overLimitSinceMs >= qint64(l.rateLimitCloseSec) * 1000) {
        closeWith(4008, true);
        return;
    }
    if (now - m_lastRateErrorMs >= 1000) {
        m_lastRateErrorMs = now;
        sendText(FrameWriter::error("rate-limited"_L1, ref));
    }
}

void PeerSession::closeWith(quint16 code, bool final, QLatin1StringView leftReason)
{
    if (m_closingByUs)
        return;
    m_closingByUs = true;
    if (final)
        m_endReason = leftReason;
    else
        m_holdOnClose = true;
    m_socket->close(QWebSocketProtocol::CloseCode(code));
    // A peer that never reads would keep the socket half-closed: cut it after a grace.
    QTimer::singleShot(5000, this, [this] {
        if (m_socket->state() != QAbstractSocket::UnconnectedState)
            m_socket->abort();
    });
}

void PeerSession::kick(QLatin1StringView reason, quint16 closeCode, QLatin1StringView leftReason,
                       const QString &message)
{
    QJsonObject body{{u"reason"_s, reason}};
    if (!message.isEmpty())
        body.insert(u"message"_s, message);
    sendText(FrameWriter::make("kicked"_L1, body));
    closeWith(closeCode, !leftReason.isEmpty(), leftReason);
}

void PeerSession::tick(qint64 now)
{
    if (m_closingByUs || m_finished)
        return;
    if (!m_gotFrame && now - m_createdMs > qint64(m_config.firstFrameTimeoutSec) * 1000) {
        closeWith(QWebSocketProtocol::CloseCodePolicyViolated, true);
        return;
    }
    const qint64 keepaliveMs = qint64(m_config.keepaliveSec) * 1000;
    if (now - m_lastSeenMs > 2 * keepaliveMs) {
        qCDebug(lcSignal) << "keepalive timeout" << m_peerId;
        closeWith(4002, false);
        return;
    }
    if (now - m_lastPingMs >= keepaliveMs) {
        m_lastPingMs = now;
        m_socket->ping();
    }
}

void PeerSession::onDisconnected()
{
    if (m_finished)
        return;
    m_finished = true;
    if (member()) {
        if (!m_endReason.isEmpty())
            endMembership(m_endReason);
        else if (m_peerClosed && !m_holdOnClose)
            endMembership("closed"_L1); // a close frame (tab close or reload) is final
        else
            holdMembership(); // lost without a close frame: held for resume
    }
    emit finished();
}

void PeerSession::endMembership(QLatin1StringView reason)
{
    Room *room = m_room;
    const QString id = m_peerId;
    m_room = nullptr;
    m_peerId.clear();
    if (room) {
        if (m_tenant)
            m_tenant->forgetResumeToken(id);
        room->remove(id, reason);
    }
}

void PeerSession::detachMember()
{
    m_room = nullptr;
    m_peerId.clear();
}

void PeerSession::holdMembership()
{
    Room::Member *m = member();
    Room *room = m_room;
    detachMember();
    m->session = nullptr;
    // A held peer still counts toward its address's connection limit until it ends or resumes.
    if (QObject *ticket = FrontDoor::connectionTicket(m_socket)) {
        ticket->setParent(nullptr);
        m->connectionTicket.reset(ticket);
    }
    const quint32 generation = ++m->holdGeneration;
    const QString peerId = m->peerId;
    const int graceMs = m_config.resumeGraceSec * 1000;
    if (graceMs <= 0) {
        if (m_tenant)
            m_tenant->forgetResumeToken(peerId);
        room->remove(peerId, "timeout"_L1);
        return;
    }
    QPointer<Tenant> tenant = m_tenant;
    QTimer::singleShot(graceMs, room, [room, peerId, generation, tenant] {
        Room::Member *held = room->member(peerId);
        if (!held || held->session || held->holdGeneration != generation)
            return;
        if (tenant)
            tenant->forgetResumeToken(peerId);
        room->remove(peerId, "timeout"_L1);
    });
}

void PeerSession::onText(const QString &text)
{
    m_lastSeenMs = nowMs();
    const bool firstFrame = !m_gotFrame;
    m_gotFrame = true;
    if (!m_tenant || m_closingByUs || !admitAny(m_lastSeenMs))
        return;
    const Frame frame = Frame::parse(text);
    if (!admit(frame, m_lastSeenMs))
        return;
    if (!frame.isValid()) {
        sendError("bad-frame"_L1, frame.typeName());
        return;
    }
    if (m_tenant->bridge().isBridge(this)) {
        m_tenant->bridge().handleFrame(*this, frame);
        return;
    }
    switch (frame.type()) {
    case Frame::Type::Join: handleJoin(frame); return;
    case Frame::Type::Signal: handleSignal(frame); return;
    case Frame::Type::Leave: handleLeave(); return;
    case Frame::Type::Ping: sendText(u"{\"type\":\"pong\"}"_s); return;
    case Frame::Type::Identify:
        if (!member()) {
            sendError("not-joined"_L1, frame.typeName());
            return;
        }
        handleIdentify(frame);
        return;
    case Frame::Type::Dial:
        m_tenant->dialer().dial(*this, frame.string("number"_L1).value_or(QString()),
                                frame.string("trunk"_L1));
        return;
    case Frame::Type::Hangup: m_tenant->dialer().hangup(*this, frame); return;
    case Frame::Type::Register: m_tenant->rings().registerPhone(*this, frame); return;
    case Frame::Type::Answer: m_tenant->rings().answer(*this, frame); return;
    case Frame::Type::Decline: m_tenant->rings().decline(*this, frame); return;
    case Frame::Type::BridgeHello: m_tenant->bridge().hello(*this, frame, firstFrame); return;
    case Frame::Type::DialStatus: // only the bridge session sends these
    case Frame::Type::Registrar:
    case Frame::Type::Unknown: sendError("bad-frame"_L1, frame.typeName()); return;
    }
}

void PeerSession::handleJoin(const Frame &frame)
{
    const QString ref = frame.typeName();
    if (member() || m_resumePending) {
        sendError("already-joined"_L1, ref);
        return;
    }
    if (const auto token = frame.string("resume"_L1)) {
        handleResume(frame, *token);
        return;
    }
    QString roomId = frame.string("room"_L1).value_or(QString());
    Room::Kind kind = Room::Kind::Conference;
    const auto dial = frame.string("dial"_L1);
    if (roomId == u"random"_s) {
        roomId = RoomRegistry::mintId();
        if (const auto vnumRoom
            = dial ? m_tenant->dialer().vnumRoomFor(*dial, false) : std::nullopt) {
            roomId = *vnumRoom;
            kind = Room::Kind::VirtualNumber;
        }
    } else if (!NameRules::isRoomId(roomId)) {
        sendError("bad-frame"_L1, ref);
        return;
    } else if (m_tenant->rings().isCallRoom(roomId)) {
        kind = Room::Kind::Call; // a room minted for a ring stays a call room
    }
    const auto name = NameRules::normaliseDisplayName(frame.string("name"_L1).value_or(QString()));
    if (!name) {
        sendError("bad-frame"_L1, ref);
        return;
    }
    std::optional<OidcIdentity> identity;
    if (const auto idToken = frame.string("idToken"_L1)) {
        // A token that fails verification stops the join; the client may join without it.
        identity = verifyIdToken(*idToken);
        if (!identity) {
            sendError("invalid-token"_L1, ref);
            return;
        }
    }
    QLatin1StringView peerKind = "browser"_L1;
    if (frame.kind("bridgeTicket"_L1) == JsonScanner::Kind::Object) {
        // bridgeTicket {time, sig}: sig = hex HMAC-SHA256(bridgeSecret, Signing::bridgeTicket)
        const auto ticketText = frame.raw("bridgeTicket"_L1);
        const Frame ticket = Frame::parse(ticketText);
        const auto time = ticket.integer("time"_L1);
        const auto sig = ticket.string("sig"_L1);
        const bool allowed = m_tenant->config().bridgeAllowed(m_client);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QByteArray message
            = Signing::bridgeTicket(m_host.toUtf8(), roomId.toUtf8(), time.value_or(0));
        if (!allowed || !time || !sig || !Signing::withinWindow(now, *time)
            || !Signing::match(sig->toLatin1(), m_tenant->config().bridgeSecrets(now), message)) {
            sendError("forbidden"_L1, ref);
            return;
        }
        // Each ticket is good once, also across a restart (DESIGN.md "Limits").
        if (!m_tenant->store().rememberOnce(u"bridge-ticket|"_s + m_tenant->config().host,
                                            sig->toLatin1().toLower(),
                                            (*time + Signing::windowSec + 1) * 1000)) {
            sendError("forbidden"_L1, ref);
            return;
        }
        peerKind = "bridge"_L1;
    }
    // cam_<name>: a camera of this tenant that this peer may watch, or nothing (server/camera).
    const auto camera = Cameras::isCameraRoom(roomId)
        ? m_tenant->cameras().visibleCamera(roomId, identity.has_value())
        : std::nullopt;
    if (Cameras::isCameraRoom(roomId) && (!camera || peerKind != "browser"_L1)) {
        sendError("unknown-camera"_L1, ref);
        return;
    }
    Room *room
        = m_tenant->rooms().isFull(roomId) ? nullptr : m_tenant->rooms().findOrCreate(roomId, kind);
    if (!room || room->isFull()) {
        sendError("room-full"_L1, ref);
        return;
    }
    if (camera)
        m_tenant->cameras().attach(*room, *camera);
    auto m = std::make_unique<Room::Member>();
    const QString phoneId = m_tenant->rings().phonePeerId(this); // a phone keeps its peerId
    m->peerId = phoneId.isEmpty() ? Crypto::randomId() : phoneId;
    m->name = identity ? identity->name : *name;
    if (identity)
        m->verifiedIdentity = identity->verifiedIdentity();
    m->kind = peerKind;
    m->session = this;
    const QString joined = FrameWriter::make("peer-joined"_L1, room->describe(*m));
    m_room = room;
    m_peerId = m->peerId;
    Room::Member &me = room->add(std::move(m));
    sendWelcome(me, false);
    room->broadcast(joined, m_peerId);
    qCDebug(lcSignal) << "join" << m_peerId;
    if (dial) // welcome comes first; the join stands if the dial fails
        m_tenant->dialer().dial(*this, *dial, frame.string("trunk"_L1));
}

void PeerSession::handleResume(const Frame &frame, const QString &token)
{
    const QString ref = frame.typeName();
    const auto entry = m_tenant->takeResumeToken(token);
    Room *room = entry ? m_tenant->rooms().find(entry->roomId) : nullptr;
    Room::Member *m = room ? room->member(entry->peerId) : nullptr;
    const QString roomId = frame.string("room"_L1).value_or(QString());
    RemoteResume *remote = m_tenant->remoteResume();
    if (!entry && remote && NameRules::isRoomId(roomId) && !Cameras::isCameraRoom(roomId)) {
        // Cluster mode: another node may hold the member; the join is answered when it replies.
        // (A camera room's media session lives on its node: it is not resumed elsewhere.)
        m_resumePending = true;
        remote->ask(*this, roomId, token);
        return;
    }
    if (!m || roomId != entry->roomId) {
        sendError("invalid-token"_L1, ref);
        return;
    }
    if (auto *old = qobject_cast<PeerSession *>(m->session)) {
        // A valid resume takes over a socket that still looks alive; nobody sees a peer-left.
        old->detachMember();
        old->kick("replaced"_L1, 4001, {});
    }
    m->session = this;
    m->connectionTicket.reset(); // this socket holds its own slot
    ++m->holdGeneration; // cancels the pending grace expiry
    m_room = room;
    m_peerId = m->peerId;
    sendWelcome(*m, true);
    const QList<QString> queued = std::exchange(m->queue, {});
    m->queueBytes = 0;
    for (const QString &f : queued)
        sendText(f);
}

bool PeerSession::awaitsResume() const
{
    return m_resumePending && !m_closingByUs && !m_finished
        && m_socket->state() == QAbstractSocket::ConnectedState;
}

void PeerSession::refuseResume()
{
    m_resumePending = false;
    sendError("invalid-token"_L1, u"join");
}

void PeerSession::adoptResumed(Room &room, std::unique_ptr<Room::Member> member,
                               const QList<QString> &queued)
{
    m_resumePending = false;
    member->session = this;
    m_room = &room;
    m_peerId = member->peerId;
    // The other nodes knew this member already: add() moves it here in their directories, and
    // nobody sees a peer-joined (nor, from the old node, a peer-left).
    Room::Member &me = room.add(std::move(member));
    sendWelcome(me, true);
    for (const QString &f : queued)
        sendText(f);
    qCDebug(lcSignal) << "resumed from another node" << m_peerId;
}

void PeerSession::sendWelcome(Room::Member &me, bool resumed)
{
    QJsonArray peers;
    if (const CameraRoom *camera = m_tenant->cameras().roomFor(m_room))
        peers.append(camera->describe());
    for (const QJsonValue &p : m_room->peersFor(me))
        peers.append(p);
    const QString token = m_tenant->issueResumeToken(m_room->id(), me.peerId);
    const QJsonObject body{
        {u"peerId"_s, me.peerId},
        {u"room"_s, m_room->id()},
        {u"peers"_s, peers},
        {u"iceServers"_s,
         TurnCredentials::iceServers(m_tenant->config(), me.peerId,
                                     QDateTime::currentSecsSinceEpoch())},
        {u"resumeToken"_s, token},
        {u"keepaliveSec"_s, m_config.keepaliveSec},
        {u"resumed"_s, resumed},
    };
    sendText(FrameWriter::make("welcome"_L1, body));
}

void PeerSession::handleSignal(const Frame &frame)
{
    Room::Member *me = member();
    if (!me) {
        sendError("not-joined"_L1, frame.typeName());
        return;
    }
    QString scratch;
    const auto to = frame.stringView("to"_L1, scratch);
    if (CameraRoom *camera = m_tenant->cameras().roomFor(m_room)) {
        camera->handleSignal(*this, to.value_or(QStringView()), frame);
        return;
    }
    Room::Member *target = (to && *to != m_peerId) ? m_room->member(*to) : nullptr;
    if (!target) {
        // Cluster mode: the target may sit on another node (the frame goes there byte-exact).
        if (!to || *to == m_peerId
            || !m_room->relayRemote(*to, FrameWriter::signal(m_peerId, frame.raw("data"_L1))))
            sendError("unknown-peer"_L1, frame.typeName());
        return;
    }
    m_tenant->metrics().relayed();
    const QStringView data = frame.raw("data"_L1);
    if (target->session) {
        target->session->sendSignal(m_peerId, data); // the hot path: no QString is built
        return;
    }
    if (!m_room->deliver(*target, FrameWriter::signal(m_peerId, data)))
        m_room->remove(target->peerId, "timeout"_L1); // a held peer's queue overflowed
}

void PeerSession::handleLeave()
{
    if (!member()) {
        sendError("not-joined"_L1, u"leave");
        return;
    }
    endMembership("left"_L1);
}

std::optional<OidcIdentity> PeerSession::verifyIdToken(const QString &token)
{
    OidcVerifier *verifier = m_tenant ? m_tenant->oidc() : nullptr;
    if (!verifier)
        return std::nullopt; // no identity provider: no token can be verified
    return verifier->verify(token.toUtf8());
}

void PeerSession::handleIdentify(const Frame &frame)
{
    Room::Member *me = member();
    if (!me) {
        sendError("not-joined"_L1, frame.typeName());
        return;
    }
    const auto identity = verifyIdToken(frame.string("idToken"_L1).value_or(QString()));
    if (!identity) {
        sendError("invalid-token"_L1, frame.typeName());
        return;
    }
    me->name = identity->name;
    me->verifiedIdentity = identity->verifiedIdentity();
    // Everyone in the room (on every node), the sender included, learns the verified name.
    m_room->announceUpdate(*me);
}
