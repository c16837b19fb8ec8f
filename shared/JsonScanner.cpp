#include "JsonScanner.h"

#include <QSet>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

using namespace Qt::StringLiterals;

void JsonScanner::skipWs()
{
    while (m_pos < m_text.size()) {
        const char16_t c = m_text[m_pos].unicode();
        if (c != u' ' && c != u'\t' && c != u'\n' && c != u'\r')
            return;
        ++m_pos;
    }
}

bool JsonScanner::literal(QStringView word)
{
    if (m_text.sliced(m_pos).startsWith(word)) {
        m_pos += word.size();
        return true;
    }
    return false;
}

// Index of the first code unit in [from, size) that is a quote, a backslash or a control
// character (< 0x20), or size. This is the relay's hottest loop: an SDP is hundreds of plain
// characters, so it looks at 8 UTF-16 units per step where SSE2 is available.
static qsizetype findStringSpecial(const char16_t *p, qsizetype from, qsizetype size)
{
    qsizetype i = from;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi16(u'"');
    const __m128i backslash = _mm_set1_epi16(u'\\');
    const __m128i below = _mm_set1_epi16(0x1f);
    const __m128i zero = _mm_setzero_si128();
    for (; i + 8 <= size; i += 8) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
        // subs_epu16(v, 0x1f) == 0 exactly when v <= 0x1f (unsigned).
        const __m128i hit
            = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi16(v, quote), _mm_cmpeq_epi16(v, backslash)),
                           _mm_cmpeq_epi16(_mm_subs_epu16(v, below), zero));
        const int mask = _mm_movemask_epi8(hit);
        if (mask != 0)
            return i + __builtin_ctz(unsigned(mask)) / 2;
    }
#endif
    for (; i < size; ++i) {
        const char16_t c = p[i];
        if (c == u'"' || c == u'\\' || c < 0x20)
            return i;
    }
    return size;
}

bool JsonScanner::string()
{
    // m_text[m_pos] is the opening quote.
    ++m_pos;
    const auto *units = reinterpret_cast<const char16_t *>(m_text.utf16());
    while (m_pos < m_text.size()) {
        m_pos = findStringSpecial(units, m_pos, m_text.size());
        if (m_pos >= m_text.size())
            return false;
        const char16_t c = m_text[m_pos].unicode();
        if (c == u'"') {
            ++m_pos;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == u'\\') {
            ++m_pos;
            if (m_pos >= m_text.size())
                return false;
            const char16_t e = m_text[m_pos].unicode();
            if (e == u'u') {
                if (m_pos + 4 >= m_text.size())
                    return false;
                for (int i = 1; i <= 4; ++i) {
                    const char16_t h = m_text[m_pos + i].unicode();
                    const bool hex = (h >= u'0' && h <= u'9') || (h >= u'a' && h <= u'f')
                        || (h >= u'A' && h <= u'F');
                    if (!hex)
                        return false;
                }
                m_pos += 5;
                continue;
            }
            if (e != u'"' && e != u'\\' && e != u'/' && e != u'b' && e != u'f' && e != u'n'
                && e != u'r' && e != u't')
                return false;
        }
        ++m_pos;
    }
    return false;
}

bool JsonScanner::number()
{
    const auto digit = [this] {
        return m_pos < m_text.size() && m_text[m_pos] >= u'0' && m_text[m_pos] <= u'9';
    };
    if (m_pos < m_text.size() && m_text[m_pos] == u'-')
        ++m_pos;
    if (!digit())
        return false;
    if (m_text[m_pos] == u'0') {
        ++m_pos;
    } else {
        while (digit())
            ++m_pos;
    }
    if (m_pos < m_text.size() && m_text[m_pos] == u'.') {
        ++m_pos;
        if (!digit())
            return false;
        while (digit())
            ++m_pos;
    }
    if (m_pos < m_text.size() && (m_text[m_pos] == u'e' || m_text[m_pos] == u'E')) {
        ++m_pos;
        if (m_pos < m_text.size() && (m_text[m_pos] == u'+' || m_text[m_pos] == u'-'))
            ++m_pos;
        if (!digit())
            return false;
        while (digit())
            ++m_pos;
    }
    return true;
}

bool JsonScanner::value(int depth, Kind *kind)
{
    if (depth > maxDepth) {
        m_tooDeep = true;
        return false;
    }
    skipWs();
    if (m_pos >= m_text.size())
        return false;
    const char16_t c = m_text[m_pos].unicode();
    switch (c) {
    case u'"': *kind = Kind::String; return string();
    case u't': *kind = Kind::True; return literal(u"true");
    case u'f': *kind = Kind::False; return literal(u"false");
    case u'n': *kind = Kind::Null; return literal(u"null");
    case u'{':
    case u'[': {
        const bool isObject = c == u'{';
        *kind = isObject ? Kind::Object : Kind::Array;
        const char16_t close = isObject ? u'}' : u']';
        ++m_pos;
        skipWs();
        if (m_pos < m_text.size() && m_text[m_pos] == close) {
            ++m_pos;
            return true;
        }
        int keys = 0;
        for (;;) {
            if (isObject) {
                if (++keys > maxKeys) {
                    m_tooManyKeys = true;
                    return false;
                }
                skipWs();
                if (m_pos >= m_text.size() || m_text[m_pos] != u'"' || !string())
                    return false;
                skipWs();
                if (m_pos >= m_text.size() || m_text[m_pos] != u':')
                    return false;
                ++m_pos;
            }
            Kind inner;
            if (!value(depth + 1, &inner))
                return false;
            skipWs();
            if (m_pos >= m_text.size())
                return false;
            if (m_text[m_pos] == u',') {
                ++m_pos;
                continue;
            }
            if (m_text[m_pos] == close) {
                ++m_pos;
                return true;
            }
            return false;
        }
    }
    default: *kind = Kind::Number; return number();
    }
}

JsonScanner::Result JsonScanner::scanObject(QStringView text, Fields &fields)
{
    fields.clear();
    JsonScanner s(text);
    s.skipWs();
    if (s.m_pos >= text.size())
        return Result::NotJson;
    if (text[s.m_pos] != u'{') {
        Kind k;
        const bool ok = s.value(0, &k);
        s.skipWs();
        return ok && s.m_pos == text.size() ? Result::NotObject : Result::NotJson;
    }
    ++s.m_pos;
    s.skipWs();
    if (s.m_pos < text.size() && text[s.m_pos] == u'}') {
        ++s.m_pos;
    } else {
        for (;;) {
            s.skipWs();
            if (s.m_pos >= text.size() || text[s.m_pos] != u'"')
                return Result::NotJson;
            const qsizetype keyStart = s.m_pos;
            if (!s.string())
                return Result::NotJson;
            const QStringView key = text.sliced(keyStart + 1, s.m_pos - keyStart - 2);
            s.skipWs();
            if (s.m_pos >= text.size() || text[s.m_pos] != u':')
                return Result::NotJson;
            ++s.m_pos;
            s.skipWs();
            const qsizetype valueStart = s.m_pos;
            Kind kind;
            if (fields.size() >= maxKeys)
                return Result::TooManyKeys;
            if (!s.value(1, &kind)) {
                if (s.m_tooManyKeys)
                    return Result::TooManyKeys;
                return s.m_tooDeep ? Result::TooDeep : Result::NotJson;
            }
            fields.append({key, text.sliced(valueStart, s.m_pos - valueStart), kind});
            s.skipWs();
            if (s.m_pos >= text.size())
                return Result::NotJson;
            if (text[s.m_pos] == u',') {
                ++s.m_pos;
                continue;
            }
            if (text[s.m_pos] == u'}') {
                ++s.m_pos;
                break;
            }
            return Result::NotJson;
        }
    }
    s.skipWs();
    if (s.m_pos != text.size())
        return Result::NotJson;
    return hasDuplicateKey(text, fields) ? Result::DuplicateKey : Result::Ok;
}

bool JsonScanner::hasDuplicateKey(QStringView text, const Fields &fields)
{
    // Keys with escapes are compared decoded, so "a" and "\u0061" count as the same key. Each key
    // is decoded at most once and compared through a hash: never pairwise on long lists, whose
    // cost an attacker chooses (DESIGN.md "Limits").
    const qsizetype n = fields.size();
    QVarLengthArray<QString, 8> decoded(n);
    QVarLengthArray<QStringView, 8> keys(n);
    for (qsizetype i = 0; i < n; ++i) {
        const QStringView key = fields[i].key;
        if (key.contains(QChar(u'\\'))) {
            const qsizetype start = key.data() - text.data() - 1;
            decoded[i] = decodeString(text.sliced(start, key.size() + 2)).value_or(QString());
            keys[i] = decoded[i];
        } else {
            keys[i] = key;
        }
    }
    // The relay's frames have three or four keys: a few comparisons beat building a hash.
    constexpr qsizetype smallObject = 8;
    if (n <= smallObject) {
        for (qsizetype i = 1; i < n; ++i) {
            for (qsizetype j = 0; j < i; ++j) {
                if (keys[i] == keys[j])
                    return true;
            }
        }
        return false;
    }
    QSet<QStringView> seen;
    seen.reserve(n);
    for (const QStringView key : std::as_const(keys)) {
        const auto before = seen.size();
        seen.insert(key);
        if (seen.size() == before)
            return true;
    }
    return false;
}

std::optional<QString> JsonScanner::decodeString(QStringView raw)
{
    if (raw.size() < 2 || raw.front() != u'"' || raw.back() != u'"')
        return std::nullopt;
    const QStringView body = raw.sliced(1, raw.size() - 2);
    if (!body.contains(QChar(u'\\')))
        return body.toString();
    QString out;
    out.reserve(body.size());
    for (qsizetype i = 0; i < body.size(); ++i) {
        const QChar c = body[i];
        if (c != u'\\') {
            out.append(c);
            continue;
        }
        if (++i >= body.size())
            return std::nullopt;
        switch (body[i].unicode()) {
        case u'"': out.append(u'"'); break;
        case u'\\': out.append(u'\\'); break;
        case u'/': out.append(u'/'); break;
        case u'b': out.append(u'\b'); break;
        case u'f': out.append(u'\f'); break;
        case u'n': out.append(u'\n'); break;
        case u'r': out.append(u'\r'); break;
        case u't': out.append(u'\t'); break;
        case u'u': {
            if (i + 4 >= body.size())
                return std::nullopt;
            bool ok = false;
            const ushort code = body.sliced(i + 1, 4).toUShort(&ok, 16);
            if (!ok)
                return std::nullopt;
            out.append(QChar(code));
            i += 4;
            break;
        }
        default: return std::nullopt;
        }
    }
    return out;
}
