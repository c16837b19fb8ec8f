#include "AdminProtocol.h"

#include "Crypto.h"
#include "ErrorText.h"
#include "FrameWriter.h"
#include "Signing.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonParseError>
#include <array>

using namespace Qt::StringLiterals;

namespace AdminProtocol {
namespace {
    constexpr std::array s_errors{
        ErrorText{errBadMessage, "The message is not valid for this protocol."_L1},
        ErrorText{errUnauthorized, "Authentication failed."_L1},
        ErrorText{errUnsupportedVersion, "This protocol version is not supported."_L1},
        ErrorText{errNotFound, "No such entry."_L1},
        ErrorText{errDuplicate, "That entry already exists."_L1},
        ErrorText{errBadField, "A field is missing or not valid."_L1},
        ErrorText{errUnavailable, "That is not available on this server."_L1},
        ErrorText{errInternal, "Internal error."_L1},
    };

    constexpr std::array s_commands{
        kick,        vnumCreate,      vnumUpdate,      vnumDelete,      aliasCreate, aliasUpdate,
        aliasDelete, whitelistCreate, whitelistUpdate, whitelistDelete, cdrLog,      dialLog};
} // namespace

QLatin1StringView errorMessage(QLatin1StringView code)
{
    return errorText(s_errors, code);
}

bool isCommand(QStringView type)
{
    for (const auto c : s_commands) {
        if (type == c)
            return true;
    }
    return false;
}

QString make(QLatin1StringView type, const QJsonObject &body)
{
    return FrameWriter::make(type, body);
}

QString makeError(QLatin1StringView code, const QString &id, const QString &field)
{
    QJsonObject body{{u"code"_s, QString(code)}, {u"message"_s, QString(errorMessage(code))}};
    if (!id.isEmpty())
        body.insert(u"id"_s, id);
    if (!field.isEmpty())
        body.insert(u"field"_s, field);
    return make(error, body);
}

std::optional<Message> parse(QStringView text)
{
    if (text.size() > maxMessageBytes)
        return std::nullopt;
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    Message m;
    m.body = doc.object();
    const QJsonValue type = m.body.value(u"type"_s);
    if (!type.isString() || type.toString().isEmpty())
        return std::nullopt;
    m.type = type.toString();
    m.body.remove(u"type"_s);
    return m;
}

QString newNonce()
{
    return QString::fromLatin1(Crypto::randomBytes(nonceBytes).toHex());
}

bool isNonce(QStringView nonce)
{
    if (nonce.size() != nonceBytes * 2)
        return false;
    for (const QChar c : nonce) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f')))
            return false;
    }
    return true;
}

QString signNonce(QByteArrayView adminSecret, QStringView host, QStringView nonce)
{
    return QString::fromLatin1(
        Signing::sign(adminSecret, Signing::adminSocketChallenge(host.toUtf8(), nonce.toLatin1())));
}

bool verifyNonce(QByteArrayView adminSecret, QStringView host, QStringView nonce,
                 QStringView hexSig)
{
    if (adminSecret.isEmpty() || hexSig.size() != 64)
        return false;
    return Signing::match(hexSig.toLatin1(), {adminSecret},
                          Signing::adminSocketChallenge(host.toUtf8(), nonce.toLatin1()))
        .has_value();
}

QString timestamp(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}
} // namespace AdminProtocol
