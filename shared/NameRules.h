#pragma once

#include <QString>
#include <QStringView>
#include <optional>

// Validation rules for identifiers that cross the wire (DESIGN.md "Client to server").
namespace NameRules {
// `[A-Za-z0-9_-]{1,64}`
bool isRoomId(QStringView room);
// NFC, trimmed, 1–64 code points, no Cc/Cf characters; nullopt when the name is not acceptable.
std::optional<QString> normaliseDisplayName(const QString &name);
// `+[1-9][0-9]{6,14}`
bool isE164(QStringView number);
// `[0-9]{2,6}`
bool isExtension(QStringView number);
// 1–128 printable ASCII characters
bool isCallId(QStringView callId);
} // namespace NameRules
