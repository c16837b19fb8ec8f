#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QString>
#include <QUrl>
#include <optional>

class QNetworkReply;

// Talks to a go2rtc (DESIGN.md "Cameras"): `POST <go2rtcUrl>/api/webrtc?src=<streamId>` with
// `Content-Type: application/json` and `{"type":"offer","sdp":…}`, answered 200
// `{"type":"answer","sdp":…}`. Asynchronous only (QNetworkAccessManager), with a transfer
// timeout, no redirects and no proxy: go2rtc is a service next to the server.
class Go2rtcClient : public QObject {
    Q_OBJECT
public:
    explicit Go2rtcClient(int timeoutMs, QObject *parent = nullptr);

    // An answer bigger than this is garbage (a real one is a few KiB).
    static constexpr qint64 maxAnswerBytes = 256 * 1024;

    // Starts the POST; the reply belongs to the caller (deleteLater it once finished).
    QNetworkReply *postOffer(const QString &go2rtcUrl, const QString &streamId,
                             const QString &offerSdp);
    // The SDP of a finished reply's answer; nullopt when go2rtc was down, slow, said 404 or
    // 5xx, or answered anything but an answer. A 201 with raw `application/sdp` is accepted
    // too (go2rtc answers that to an SDP offer).
    static std::optional<QString> answerSdp(QNetworkReply *reply);
    static QUrl offerUrl(const QString &go2rtcUrl, const QString &streamId);

private:
    QNetworkAccessManager m_nam;
    int m_timeoutMs;
};
