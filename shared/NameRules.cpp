#include "NameRules.h"

namespace NameRules {
namespace {
    bool isDigit(QChar c)
    {
        return c >= u'0' && c <= u'9';
    }
} // namespace

bool isRoomId(QStringView room)
{
    if (room.isEmpty() || room.size() > 64)
        return false;
    for (const QChar c : room) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || isDigit(c)
            || c == u'_' || c == u'-';
        if (!ok)
            return false;
    }
    return true;
}

std::optional<QString> normaliseDisplayName(const QString &name)
{
    const QString n = name.normalized(QString::NormalizationForm_C).trimmed();
    qsizetype codePoints = 0;
    for (qsizetype i = 0; i < n.size(); ++i) {
        char32_t cp = n[i].unicode();
        if (n[i].isHighSurrogate() && i + 1 < n.size() && n[i + 1].isLowSurrogate()) {
            cp = QChar::surrogateToUcs4(n[i], n[i + 1]);
            ++i;
        } else if (n[i].isSurrogate()) {
            return std::nullopt; // a lone surrogate is not text
        }
        const auto cat = QChar::category(cp);
        if (cat == QChar::Other_Control || cat == QChar::Other_Format)
            return std::nullopt;
        ++codePoints;
    }
    if (codePoints < 1 || codePoints > 64)
        return std::nullopt;
    return n;
}

bool isE164(QStringView number)
{
    if (number.size() < 8 || number.size() > 16 || number[0] != u'+' || number[1] < u'1'
        || number[1] > u'9')
        return false;
    for (qsizetype i = 2; i < number.size(); ++i) {
        if (!isDigit(number[i]))
            return false;
    }
    return true;
}

bool isExtension(QStringView number)
{
    if (number.size() < 2 || number.size() > 6)
        return false;
    for (const QChar c : number) {
        if (!isDigit(c))
            return false;
    }
    return true;
}

bool isCallId(QStringView callId)
{
    if (callId.isEmpty() || callId.size() > 128)
        return false;
    for (const QChar c : callId) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}
} // namespace NameRules
