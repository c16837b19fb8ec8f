#include "camera/Go2rtcClient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace {
Q_LOGGING_CATEGORY(lcCamera, "switchboard.camera", QtInfoMsg)

bool looksLikeSdp(const QString &sdp)
{
    return sdp.startsWith(u"v=0"_s);
}
} // namespace

Go2rtcClient::Go2rtcClient(int timeoutMs, QObject *parent)
    : QObject(parent), m_nam(this), m_timeoutMs(timeoutMs)
{
    m_nam.setProxy(QNetworkProxy::NoProxy);
    m_nam.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

QUrl Go2rtcClient::offerUrl(const QString &go2rtcUrl, const QString &streamId)
{
    QUrl url(go2rtcUrl);
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + u"/api/webrtc"_s);
    QUrlQuery query;
    query.addQueryItem(u"src"_s, streamId); // [A-Za-z0-9_-]: nothing to escape
    url.setQuery(query);
    url.setFragment({});
    return url;
}

QNetworkReply *Go2rtcClient::postOffer(const QString &go2rtcUrl, const QString &streamId,
                                       const QString &offerSdp)
{
    QNetworkRequest request(offerUrl(go2rtcUrl, streamId));
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(m_timeoutMs);
    const QByteArray body
        = QJsonDocument(QJsonObject{{u"type"_s, u"offer"_s}, {u"sdp"_s, offerSdp}})
              .toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_nam.post(request, body);
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
        if (received > maxAnswerBytes)
            reply->abort();
    });
    qCDebug(lcCamera) << "offer posted for stream" << streamId;
    return reply;
}

std::optional<QString> Go2rtcClient::answerSdp(QNetworkReply *reply)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError || (status != 200 && status != 201)) {
        qCInfo(lcCamera) << "go2rtc did not answer the offer: HTTP" << status << reply->error();
        return std::nullopt;
    }
    const QByteArray body = reply->readAll();
    if (body.size() > maxAnswerBytes)
        return std::nullopt;
    const QString type = reply->header(QNetworkRequest::ContentTypeHeader).toString().toLower();
    if (type.startsWith(u"application/sdp"_s)) {
        const QString sdp = QString::fromUtf8(body);
        if (looksLikeSdp(sdp))
            return sdp;
    } else {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
        const QJsonObject o = doc.object();
        const QString sdp = o.value(u"sdp"_s).toString();
        if (error.error == QJsonParseError::NoError && o.value(u"type"_s) == u"answer"_s
            && looksLikeSdp(sdp))
            return sdp;
    }
    qCInfo(lcCamera) << "go2rtc answered something that is not an SDP answer";
    return std::nullopt;
}
