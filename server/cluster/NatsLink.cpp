#include "cluster/NatsLink.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QSocketNotifier>
#include <QThread>
#include <nats/nats.h>

namespace {
Q_LOGGING_CATEGORY(lcNats, "switchboard.cluster", QtInfoMsg)
}

// What the library's threads and the loop thread share. Every field is read and written under
// `mutex`; `link` is cleared first thing in ~NatsLink, so a callback never posts to a dead
// object.
struct NatsLinkShared {
    QMutex mutex;
    NatsLink *link = nullptr;
    natsConnection *nc = nullptr; // as attached by the library
    natsConnection *connectResult = nullptr; // what the helper thread's connect returned
    natsStatus connectStatus = NATS_OK;
    int fd = -1;
    quint64 generation = 0; // bumped on every attach/detach: a stale notifier does nothing
    bool wantRead = false;
    bool wantWrite = false;
};

namespace {
using SharedHolder = std::shared_ptr<NatsLinkShared>;

// Adapter and state callbacks run with the connection lock held, possibly on a library thread:
// on the loop thread the notifiers are changed at once (3.4.1 closes the socket right after
// read(false)/write(false) returns), elsewhere the change is queued.
void requestSync(NatsLinkShared *s)
{
    QMutexLocker lock(&s->mutex);
    NatsLink *link = s->link;
    if (!link)
        return;
    if (QThread::currentThread() == link->thread()) {
        lock.unlock();
        link->syncNotifiers();
        return;
    }
    QMetaObject::invokeMethod(link, &NatsLink::syncNotifiers, Qt::QueuedConnection);
}

// Changes the shared state under its mutex, then has the loop thread's notifiers follow it.
template <typename Change> natsStatus changeAndSync(NatsLinkShared *s, Change &&change)
{
    {
        QMutexLocker lock(&s->mutex);
        change(*s);
    }
    requestSync(s);
    return NATS_OK;
}

natsStatus evAttach(void **userData, void *loop, natsConnection *nc, natsSock fd)
{
    auto *s = static_cast<NatsLinkShared *>(loop);
    *userData = s;
    return changeAndSync(s, [&](NatsLinkShared &shared) {
        shared.nc = nc;
        shared.fd = int(fd);
        ++shared.generation;
        shared.wantRead = true; // like the library's own adapters: attaching starts reading
        shared.wantWrite = false;
    });
}

natsStatus evRead(void *userData, bool add)
{
    return changeAndSync(static_cast<NatsLinkShared *>(userData),
                         [add](NatsLinkShared &shared) { shared.wantRead = add; });
}

natsStatus evWrite(void *userData, bool add)
{
    return changeAndSync(static_cast<NatsLinkShared *>(userData),
                         [add](NatsLinkShared &shared) { shared.wantWrite = add; });
}

natsStatus evDetach(void *userData)
{
    return changeAndSync(static_cast<NatsLinkShared *>(userData), [](NatsLinkShared &shared) {
        shared.fd = -1;
        ++shared.generation;
        shared.wantRead = shared.wantWrite = false;
    });
}

void postConnected(void *closure, bool connected)
{
    NatsLinkShared *s = static_cast<SharedHolder *>(closure)->get();
    QMutexLocker lock(&s->mutex);
    if (NatsLink *link = s->link) {
        QMetaObject::invokeMethod(
            link, [link, connected] { link->setConnected(connected); }, Qt::QueuedConnection);
    }
}

void onConnected(natsConnection *, void *closure)
{
    postConnected(closure, true);
}

void onDisconnected(natsConnection *, void *closure)
{
    postConnected(closure, false);
}

void onClosed(natsConnection *, void *closure)
{
    postConnected(closure, false);
    // The last connection callback: nothing reads the closure after this.
    delete static_cast<SharedHolder *>(closure);
}

void onMessage(natsConnection *, natsSubscription *, natsMsg *msg, void *closure)
{
    QByteArray subject(natsMsg_GetSubject(msg));
    QByteArray data(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    const char *reply = natsMsg_GetReply(msg);
    QByteArray replyTo = reply ? QByteArray(reply) : QByteArray();
    natsMsg_Destroy(msg);
    NatsLinkShared *s = static_cast<SharedHolder *>(closure)->get();
    QMutexLocker lock(&s->mutex);
    if (NatsLink *link = s->link) {
        // Queued, never blocking: this is a library delivery thread.
        QMetaObject::invokeMethod(
            link,
            [link, subject = std::move(subject), data = std::move(data),
             replyTo = std::move(replyTo)] { emit link->message(subject, data, replyTo); },
            Qt::QueuedConnection);
    }
}

void onSubscriptionComplete(void *closure)
{
    delete static_cast<SharedHolder *>(closure);
}
} // namespace

NatsLink::NatsLink(QObject *parent) : QObject(parent), m_shared(std::make_shared<NatsLinkShared>())
{
    m_shared->link = this;
}

NatsLink::~NatsLink()
{
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->link = nullptr;
    }
    if (m_connector) {
        m_connector->wait(); // at most the connect timeout
        delete m_connector;
    }
    auto *nc = static_cast<natsConnection *>(m_nc);
    if (!nc) {
        QMutexLocker lock(&m_shared->mutex);
        nc = m_shared->connectResult;
    }
    // The notifiers go before the library closes the socket they watch.
    delete m_read;
    delete m_write;
    m_read = m_write = nullptr;
    if (nc) {
        natsConnection_Close(nc);
        for (void *sub : std::as_const(m_subs))
            natsSubscription_Destroy(static_cast<natsSubscription *>(sub));
        natsConnection_Destroy(nc);
    }
    if (m_opts)
        natsOptions_Destroy(static_cast<natsOptions *>(m_opts));
}

bool NatsLink::start(const QByteArray &url, const QByteArray &name, QString *error)
{
    natsOptions *opts = nullptr;
    natsStatus st = natsOptions_Create(&opts);
    auto *holder = new SharedHolder(m_shared); // freed by onClosed (or below on failure)
    if (st == NATS_OK)
        st = natsOptions_SetURL(opts, url.constData());
    if (st == NATS_OK)
        st = natsOptions_SetName(opts, name.constData());
    if (st == NATS_OK)
        st = natsOptions_SetEventLoop(opts, m_shared.get(), evAttach, evRead, evWrite, evDetach);
    if (st == NATS_OK)
        st = natsOptions_SetNoEcho(opts, true); // a node never needs its own broadcasts
    if (st == NATS_OK)
        st = natsOptions_SetTimeout(opts, 2000);
    if (st == NATS_OK)
        st = natsOptions_SetMaxReconnect(opts, -1); // forever: NATS may come back any time
    if (st == NATS_OK)
        st = natsOptions_SetReconnectWait(opts, 500);
    if (st == NATS_OK)
        st = natsOptions_SetPingInterval(opts, 5000);
    if (st == NATS_OK)
        st = natsOptions_SetMaxPingsOut(opts, 2);
    if (st == NATS_OK)
        st = natsOptions_SetRetryOnFailedConnect(opts, true, onConnected, holder);
    if (st == NATS_OK)
        st = natsOptions_SetDisconnectedCB(opts, onDisconnected, holder);
    if (st == NATS_OK)
        st = natsOptions_SetReconnectedCB(opts, onConnected, holder);
    if (st == NATS_OK)
        st = natsOptions_SetClosedCB(opts, onClosed, holder);
    if (st != NATS_OK) {
        if (error)
            *error = QString::fromUtf8(natsStatus_GetText(st));
        natsOptions_Destroy(opts);
        delete holder;
        return false;
    }
    m_opts = opts;
    std::shared_ptr<NatsLinkShared> shared = m_shared;
    // The first connect blocks (TCP connect and the INFO/CONNECT/PONG exchange): a helper thread
    // does it, and hands the connection object back queued.
    m_connector = QThread::create([shared, opts, holder] {
        natsConnection *nc = nullptr;
        const natsStatus status = natsConnection_Connect(&nc, opts);
        QMutexLocker lock(&shared->mutex);
        shared->connectResult = nc;
        shared->connectStatus = status;
        if (!nc)
            delete holder; // no connection: no closed callback will come
        if (NatsLink *link = shared->link) {
            QMetaObject::invokeMethod(
                link, [link] { link->onConnectDone(nullptr); }, Qt::QueuedConnection);
        }
    });
    m_connector->start();
    return true;
}

void NatsLink::onConnectDone(void *)
{
    natsStatus status;
    {
        QMutexLocker lock(&m_shared->mutex);
        m_nc = m_shared->connectResult;
        status = m_shared->connectStatus;
    }
    m_connector->wait();
    delete m_connector;
    m_connector = nullptr;
    if (!m_nc) {
        qCWarning(lcNats) << "cannot use NATS:" << natsStatus_GetText(status);
        return;
    }
    if (status == NATS_OK)
        setConnected(true);
    else
        qCWarning(lcNats) << "NATS not reachable yet; retrying in the background";
    const QList<QByteArray> pending = std::exchange(m_pendingSubs, {});
    for (const QByteArray &subject : pending)
        subscribeNow(subject);
}

void NatsLink::setConnected(bool connected)
{
    if (m_connected == connected)
        return;
    m_connected = connected;
    qCInfo(lcNats) << (connected ? "connected to NATS" : "disconnected from NATS");
    emit connectedChanged(connected);
}

bool NatsLink::publish(const QByteArray &subject, const QByteArray &data, const QByteArray &replyTo)
{
    auto *nc = static_cast<natsConnection *>(m_nc);
    if (!nc)
        return false;
    const natsStatus st = replyTo.isEmpty()
        ? natsConnection_Publish(nc, subject.constData(), data.constData(), int(data.size()))
        : natsConnection_PublishRequest(nc, subject.constData(), replyTo.constData(),
                                        data.constData(), int(data.size()));
    if (st != NATS_OK)
        qCDebug(lcNats) << "publish failed:" << natsStatus_GetText(st);
    return st == NATS_OK;
}

void NatsLink::subscribe(const QByteArray &subject)
{
    if (!m_nc) {
        m_pendingSubs.append(subject);
        return;
    }
    subscribeNow(subject);
}

void NatsLink::subscribeNow(const QByteArray &subject)
{
    natsSubscription *sub = nullptr;
    auto *holder = new SharedHolder(m_shared);
    natsStatus st = natsConnection_Subscribe(&sub, static_cast<natsConnection *>(m_nc),
                                             subject.constData(), onMessage, holder);
    if (st == NATS_OK)
        st = natsSubscription_SetOnCompleteCB(sub, onSubscriptionComplete, holder);
    if (st != NATS_OK) {
        qCWarning(lcNats) << "cannot subscribe to" << subject << natsStatus_GetText(st);
        if (sub)
            natsSubscription_Destroy(sub); // holder leaks only if a callback may still run
        else
            delete holder;
        return;
    }
    m_subs.append(sub);
}

void NatsLink::syncNotifiers()
{
    int fd;
    quint64 generation;
    bool wantRead, wantWrite;
    {
        QMutexLocker lock(&m_shared->mutex);
        fd = m_shared->fd;
        generation = m_shared->generation;
        wantRead = m_shared->wantRead;
        wantWrite = m_shared->wantWrite;
    }
    if (fd != m_notifierFd || generation != m_notifierGeneration) {
        // We may be inside one of these notifiers' activated(): disable now, delete later.
        for (QSocketNotifier *n : {m_read, m_write}) {
            if (n) {
                n->setEnabled(false);
                n->deleteLater();
            }
        }
        m_read = m_write = nullptr;
        m_notifierFd = fd;
        m_notifierGeneration = generation;
        if (fd >= 0) {
            m_read = new QSocketNotifier(fd, QSocketNotifier::Read, this);
            m_write = new QSocketNotifier(fd, QSocketNotifier::Write, this);
            connect(m_read, &QSocketNotifier::activated, this, &NatsLink::onReadable);
            connect(m_write, &QSocketNotifier::activated, this, &NatsLink::onWritable);
        }
    }
    if (m_read)
        m_read->setEnabled(wantRead);
    if (m_write)
        m_write->setEnabled(wantWrite);
}

namespace {
// The connection a notifier's event goes to: none once the library stopped wanting it (`want`)
// or the notifier's socket (`generation`) is gone. The lock is not held while the event runs.
natsConnection *eventTarget(NatsLinkShared &s, bool NatsLinkShared::*want, quint64 generation)
{
    QMutexLocker lock(&s.mutex);
    return s.*want && s.generation == generation ? s.nc : nullptr;
}
} // namespace

void NatsLink::onReadable()
{
    if (natsConnection *nc
        = eventTarget(*m_shared, &NatsLinkShared::wantRead, m_notifierGeneration))
        natsConnection_ProcessReadEvent(nc);
}

void NatsLink::onWritable()
{
    if (natsConnection *nc
        = eventTarget(*m_shared, &NatsLinkShared::wantWrite, m_notifierGeneration))
        natsConnection_ProcessWriteEvent(nc);
}
