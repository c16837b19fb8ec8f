#include "admin/AdminSocket.h"

#include "AdminProtocol.h"
#include "admin/AdminConnection.h"
#include "admin/AdminEdits.h"
#include "admin/ServerCounters.h"
#include "http/ApiError.h"
#include "signal/Room.h"
#include "signal/RoomCluster.h"
#include "signal/Tenant.h"
#include "signal/TenantDirectory.h"
#include "store/Store.h"
#include "telephony/Dialer.h"
#include "telephony/Ring.h"
#include "telephony/RingDispatcher.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QSslConfiguration>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcAdmin, "switchboard.admin", QtInfoMsg)
QJsonObject ringJson(const Ring &ring);

QLatin1StringView kindName(Room::Kind kind)
{
    switch (kind) {
    case Room::Kind::Call: return "call"_L1;
    case Room::Kind::VirtualNumber: return "virtual-number"_L1;
    case Room::Kind::Conference: break;
    }
    return "conference"_L1;
}
} // namespace

AdminSocket::AdminSocket(const ServerConfig &config, const TenantDirectory &tenants, Store &store,
                         const ServerCounters &counters, QObject *parent)
    : QObject(parent), m_config(config), m_tenants(tenants), m_store(store), m_edits(store),
      m_counters(counters),
      m_server(u"switchboard-admin"_s, QWebSocketServer::NonSecureMode) // TLS is m_listener's
{
    m_server.setHandshakeTimeout(std::chrono::milliseconds(10000));
    // No web page may reach the admin socket: any Origin at all is refused (403).
    connect(&m_server, &QWebSocketServer::originAuthenticationRequired, this,
            [](QWebSocketCorsAuthenticator *auth) { auth->setAllowed(auth->origin().isEmpty()); });
    connect(&m_server, &QWebSocketServer::newConnection, this, &AdminSocket::onNewConnection);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &AdminSocket::tick);
    for (Tenant *t : m_tenants.tenants())
        watchTenant(t);
}

AdminSocket::~AdminSocket()
{
    const auto connections = m_connections;
    for (AdminConnection *c : connections)
        delete c;
}

bool AdminSocket::listen(QString *error)
{
    const ServerConfig &config = m_config;
    QHostAddress address;
    if (config.adminHost == u"localhost"_s)
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(config.adminHost)) {
        *error = u"adminListen: not an IP address: %1"_s.arg(config.adminHost);
        return false;
    }
    if (m_tls) {
        auto sslServer = std::make_unique<QSslServer>();
        sslServer->setSslConfiguration(*m_tls);
        sslServer->setHandshakeTimeout(config.tlsHandshakeTimeoutSec * 1000);
        m_listener = std::move(sslServer);
    } else if (!address.isLoopback()) {
        *error
            = u"adminListen: %1 is not a loopback address; the admin socket needs tls there"_s.arg(
                config.adminHost);
        return false;
    }
    if (!m_listener)
        m_listener = std::make_unique<QTcpServer>();
    connect(m_listener.get(), &QTcpServer::newConnection, this, &AdminSocket::onTcpConnection);
    // QSslServer queues a socket only once its handshake is done, and says so with this signal
    // alone: newConnection comes when the TCP connection arrives, with nothing pending yet.
    connect(m_listener.get(), &QTcpServer::pendingConnectionAvailable, this,
            &AdminSocket::onTcpConnection);
    quint16 port = config.adminPort;
    // A public port of 0 means a test: a default admin port would make parallel tests collide.
    if (config.listenPort == 0 && port == ServerConfig().adminPort)
        port = 0;
    if (!m_listener->listen(address, port)) {
        *error = u"adminListen: %1"_s.arg(m_listener->errorString());
        return false;
    }
    m_tick.start();
    qCInfo(lcAdmin) << "admin socket on" << address.toString() << m_listener->serverPort();
    return true;
}

void AdminSocket::setTls(const QSslConfiguration &ssl)
{
    m_tls = ssl;
    if (auto *sslServer = dynamic_cast<QSslServer *>(m_listener.get()))
        sslServer->setSslConfiguration(ssl);
}

quint16 AdminSocket::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

void AdminSocket::publish(const Tenant *tenant, QLatin1StringView type, const QJsonObject &body)
{
    QString frame; // serialised once, only when somebody listens
    const auto connections = m_connections; // a send may drop (and so remove) a console
    for (AdminConnection *c : connections) {
        if (c->state() != AdminConnection::State::Ready || c->tenant() != tenant)
            continue;
        if (frame.isEmpty())
            frame = AdminProtocol::make(type, body);
        c->send(frame);
    }
}

QJsonObject AdminSocket::describeRoom(const Room &room)
{
    QJsonArray peers;
    for (const auto &m : room.members()) {
        QJsonObject p = room.describe(*m);
        p.insert(u"held"_s, m->session == nullptr);
        peers.append(p);
    }
    return {{u"id"_s, room.id()}, {u"kind"_s, kindName(room.kind())}, {u"peers"_s, peers}};
}

QJsonArray AdminSocket::remoteRoomsJson(Tenant &tenant)
{
    QJsonArray out;
    const RoomCluster *cluster = tenant.rooms().cluster();
    if (!cluster)
        return out;
    QList<RoomCluster::RemoteRoom> rooms = cluster->remoteRooms();
    // Sorted, so that an unchanged view compares equal (tick() sends only changes).
    std::sort(rooms.begin(), rooms.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
    for (const RoomCluster::RemoteRoom &r : std::as_const(rooms)) {
        QList<QJsonObject> members;
        for (const QJsonValue &p : cluster->remotePeersWithNodes(r.id))
            members.append(p.toObject());
        std::sort(members.begin(), members.end(), [](const QJsonObject &a, const QJsonObject &b) {
            return a.value(u"peerId"_s).toString() < b.value(u"peerId"_s).toString();
        });
        QJsonArray peers;
        for (const QJsonObject &p : std::as_const(members))
            peers.append(p);
        out.append(
            QJsonObject{{u"id"_s, r.id}, {u"kind"_s, kindName(r.kind)}, {u"peers"_s, peers}});
    }
    return out;
}

QJsonObject AdminSocket::snapshotFor(Tenant &tenant) const
{
    QJsonArray rooms;
    for (const Room *r : tenant.rooms().rooms())
        rooms.append(describeRoom(*r));
    QJsonArray phones;
    for (const auto &[peerId, extension] : tenant.rings().phones())
        phones.append(QJsonObject{{u"peerId"_s, peerId}, {u"extension"_s, extension}});
    QJsonArray rings;
    for (const Ring *r : tenant.rings().activeRings())
        rings.append(ringJson(*r));
    QJsonObject snap{{u"tenant"_s, tenant.config().host},
                     {u"rooms"_s, rooms},
                     {u"phones"_s, phones},
                     {u"trunks"_s, trunksJson(tenant)},
                     {u"rings"_s, rings},
                     {u"virtualNumbers"_s, virtualNumbersJson(tenant)},
                     {u"aliases"_s, aliasesJson(tenant)},
                     {u"whitelist"_s, whitelistJson(tenant)},
                     {u"counters"_s, countersFor(tenant)}};
    if (tenant.rooms().cluster())
        snap.insert(u"remoteRooms"_s, remoteRoomsJson(tenant));
    return snap;
}

QJsonObject AdminSocket::countersFor(Tenant &tenant) const
{
    const int sessions = m_counters.socketCount(tenant);
    int consoles = 0;
    for (const AdminConnection *c : m_connections)
        consoles += c->tenant() == &tenant ? 1 : 0;
    QJsonObject counters{{u"rooms"_s, tenant.rooms().count()},
                         {u"peers"_s, tenant.rooms().peerCount()},
                         {u"sessions"_s, sessions},
                         {u"consoles"_s, consoles},
                         {u"uptimeSec"_s, m_counters.uptimeMs() / 1000},
                         {u"phones"_s, tenant.rings().phoneCount()},
                         {u"ringing"_s, tenant.rings().ringsInFlight()}};
    return counters;
}

namespace {
QJsonObject ringJson(const Ring &ring)
{
    const Ring::Call &c = ring.call();
    QJsonObject o{
        {u"callId"_s, c.callId},
        {u"from"_s, c.from},
        {u"to"_s, c.to},
        {u"room"_s, c.room},
        {u"delivered"_s, ring.delivered()},
        {u"at"_s, AdminProtocol::timestamp(ring.startedAt().toMSecsSinceEpoch())},
        {u"state"_s, ring.state() == Ring::State::Answered ? u"answered"_s : u"ringing"_s}};
    if (!c.fromName.isEmpty())
        o.insert(u"fromName"_s, c.fromName);
    return o;
}

QString now()
{
    return AdminProtocol::timestamp(QDateTime::currentMSecsSinceEpoch());
}

// Store entries as the admin protocol sends them (AdminEdits::toJson).
template <typename Entry> QJsonArray toJsonArray(const QList<Entry> &entries)
{
    QJsonArray out;
    for (const Entry &e : entries)
        out.append(AdminEdits::toJson(e));
    return out;
}
} // namespace

void AdminSocket::watchTelephony(Tenant *tenant)
{
    namespace AP = AdminProtocol;
    RingDispatcher &rings = tenant->rings();
    connect(&rings, &RingDispatcher::phoneRegistered, this,
            [this, tenant](const QString &peerId, const QString &extension) {
                publish(tenant, AP::phoneRegistered,
                        {{u"phone"_s,
                          QJsonObject{{u"peerId"_s, peerId}, {u"extension"_s, extension}}}});
            });
    connect(&rings, &RingDispatcher::phoneUnregistered, this,
            [this, tenant](const QString &peerId) {
                publish(tenant, AP::phoneUnregistered, {{u"peerId"_s, peerId}});
            });
    connect(&rings, &RingDispatcher::ringStarted, this, [this, tenant](const QString &callId, int) {
        if (const Ring *r = tenant->rings().findRing(callId))
            publish(tenant, AP::ring, {{u"ring"_s, ringJson(*r)}});
    });
    connect(&rings, &RingDispatcher::ringAnswered, this,
            [this, tenant](const QString &callId, const QString &peerId) {
                publish(tenant, AP::ringAnswered,
                        {{u"callId"_s, callId}, {u"peerId"_s, peerId}, {u"at"_s, now()}});
            });
    connect(&rings, &RingDispatcher::ringTimedOut, this, [this, tenant](const QString &callId) {
        m_timedOut.insert(callId);
        publish(tenant, AP::ringTimeout, {{u"callId"_s, callId}, {u"at"_s, now()}});
    });
    connect(&rings, &RingDispatcher::ringEnded, this,
            [this, tenant](const QString &callId, const QString &result) {
                if (m_timedOut.remove(callId))
                    return; // already told as ring-timeout
                if (result == u"answered"_s)
                    return; // the answer was told; the call itself goes on in its room
                publish(tenant, AP::ringCleared,
                        {{u"callId"_s, callId}, {u"reason"_s, result}, {u"at"_s, now()}});
            });
    Dialer &dialer = tenant->dialer();
    connect(&dialer, &Dialer::dialStarted, this,
            [this, tenant](const QString &callId, const QString &roomId, const QString &number) {
                publish(tenant, AP::dial,
                        {{u"dial"_s,
                          QJsonObject{{u"callId"_s, callId},
                                      {u"room"_s, roomId},
                                      {u"number"_s, number},
                                      {u"outcome"_s, u"dialing"_s},
                                      {u"at"_s, now()}}}});
            });
    connect(&dialer, &Dialer::dialStatusRelayed, this,
            [this, tenant](const QString &callId, const QString &state, const QString &reason) {
                QJsonObject body{{u"callId"_s, callId}, {u"state"_s, state}, {u"at"_s, now()}};
                if (!reason.isEmpty())
                    body.insert(u"reason"_s, reason);
                publish(tenant, AP::dialStatus, body);
            });
    connect(&dialer, &Dialer::dialEnded, this,
            [this, tenant](const QString &callId, const QString &result) {
                publish(tenant, AP::dialStatus,
                        {{u"callId"_s, callId},
                         {u"state"_s, result == u"failed"_s ? u"failed"_s : u"ended"_s},
                         {u"reason"_s, result},
                         {u"at"_s, now()}});
            });
}

void AdminSocket::watchTenant(Tenant *tenant)
{
    watchTelephony(tenant);
    connect(tenant, &Tenant::trunksChanged, this, [this, tenant] {
        publish(tenant, AdminProtocol::trunkStatus, {{u"trunks"_s, trunksJson(*tenant)}});
    });
    RoomRegistry &registry = tenant->rooms();
    for (Room *r : registry.rooms())
        watchRoom(tenant, r);
    connect(&registry, &RoomRegistry::roomCreated, this, [this, tenant](Room *room) {
        watchRoom(tenant, room);
        publish(tenant, AdminProtocol::roomCreated, {{u"room"_s, describeRoom(*room)}});
    });
    connect(&registry, &RoomRegistry::roomRemoved, this, [this, tenant](const QString &id) {
        publish(tenant, AdminProtocol::roomRemoved, {{u"roomId"_s, id}});
    });
}

void AdminSocket::watchRoom(const Tenant *tenant, Room *room)
{
    connect(room, &Room::peerJoined, this, [this, tenant, room](const QString &peerId) {
        const Room::Member *m = room->member(peerId);
        if (!m)
            return;
        QJsonObject peer = room->describe(*m);
        peer.insert(u"held"_s, m->session == nullptr);
        publish(tenant, AdminProtocol::peerJoined, {{u"roomId"_s, room->id()}, {u"peer"_s, peer}});
    });
    connect(room, &Room::peerLeft, this,
            [this, tenant, room](const QString &peerId, const QString &reason) {
                publish(tenant, AdminProtocol::peerLeft,
                        {{u"roomId"_s, room->id()}, {u"peerId"_s, peerId}, {u"reason"_s, reason}});
            });
}

void AdminSocket::onTcpConnection()
{
    while (QTcpSocket *tcp = m_listener->nextPendingConnection()) {
        if (!m_plainHttp) {
            const auto key = qMakePair(tcp->peerAddress(), tcp->peerPort());
            m_upgrading.insert(key, tcp);
            connect(tcp, &QObject::destroyed, this, [this, key] { m_upgrading.remove(key); });
            m_server.handleConnection(tcp); // the handshake, the Origin check (403), its timeout
            continue;
        }
        tcp->setParent(this);
        // A client that never finishes its head is dropped like a stalled handshake.
        QTimer::singleShot(std::chrono::seconds(m_config.firstFrameTimeoutSec), tcp, [tcp] {
            if (tcp->property("sb-routed").toBool())
                return;
            tcp->abort();
            tcp->deleteLater();
        });
        connect(tcp, &QTcpSocket::readyRead, this, [this, tcp] { routeHead(tcp); });
        connect(tcp, &QTcpSocket::disconnected, tcp, &QObject::deleteLater);
        if (tcp->bytesAvailable() > 0)
            routeHead(tcp);
    }
}

void AdminSocket::routeHead(QTcpSocket *tcp)
{
    constexpr qsizetype maxHead = 8192;
    const QByteArray peeked = tcp->peek(maxHead + 4);
    const qsizetype end = peeked.indexOf("\r\n\r\n");
    if (end < 0) {
        if (peeked.size() > maxHead) {
            tcp->abort();
            tcp->deleteLater();
        }
        return;
    }
    tcp->disconnect(this);
    disconnect(tcp, &QTcpSocket::disconnected, tcp, &QObject::deleteLater);
    tcp->setProperty("sb-routed", true);
    const QByteArray head = peeked.left(end);
    if (!head.toLower().contains("\nupgrade:")) {
        m_plainHttp(tcp, head);
        return;
    }
    const auto key = qMakePair(tcp->peerAddress(), tcp->peerPort());
    m_upgrading.insert(key, tcp);
    connect(tcp, &QObject::destroyed, this, [this, key] { m_upgrading.remove(key); });
    m_server.handleConnection(tcp); // the handshake, the Origin check (403) and its timeout
}

void AdminSocket::onNewConnection()
{
    while (QWebSocket *ws = m_server.nextPendingConnection()) {
        QTcpSocket *tcp = m_upgrading.take(qMakePair(ws->peerAddress(), ws->peerPort()));
        if (ws->requestUrl().path() != AdminProtocol::path) {
            // QWebSocketServer upgrades any path; anything but /admin is closed at once.
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated, u"not found"_s);
            connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
            QTimer::singleShot(5000, ws, &QObject::deleteLater);
            continue;
        }
        auto *c = new AdminConnection(ws, tcp, m_maxPending, this);
        m_connections.insert(c);
        connect(c, &AdminConnection::messageReceived, this,
                [this, c](const QString &text) { onMessage(c, text); });
        connect(c, &AdminConnection::finished, this, [this, c] {
            m_connections.remove(c);
            c->deleteLater();
        });
    }
}

void AdminSocket::onMessage(AdminConnection *c, const QString &text)
{
    const auto message = AdminProtocol::parse(text);
    if (c->state() == AdminConnection::State::AwaitingAuth) {
        if (!message || message->type != AdminProtocol::auth) {
            c->send(AdminProtocol::makeError(AdminProtocol::errUnauthorized));
            c->closeWith(AdminProtocol::closeAuthFailed);
            return;
        }
        authenticate(c, message->body);
        return;
    }
    if (!message) {
        c->send(AdminProtocol::makeError(AdminProtocol::errBadMessage));
        return;
    }
    const QJsonValue id = message->body.value(u"id"_s);
    if (!AdminProtocol::isCommand(message->type) || !id.isString() || id.toString().isEmpty()
        || id.toString().size() > 64) {
        c->send(AdminProtocol::makeError(AdminProtocol::errBadMessage,
                                         id.isString() ? id.toString().left(64) : QString()));
        return;
    }
    runCommand(c, message->type, message->body);
}

void AdminSocket::authenticate(AdminConnection *c, const QJsonObject &body)
{
    if (body.value(u"version"_s).toInt(-1) != AdminProtocol::version) {
        c->send(AdminProtocol::makeError(AdminProtocol::errUnsupportedVersion));
        c->closeWith(AdminProtocol::closeUnsupportedVersion);
        return;
    }
    const QString host = ServerConfig::normaliseHost(body.value(u"tenant"_s).toString());
    Tenant *tenant = host.isEmpty() ? nullptr : m_tenants.forHost(host);
    QString actor;
    bool ok = false;
    if (tenant && body.value(u"hmac"_s).isString()) {
        const QString hmac = body.value(u"hmac"_s).toString();
        for (const QByteArrayView secret :
             tenant->config().adminSecrets(QDateTime::currentSecsSinceEpoch()))
            ok = AdminProtocol::verifyNonce(secret, host, c->nonce(), hmac) || ok;
        actor = u"admin-secret"_s;
    } else if (tenant && body.value(u"bearer"_s).isString()) {
        // An admin Bearer is an ID token the tenant verifies with admin rights.
        const auto verified = tenant->verifyIdToken(body.value(u"bearer"_s).toString());
        ok = verified && verified->adminRights;
        if (ok)
            actor = verified->identity.value(u"name"_s).toString();
    }
    if (!ok) {
        // Which part failed is never said, to the console or in the log.
        qCInfo(lcAdmin) << "admin socket authentication failed";
        if (tenant)
            tenant->metrics().authFailed(TenantMetrics::Auth::AdminSocket);
        c->send(AdminProtocol::makeError(AdminProtocol::errUnauthorized));
        c->closeWith(AdminProtocol::closeAuthFailed);
        return;
    }
    c->markReady(tenant, actor);
    qCInfo(lcAdmin) << "console connected to tenant" << tenant->config().host << "as" << actor;
    c->send(AdminProtocol::make(AdminProtocol::welcome,
                                {{u"tenant"_s, tenant->config().host}, {u"actor"_s, actor}}));
    c->sendSnapshot(AdminProtocol::make(AdminProtocol::snapshot, snapshotFor(*tenant)));
}

void AdminSocket::runCommand(AdminConnection *c, const QString &type, const QJsonObject &body)
{
    const QString id = body.value(u"id"_s).toString();
    Tenant *tenant = c->tenant();
    if (!tenant) {
        c->send(AdminProtocol::makeError(AdminProtocol::errUnavailable, id));
        return;
    }
    if (type == AdminProtocol::kick) {
        try {
            const AdminEdits::Kick k
                = AdminEdits::parseKick(body.value(u"peerId"_s), body.value(u"reason"_s));
            const QString roomId = AdminEdits::kick(*tenant, k);
            if (roomId.isEmpty())
                qCInfo(lcAdmin) << c->actor() << "kicked an office phone in no room";
            else
                qCInfo(lcAdmin) << c->actor() << "kicked a peer of room" << roomId;
        } catch (const ApiError &e) {
            c->send(errorFor(e, id));
            return;
        }
        c->send(AdminProtocol::make(AdminProtocol::ok, {{u"id"_s, id}}));
        return;
    }
    if (type == AdminProtocol::cdrLog || type == AdminProtocol::dialLog) {
        runLogPage(c, type, body);
        return;
    }
    runEdit(c, type, body);
}

QString AdminSocket::errorFor(const ApiError &e, const QString &id)
{
    namespace AP = AdminProtocol;
    switch (e.kind) {
    case ApiErrorKind::BadRequest: return AP::makeError(AP::errBadField, id, e.field);
    case ApiErrorKind::NotFound:
        return AP::makeError(AP::errNotFound, id, e.field.isEmpty() ? u"number"_s : e.field);
    case ApiErrorKind::Conflict: return AP::makeError(AP::errDuplicate, id, e.field);
    default: break;
    }
    return AP::makeError(AP::errInternal, id);
}

void AdminSocket::runEdit(AdminConnection *c, const QString &type, const QJsonObject &body)
{
    namespace AP = AdminProtocol;
    const QString id = body.value(u"id"_s).toString();
    Tenant &tenant = *c->tenant();
    if (!m_store.isOpen()) {
        c->send(AP::makeError(AP::errUnavailable, id));
        return;
    }
    const QString host = tenant.config().host;
    const QJsonObject data = body.value(u"data"_s).toObject();
    const QString number = body.value(u"number"_s).toString();
    // Each list's create, update and delete messages.
    using List = AdminEdits::List;
    struct ListEdits {
        QLatin1StringView create, update, remove;
        List list;
    };
    static constexpr ListEdits lists[] = {
        {AP::vnumCreate, AP::vnumUpdate, AP::vnumDelete, List::VirtualNumbers},
        {AP::aliasCreate, AP::aliasUpdate, AP::aliasDelete, List::Aliases},
        {AP::whitelistCreate, AP::whitelistUpdate, AP::whitelistDelete, List::Whitelist},
    };
    const ListEdits *edits = nullptr;
    for (const ListEdits &l : lists) {
        if (type == l.create || type == l.update || type == l.remove)
            edits = &l;
    }
    if (!edits) {
        c->send(AP::makeError(AP::errBadMessage, id));
        return;
    }
    const bool removing = type == edits->remove;
    try {
        const bool create = type == edits->create;
        if (removing)
            m_edits.remove(edits->list, host, number);
        else if (edits->list == List::VirtualNumbers)
            m_edits.saveVirtualNumber(host, data, create);
        else if (edits->list == List::Aliases)
            m_edits.saveAlias(host, data, create);
        else
            m_edits.saveWhitelistEntry(host, data, create);
    } catch (const ApiError &e) {
        c->send(errorFor(e, id));
        return;
    }
    qCInfo(lcAdmin) << c->actor() << type << "on tenant" << host;
    c->send(AP::make(AP::ok, {{u"id"_s, id}}));
    // Saving a virtual number puts it on the whitelist too.
    const bool whitelistChanged
        = edits->list == List::Whitelist || (edits->list == List::VirtualNumbers && !removing);
    if (edits->list != List::Whitelist)
        listChanged(&tenant, edits->list);
    if (whitelistChanged)
        listChanged(&tenant, List::Whitelist);
}

void AdminSocket::listChanged(const Tenant *tenant, AdminEdits::List list)
{
    namespace AP = AdminProtocol;
    switch (list) {
    case AdminEdits::List::VirtualNumbers:
        publish(tenant, AP::virtualNumbers, {{u"virtualNumbers"_s, virtualNumbersJson(*tenant)}});
        return;
    case AdminEdits::List::Aliases:
        publish(tenant, AP::aliases, {{u"aliases"_s, aliasesJson(*tenant)}});
        return;
    case AdminEdits::List::Whitelist:
        publish(tenant, AP::whitelist, {{u"whitelist"_s, whitelistJson(*tenant)}});
        return;
    }
}

QJsonArray AdminSocket::trunksJson(const Tenant &tenant) const
{
    QJsonArray out;
    const QString seen
        = tenant.trunksSeenMs() ? AdminProtocol::timestamp(tenant.trunksSeenMs()) : QString();
    for (const Tenant::TrunkState &t : tenant.trunks())
        out.append(QJsonObject{{u"id"_s, t.id},
                               {u"host"_s, t.host},
                               {u"registered"_s, t.registered},
                               {u"lastSeen"_s, seen}});
    return out;
}

QJsonArray AdminSocket::virtualNumbersJson(const Tenant &tenant) const
{
    return m_store.isOpen() ? toJsonArray(m_store.virtualNumbers(tenant.config().host))
                            : QJsonArray();
}

QJsonArray AdminSocket::aliasesJson(const Tenant &tenant) const
{
    return m_store.isOpen() ? toJsonArray(m_store.aliases(tenant.config().host)) : QJsonArray();
}

QJsonArray AdminSocket::whitelistJson(const Tenant &tenant) const
{
    return m_store.isOpen() ? toJsonArray(m_store.whitelist(tenant.config().host)) : QJsonArray();
}

void AdminSocket::tick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const ServerConfig &config = m_config;
    const auto connections = m_connections;
    for (AdminConnection *c : connections)
        c->tick(now, config.keepaliveSec, config.firstFrameTimeoutSec);
    for (Tenant *t : m_tenants.tenants()) {
        bool listening = false;
        for (const AdminConnection *c : std::as_const(m_connections))
            listening
                = listening || (c->tenant() == t && c->state() == AdminConnection::State::Ready);
        if (!listening)
            continue;
        publish(t, AdminProtocol::counters, {{u"counters"_s, countersFor(*t)}});
        // Cluster mode: the members other nodes hold, told when they changed (at most 1/s).
        if (t->rooms().cluster()) {
            QJsonArray remote = remoteRoomsJson(*t);
            if (remote != m_remoteRoomsSent.value(t)) {
                publish(t, AdminProtocol::remoteRooms, {{u"remoteRooms"_s, remote}});
                m_remoteRoomsSent.insert(t, std::move(remote));
            }
        }
    }
}

namespace {
// A field problem of a history request: the field named, the code fixed.
struct FieldError {
    QString field;
};

// A time bound of a history page: RFC 3339 text or unix seconds, as ?cdrlog takes them.
QDateTime logTime(const QJsonObject &body, const QString &key)
{
    const QJsonValue v = body.value(key);
    if (v.isUndefined())
        return {};
    QDateTime t;
    if (v.isString())
        t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    else if (v.isDouble() && v.toDouble() >= 0 && v.toDouble() < 1e11)
        t = QDateTime::fromSecsSinceEpoch(qint64(v.toDouble()), Qt::UTC);
    if (!t.isValid())
        throw FieldError{key};
    return t;
}

LogQuery logQuery(const QJsonObject &body)
{
    LogQuery q;
    const QJsonValue limit = body.value(u"limit"_s);
    if (!limit.isUndefined()) {
        const double d = limit.toDouble(-1);
        if (!limit.isDouble() || d < 1 || d > AdminProtocol::maxLogPage || d != double(int(d)))
            throw FieldError{u"limit"_s};
        q.limit = int(d);
    }
    const QJsonValue before = body.value(u"before"_s);
    if (!before.isUndefined()) {
        const double d = before.toDouble(-1);
        if (!before.isDouble() || d < 1 || d > 9e15 || d != double(qint64(d)))
            throw FieldError{u"before"_s};
        q.before = qint64(d);
    }
    q.from = logTime(body, u"from"_s);
    q.to = logTime(body, u"to"_s);
    return q;
}

} // namespace

void AdminSocket::runLogPage(AdminConnection *c, const QString &type, const QJsonObject &body)
{
    namespace AP = AdminProtocol;
    const QString id = body.value(u"id"_s).toString();
    if (!m_store.isOpen()) {
        c->send(AP::makeError(AP::errUnavailable, id));
        return;
    }
    LogQuery q;
    try {
        q = logQuery(body);
    } catch (const FieldError &e) {
        c->send(AP::makeError(AP::errBadField, id, e.field));
        return;
    }
    const QString host = c->tenant()->config().host;
    const QJsonObject result
        = type == AP::cdrLog ? m_edits.cdrPage(host, q) : m_edits.dialPage(host, q);
    qCInfo(lcAdmin) << c->actor() << "read a" << type << "page of" << host;
    c->send(AP::make(AP::ok, {{u"id"_s, id}, {u"result"_s, result}}));
}
