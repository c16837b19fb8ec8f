#pragma once

#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>
#include <QStringView>

// Writes server frames with `type` as the first key (QJsonObject sorts keys, so it cannot).
namespace FrameWriter {
// `{"type":"<type>", ...fields of body}`
QString make(QLatin1StringView type, const QJsonObject &body = {});
// `{"type":"error","code":..,"message":<fixed text for code>,"ref":..}`; ref omitted when empty.
QString error(QLatin1StringView code, QStringView ref = {});
// The fixed, input-free message for an error code.
QLatin1StringView errorMessage(QLatin1StringView code);
// Exactly `{"type":"signal","from":"<from>","data":<rawData>}`; rawData is spliced as received.
QString signal(QStringView from, QStringView rawData);
} // namespace FrameWriter
