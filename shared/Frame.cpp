#include "Frame.h"

#include <array>

using namespace Qt::StringLiterals;

namespace {
// The wire names of Frame::Type, in the enum's order after Unknown: s_typeNames[i] is typeAt(i).
constexpr std::array s_typeNames{"join"_L1,     "signal"_L1, "leave"_L1,        "identify"_L1,
                                 "dial"_L1,     "hangup"_L1, "register"_L1,     "answer"_L1,
                                 "decline"_L1,  "ping"_L1,   "bridge-hello"_L1, "dial-status"_L1,
                                 "registrar"_L1};
static_assert(s_typeNames.size() == std::size_t(Frame::Type::Registrar), "one name for each type");

constexpr Frame::Type typeAt(std::size_t index)
{
    return Frame::Type(index + 1);
}

const QString &knownTypeName(std::size_t index)
{
    static const auto names = [] {
        std::array<QString, s_typeNames.size()> a;
        for (std::size_t i = 0; i < s_typeNames.size(); ++i)
            a[i] = QString(s_typeNames[i]);
        return a;
    }();
    return names[index];
}

using K = JsonScanner::Kind;
struct Rule {
    QLatin1StringView key;
    K kind;
    bool required;
};
} // namespace

QLatin1StringView Frame::typeName(Type type)
{
    const auto index = std::size_t(type);
    if (index == 0 || index > s_typeNames.size())
        return "unknown"_L1;
    return s_typeNames[index - 1];
}

const JsonScanner::Field *Frame::field(QLatin1StringView key) const
{
    for (const auto &f : m_fields) {
        if (f.key == key)
            return &f;
    }
    return nullptr;
}

QStringView Frame::raw(QLatin1StringView key) const
{
    const auto *f = field(key);
    return f ? f->raw : QStringView();
}

JsonScanner::Kind Frame::kind(QLatin1StringView key) const
{
    const auto *f = field(key);
    return f ? f->kind : K::Null;
}

std::optional<QString> Frame::string(QLatin1StringView key) const
{
    const auto *f = field(key);
    if (!f || f->kind != K::String)
        return std::nullopt;
    return JsonScanner::decodeString(f->raw);
}

std::optional<QStringView> Frame::stringView(QLatin1StringView key, QString &scratch) const
{
    const auto *f = field(key);
    if (!f || f->kind != K::String || f->raw.size() < 2)
        return std::nullopt;
    const QStringView body = f->raw.sliced(1, f->raw.size() - 2);
    if (!body.contains(QChar(u'\\')))
        return body;
    auto decoded = JsonScanner::decodeString(f->raw);
    if (!decoded)
        return std::nullopt;
    scratch = std::move(*decoded);
    return QStringView(scratch);
}

std::optional<qint64> Frame::integer(QLatin1StringView key) const
{
    const auto *f = field(key);
    if (!f || f->kind != K::Number)
        return std::nullopt;
    bool ok = false;
    const qint64 v = f->raw.toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

bool Frame::validateShape()
{
    static const Rule join[]
        = {{"room"_L1, K::String, true},         {"name"_L1, K::String, true},
           {"dial"_L1, K::String, false},        {"trunk"_L1, K::String, false},
           {"idToken"_L1, K::String, false},     {"resume"_L1, K::String, false},
           {"bridgeTicket"_L1, K::Object, false}};
    static const Rule signal[] = {{"to"_L1, K::String, true}, {"data"_L1, K::Object, true}};
    static const Rule identify[] = {{"idToken"_L1, K::String, true}};
    static const Rule dial[] = {{"number"_L1, K::String, true}, {"trunk"_L1, K::String, false}};
    static const Rule callId[] = {{"callId"_L1, K::String, true}};
    static const Rule reg[] = {{"extension"_L1, K::String, true},
                               {"officeKey"_L1, K::String, false},
                               {"idToken"_L1, K::String, false}};
    static const Rule hello[] = {{"time"_L1, K::Number, true}, {"sig"_L1, K::String, true}};
    static const Rule dialStatus[] = {{"callId"_L1, K::String, true},
                                      {"state"_L1, K::String, true},
                                      {"reason"_L1, K::String, false}};
    static const Rule registrar[] = {{"entries"_L1, K::Array, true}};

    const auto check = [this](const auto &rules) {
        for (const Rule &r : rules) {
            const auto *f = field(r.key);
            if (!f) {
                if (r.required)
                    return false;
                continue;
            }
            if (f->kind != r.kind) {
                // An explicit null for an optional field counts as absent.
                if (!r.required && f->kind == K::Null)
                    continue;
                return false;
            }
        }
        return true;
    };

    switch (m_type) {
    case Type::Unknown: return false;
    case Type::Join: return check(join);
    case Type::Signal: return check(signal);
    case Type::Identify: return check(identify);
    case Type::Dial: return check(dial);
    case Type::Hangup:
    case Type::Answer:
    case Type::Decline: return check(callId);
    case Type::Register: return check(reg) && (has("officeKey"_L1) || has("idToken"_L1));
    case Type::BridgeHello: return check(hello) && integer("time"_L1).has_value();
    case Type::DialStatus: return check(dialStatus);
    case Type::Registrar: return check(registrar);
    case Type::Leave:
    case Type::Ping: return true;
    }
    return false;
}

Frame Frame::parse(QStringView text)
{
    Frame f;
    const auto result = JsonScanner::scanObject(text, f.m_fields);
    // A duplicate key is bad-frame, but the frame's `type` is still its error's `ref`.
    const bool duplicate = result == JsonScanner::Result::DuplicateKey;
    if (result != JsonScanner::Result::Ok && !duplicate) {
        f.m_fields.clear();
        return f;
    }
    const auto *typeField = f.field("type"_L1);
    if (!typeField || typeField->kind != K::String)
        return f;
    // Known types are matched on the raw text and share one QString each: no allocation per frame.
    const QStringView rawType = typeField->raw.sliced(1, typeField->raw.size() - 2);
    if (!rawType.contains(QChar(u'\\'))) {
        for (std::size_t i = 0; i < s_typeNames.size(); ++i) {
            if (rawType == s_typeNames[i]) {
                f.m_type = typeAt(i);
                f.m_typeName = knownTypeName(i);
                break;
            }
        }
    }
    if (f.m_type == Type::Unknown) {
        f.m_typeName = JsonScanner::decodeString(typeField->raw).value_or(QString());
        for (std::size_t i = 0; i < s_typeNames.size(); ++i) {
            if (f.m_typeName == s_typeNames[i]) {
                f.m_type = typeAt(i);
                break;
            }
        }
    }
    f.m_valid = !duplicate && f.validateShape();
    if (duplicate)
        f.m_fields.clear();
    return f;
}
