#pragma once

#include "JsonScanner.h"

#include <QLatin1StringView>
#include <QString>
#include <QStringView>
#include <optional>

// One parsed client frame (DESIGN.md "Wire protocol"). It holds views into the text it was
// parsed from: keep that string alive while the Frame is used. Parsing builds no JSON tree.
class Frame {
public:
    enum class Type : quint8 {
        Unknown,
        Join,
        Signal,
        Leave,
        Identify,
        Dial,
        Hangup,
        Register,
        Answer,
        Decline,
        Ping,
        BridgeHello,
        DialStatus, // bridge session → server
        Registrar, // bridge session → server
    };

    // Parses and validates the frame's shape: JSON object, no duplicate key, a known `type`, and
    // each documented field of that type present with the right JSON kind. Content rules that
    // need state (room membership, rights) are the server's.
    static Frame parse(QStringView text);

    bool isValid() const { return m_valid; }
    Type type() const { return m_type; }
    // The offending frame's `type` when it had a string one (the `ref` of an error), else empty.
    const QString &typeName() const { return m_typeName; }

    bool has(QLatin1StringView key) const { return field(key) != nullptr; }
    QStringView raw(QLatin1StringView key) const;
    std::optional<QString> string(QLatin1StringView key) const;
    // The string value as a view into the frame's text; decoded into `scratch` only when it has
    // escapes, so the relay path does not allocate for plain values such as peer ids.
    std::optional<QStringView> stringView(QLatin1StringView key, QString &scratch) const;
    std::optional<qint64> integer(QLatin1StringView key) const;
    JsonScanner::Kind kind(QLatin1StringView key) const;

    static QLatin1StringView typeName(Type type);

private:
    const JsonScanner::Field *field(QLatin1StringView key) const;
    bool validateShape();

    JsonScanner::Fields m_fields;
    QString m_typeName;
    Type m_type = Type::Unknown;
    bool m_valid = false;
};
