#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <memory>

class QSocketNotifier;
class QThread;
struct NatsLinkShared;

// A NATS connection (libnats) driven from this thread's Qt event loop through the library's
// event-loop adapter (natsOptions_SetEventLoop): one QSocketNotifier for reading and one for
// writing on the connection's socket. Library callbacks (adapter, connection state, messages)
// may run on library threads with the connection lock held: they only record state and queue
// work onto this object's thread, never calling natsConnection_* themselves.
class NatsLink : public QObject {
    Q_OBJECT
public:
    explicit NatsLink(QObject *parent = nullptr);
    ~NatsLink() override;

    // Starts connecting to `url` on a helper thread (the first connect blocks); when the server
    // is not there the library keeps retrying in the background. False (with *error) only when
    // the options are refused.
    bool start(const QByteArray &url, const QByteArray &name, QString *error = nullptr);
    bool isConnected() const { return m_connected; }
    // Publishes; buffered by the library while reconnecting. False when there is no
    // connection object yet or it is closed.
    bool publish(const QByteArray &subject, const QByteArray &data, const QByteArray &replyTo = {});
    // Subscribes (also before the connection exists: applied once it does). Messages arrive as
    // message() on this object's thread, in the order the server sent them per subscription.
    void subscribe(const QByteArray &subject);

    // For the adapter callbacks (file-local in NatsLink.cpp): re-reads the wanted notifier state.
    void syncNotifiers();
    // For the connection-state callbacks, queued onto this thread.
    void setConnected(bool connected);

signals:
    void message(const QByteArray &subject, const QByteArray &data, const QByteArray &replyTo);
    void connectedChanged(bool connected);

private:
    void onConnectDone(void *connection);
    void subscribeNow(const QByteArray &subject);
    void onReadable();
    void onWritable();

    std::shared_ptr<NatsLinkShared> m_shared;
    void *m_opts = nullptr; // natsOptions
    void *m_nc = nullptr; // natsConnection, owned from the connect's return on
    QList<void *> m_subs; // natsSubscription
    QList<QByteArray> m_pendingSubs;
    QThread *m_connector = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    int m_notifierFd = -1;
    quint64 m_notifierGeneration = 0;
    bool m_connected = false;
    bool m_closing = false;
};
