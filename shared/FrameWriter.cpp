#include "FrameWriter.h"

#include "ErrorText.h"

#include <QJsonDocument>
#include <array>

using namespace Qt::StringLiterals;

namespace FrameWriter {
namespace {
    constexpr std::array s_messages{
        ErrorText{"bad-frame"_L1, "The frame is not a valid message of this protocol."_L1},
        ErrorText{"not-joined"_L1, "Join a room first."_L1},
        ErrorText{"already-joined"_L1, "This connection is already in a room."_L1},
        ErrorText{"unknown-peer"_L1, "No such peer in this room."_L1},
        ErrorText{"room-full"_L1, "The room is full."_L1},
        ErrorText{"unknown-number"_L1, "That number cannot be dialed."_L1},
        ErrorText{"forbidden"_L1, "Not allowed."_L1},
        ErrorText{"rate-limited"_L1, "Too many messages; slow down."_L1},
        ErrorText{"invalid-token"_L1, "The token is not valid."_L1},
        ErrorText{"bridge-unavailable"_L1, "The telephone bridge is not connected."_L1},
        ErrorText{"unknown-call"_L1, "No such call on this connection."_L1},
        ErrorText{"unknown-camera"_L1, "No such camera."_L1},
        ErrorText{"camera-unavailable"_L1, "The camera is not available right now."_L1},
    };

    void appendJsonString(QString &out, QStringView s)
    {
        out.append(u'"');
        for (const QChar c : s) {
            switch (c.unicode()) {
            case u'"': out.append(u"\\\""); break;
            case u'\\': out.append(u"\\\\"); break;
            case u'\n': out.append(u"\\n"); break;
            case u'\r': out.append(u"\\r"); break;
            case u'\t': out.append(u"\\t"); break;
            default:
                if (c.unicode() < 0x20)
                    out.append(u"\\u%1"_s.arg(uint(c.unicode()), 4, 16, QChar(u'0')));
                else
                    out.append(c);
            }
        }
        out.append(u'"');
    }
} // namespace

QLatin1StringView errorMessage(QLatin1StringView code)
{
    return errorText(s_messages, code);
}

QString make(QLatin1StringView type, const QJsonObject &body)
{
    QString out;
    out.reserve(32);
    out.append(u"{\"type\":\""_s).append(type).append(u'"');
    if (!body.isEmpty()) {
        const QByteArray rest = QJsonDocument(body).toJson(QJsonDocument::Compact);
        // rest is "{...}": drop its opening brace and splice the fields after `type`.
        out.append(u',').append(QString::fromUtf8(rest.constData() + 1, rest.size() - 1));
    } else {
        out.append(u'}');
    }
    return out;
}

QString error(QLatin1StringView code, QStringView ref)
{
    QString out;
    out.reserve(96);
    out.append(u"{\"type\":\"error\",\"code\":\""_s).append(code).append(u"\",\"message\":"_s);
    appendJsonString(out, QString(errorMessage(code)));
    if (!ref.isEmpty()) {
        out.append(u",\"ref\":"_s);
        appendJsonString(out, ref.left(64));
    }
    out.append(u'}');
    return out;
}

QString signal(QStringView from, QStringView rawData)
{
    static constexpr QStringView head = u"{\"type\":\"signal\",\"from\":\"";
    static constexpr QStringView mid = u"\",\"data\":";
    QString out;
    out.reserve(head.size() + from.size() + mid.size() + rawData.size() + 1);
    out.append(head).append(from).append(mid).append(rawData).append(u'}');
    return out;
}
} // namespace FrameWriter
