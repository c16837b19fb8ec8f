#include "BridgeSim.h"

#include "Crypto.h"
#include "Signing.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {
QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
} // namespace

BridgeSim::BridgeSim(const Options &options, QObject *parent) : QObject(parent), m_options(options)
{
    connect(&m_session, &QWebSocket::connected, this, [this] {
        const qint64 t = QDateTime::currentSecsSinceEpoch();
        sendSession({{u"type"_s, u"bridge-hello"_s},
                     {u"time"_s, t},
                     {u"sig"_s, QString::fromLatin1(sign(Signing::bridgeHello(host(), t)))}});
    });
    connect(&m_session, &QWebSocket::textMessageReceived, this, &BridgeSim::onSessionText);
    connect(&m_session, &QWebSocket::disconnected, this, [this] {
        m_welcomed = false;
        print(u"session closed %1"_s.arg(int(m_session.closeCode())));
        if (const int code = int(m_session.closeCode()); code == 4001 || code == 1008) {
            print(u"not reconnecting (replaced or refused)"_s);
            return;
        }
        m_reconnect.start();
    });
    m_reconnect.setSingleShot(true);
    m_reconnect.setInterval(2000);
    connect(&m_reconnect, &QTimer::timeout, this, &BridgeSim::openSession);
    connect(&m_ringTimer, &QTimer::timeout, this, [this] {
        ringNow(u"sim-"_s + Crypto::randomId(), u"+4930555%1"_s.arg(1000 + m_ringCount % 9000),
                m_options.ringTo);
    });
}

QByteArray BridgeSim::host() const
{
    // The normalised Host the server signs with: lower-case, no port.
    return m_options.server.host().toLower().toUtf8();
}

QString BridgeSim::wsUrl() const
{
    QUrl u = m_options.server;
    u.setScheme(m_options.server.scheme() == u"https"_s ? u"wss"_s : u"ws"_s);
    u.setPath(u"/signal.ashx"_s);
    return u.toString();
}

QByteArray BridgeSim::sign(const QByteArray &message) const
{
    return Signing::sign(m_options.secret, message);
}

void BridgeSim::print(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

BridgeSim::~BridgeSim()
{
    m_session.disconnect(this);
}

void BridgeSim::start()
{
    openSession();
    if (m_options.ringEverySec > 0)
        m_ringTimer.start(m_options.ringEverySec * 1000);
    if (m_options.readStdin) {
        m_stdin = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
        connect(m_stdin.get(), &QSocketNotifier::activated, this, [this] {
            char buf[4096];
            const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) {
                m_stdin->setEnabled(false); // end of input: keep running on the schedule
                return;
            }
            m_stdinBuffer.append(buf, n);
            qsizetype nl;
            while ((nl = m_stdinBuffer.indexOf('\n')) >= 0) {
                const QString line = QString::fromUtf8(m_stdinBuffer.left(nl)).trimmed();
                m_stdinBuffer.remove(0, nl + 1);
                if (!line.isEmpty())
                    command(line);
            }
        });
    }
}

void BridgeSim::openSession()
{
    print(u"connecting bridge session to %1"_s.arg(wsUrl()));
    m_session.open(QUrl(wsUrl()));
}

void BridgeSim::sendSession(const QJsonObject &frame)
{
    // Until the server's bridge-welcome, reports wait (the hello itself goes out at once).
    if (!m_welcomed && frame.value(u"type"_s) != u"bridge-hello"_s) {
        m_pending.append(compact(frame));
        return;
    }
    m_session.sendTextMessage(compact(frame));
}

void BridgeSim::dialStatus(const QString &callId, const QString &state, const QString &reason)
{
    QJsonObject f{{u"type"_s, u"dial-status"_s}, {u"callId"_s, callId}, {u"state"_s, state}};
    if (!reason.isEmpty())
        f.insert(u"reason"_s, reason);
    print(u"-> "_s + compact(f));
    sendSession(f);
}

void BridgeSim::onSessionText(const QString &text)
{
    print(u"<- "_s + text);
    const QJsonObject f = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = f.value(u"type"_s).toString();
    const QString callId = f.value(u"callId"_s).toString();
    if (type == u"bridge-welcome"_s) {
        m_welcomed = true;
        for (const QString &frame : std::exchange(m_pending, {}))
            m_session.sendTextMessage(frame);
    } else if (type == u"dial-request"_s) {
        dialStatus(callId, u"ringing"_s);
        QTimer::singleShot(m_options.answerAfterMs, this, [this, callId, f] {
            if (m_options.dialResult == u"answered"_s) {
                dialStatus(callId, u"answered"_s);
                if (m_options.joinRooms)
                    joinRoom(callId, f.value(u"room"_s).toString(),
                             u"Line "_s + f.value(u"number"_s).toString());
            } else {
                dialStatus(callId, u"failed"_s, m_options.dialResult);
            }
        });
    } else if (type == u"hangup"_s) {
        leaveRoom(callId);
        dialStatus(callId, u"ended"_s, u"hung-up"_s);
    } else if (type == u"ring-answered"_s) {
        if (m_options.joinRooms)
            joinRoom(callId, f.value(u"room"_s).toString(), u"Caller"_s);
    } else if (type == u"kicked"_s) {
        print(u"kicked: %1"_s.arg(f.value(u"reason"_s).toString()));
    }
}

void BridgeSim::joinRoom(const QString &callId, const QString &room, const QString &name)
{
    if (m_roomSockets.contains(callId) || room.isEmpty())
        return;
    auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_roomSockets.insert(callId, ws);
    connect(ws, &QWebSocket::connected, this, [this, ws, room, name] {
        const qint64 t = QDateTime::currentSecsSinceEpoch();
        const QByteArray sig = sign(Signing::bridgeTicket(host(), room.toUtf8(), t));
        ws->sendTextMessage(
            compact({{u"type"_s, u"join"_s},
                     {u"room"_s, room},
                     {u"name"_s, name},
                     {u"bridgeTicket"_s,
                      QJsonObject{{u"time"_s, t}, {u"sig"_s, QString::fromLatin1(sig)}}}}));
    });
    connect(ws, &QWebSocket::textMessageReceived, this, [this, callId](const QString &text) {
        print(u"[%1] <- %2"_s.arg(callId, text.left(300)));
    });
    connect(ws, &QWebSocket::disconnected, this, [this, ws, callId] {
        if (m_roomSockets.value(callId) == ws)
            m_roomSockets.remove(callId);
        ws->deleteLater();
    });
    ws->open(QUrl(wsUrl()));
}

void BridgeSim::leaveRoom(const QString &callId)
{
    if (QWebSocket *ws = m_roomSockets.take(callId)) {
        ws->sendTextMessage(u"{\"type\":\"leave\"}"_s);
        ws->close();
    }
}

void BridgeSim::post(const QByteArray &flag, QJsonObject body)
{
    if (!body.contains(u"time"_s))
        body.insert(u"time"_s, QDateTime::currentSecsSinceEpoch());
    const QByteArray raw = QJsonDocument(body).toJson(QJsonDocument::Compact);
    QUrl url = m_options.server;
    url.setPath(u"/signal.ashx"_s);
    url.setQuery(QString::fromLatin1(flag));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
    request.setRawHeader("X-Sig", sign(Signing::webhook(flag, host(), raw)));
    print(u"POST ?%1 %2"_s.arg(QString::fromLatin1(flag), QString::fromUtf8(raw)));
    QNetworkReply *reply = m_http.post(request, raw);
    connect(reply, &QNetworkReply::finished, this, [this, reply, flag] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        print(u"   ?%1 -> %2 %3"_s.arg(QString::fromLatin1(flag))
                  .arg(status)
                  .arg(QString::fromUtf8(reply->readAll())));
        reply->deleteLater();
    });
}

void BridgeSim::ringNow(const QString &callId, const QString &from, const QString &to,
                        const QString &room)
{
    ++m_ringCount;
    QJsonObject body{{u"callId"_s, callId}, {u"from"_s, from}, {u"to"_s, to}};
    if (!room.isEmpty())
        body.insert(u"room"_s, room);
    post("office-ring", body);
}

void BridgeSim::command(const QString &line)
{
    const QStringList w = line.split(u' ', Qt::SkipEmptyParts);
    const QString cmd = w.value(0);
    if (cmd == u"ring"_s) {
        const QString callId = w.value(1, u"-"_s) == u"-"_s ? u"sim-"_s + Crypto::randomId() : w[1];
        ringNow(callId, w.value(2, u"+4930555000"_s), w.value(3, m_options.ringTo), w.value(4));
    } else if (cmd == u"clear"_s && w.size() >= 2) {
        QJsonObject body{{u"callId"_s, w[1]}};
        if (w.size() >= 3)
            body.insert(u"reason"_s, w[2]);
        post("office-ring-clear", body);
        leaveRoom(w[1]);
    } else if (cmd == u"trunks"_s) {
        QJsonArray trunks;
        for (qsizetype i = 1; i < w.size(); ++i) {
            const QStringList p = w[i].split(u':');
            trunks.append(QJsonObject{{u"id"_s, p.value(0)},
                                      {u"registered"_s, p.value(1) == u"up"_s},
                                      {u"host"_s, p.value(2, u"sip.example.net"_s)}});
        }
        post("trunk-status", {{u"trunks"_s, trunks}});
    } else if (cmd == u"registrar"_s) {
        QJsonArray entries;
        for (qsizetype i = 1; i < w.size(); ++i) {
            const QStringList p = w[i].split(u':');
            entries.append(QJsonObject{{u"extension"_s, p.value(0)},
                                       {u"contact"_s, u"sip:%1@192.0.2.10"_s.arg(p.value(0))},
                                       {u"userAgent"_s, p.value(1, u"bridge-sim"_s)}});
        }
        sendSession({{u"type"_s, u"registrar"_s}, {u"entries"_s, entries}});
        print(u"-> registrar with %1 entries"_s.arg(entries.size()));
    } else if (cmd == u"end"_s && w.size() >= 2) {
        leaveRoom(w[1]);
        dialStatus(w[1], u"ended"_s, u"hung-up"_s);
    } else if (cmd == u"status"_s) {
        print(u"session %1, %2 call room(s) joined"_s
                  .arg(m_session.state() == QAbstractSocket::ConnectedState ? u"up"_s : u"down"_s)
                  .arg(m_roomSockets.size()));
    } else if (cmd == u"quit"_s) {
        emit quit();
    } else {
        print(u"commands: ring [callId|-] [from] [to] [room] | clear <callId> [reason] | "
              "trunks <id>:<up|down>[:host]... | registrar <ext>[:agent]... | end <callId> | "
              "status | quit"_s);
    }
}
