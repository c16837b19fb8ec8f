#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>
#include <QStringView>
#include <optional>

// The admin-socket protocol (DESIGN.md "Admin socket and console", docs/admin-socket.md), spoken
// by the server's AdminSocket and the console's AdminClient. Text frames, one JSON object each,
// `type` first. Kept here so both programs and the tests agree on every name and shape.
namespace AdminProtocol {
inline constexpr int version = 1;
inline constexpr QLatin1StringView path("/admin");
inline constexpr qsizetype maxMessageBytes = 256 * 1024;
inline constexpr int nonceBytes = 32; // 64 hex characters

// Close codes of the admin socket.
inline constexpr quint16 closeAuthFailed = 1008; // bad HMAC/Bearer, unknown tenant, no auth in time
inline constexpr quint16 closeUnsupportedVersion = 4010; // the console speaks another version
inline constexpr quint16 closeTooSlow = 4003; // write buffer over its bound

// Message types, server to console.
inline constexpr QLatin1StringView hello("hello"); // {version, server, nonce}
inline constexpr QLatin1StringView welcome("welcome"); // {tenant, actor}
inline constexpr QLatin1StringView snapshot("snapshot"); // see docs/admin-socket.md
inline constexpr QLatin1StringView roomCreated("room-created"); // {room: Room}
inline constexpr QLatin1StringView roomRemoved("room-removed"); // {roomId}
inline constexpr QLatin1StringView peerJoined("peer-joined"); // {roomId, peer: Peer}
inline constexpr QLatin1StringView peerLeft("peer-left"); // {roomId, peerId, reason}
inline constexpr QLatin1StringView phoneRegistered("phone-registered"); // {phone: Phone}
inline constexpr QLatin1StringView phoneUnregistered("phone-unregistered"); // {peerId}
inline constexpr QLatin1StringView trunkStatus("trunk-status"); // {trunks: [Trunk]}
inline constexpr QLatin1StringView ring("ring"); // {ring: Ring}
inline constexpr QLatin1StringView ringAnswered("ring-answered"); // {callId, peerId, at}
inline constexpr QLatin1StringView ringCleared("ring-cleared"); // {callId, reason, at}
inline constexpr QLatin1StringView ringTimeout("ring-timeout"); // {callId, at}
inline constexpr QLatin1StringView dial("dial"); // {dial: Dial}
inline constexpr QLatin1StringView dialStatus("dial-status"); // {callId, state, reason?, at}
inline constexpr QLatin1StringView counters("counters"); // {counters: Counters}
inline constexpr QLatin1StringView virtualNumbers("virtual-numbers"); // {virtualNumbers: [..]}
inline constexpr QLatin1StringView aliases("aliases"); // {aliases: [..]}
inline constexpr QLatin1StringView whitelist("whitelist"); // {whitelist: [..]}
// Cluster mode: the rooms' members on other nodes, {remoteRooms: [Room, each peer with `node`]},
// after a change (also in the snapshot as `remoteRooms`).
inline constexpr QLatin1StringView remoteRooms("remote-rooms");
inline constexpr QLatin1StringView ok("ok"); // {id, result?}
inline constexpr QLatin1StringView error("error"); // {id?, code, message, field?}

// Message types, console to server.
inline constexpr QLatin1StringView auth("auth"); // {version, tenant, hmac | bearer}
inline constexpr QLatin1StringView kick("kick"); // {id, peerId, reason?}
inline constexpr QLatin1StringView vnumCreate("vnum-create"); // {id, data: VirtualNumber}
inline constexpr QLatin1StringView vnumUpdate("vnum-update"); // {id, data: VirtualNumber}
inline constexpr QLatin1StringView vnumDelete("vnum-delete"); // {id, number}
inline constexpr QLatin1StringView aliasCreate("alias-create"); // {id, data: {number, name}}
inline constexpr QLatin1StringView aliasUpdate("alias-update");
inline constexpr QLatin1StringView aliasDelete("alias-delete"); // {id, number}
inline constexpr QLatin1StringView
    whitelistCreate("whitelist-create"); // {id, data: {number, note?}}
inline constexpr QLatin1StringView whitelistUpdate("whitelist-update");
inline constexpr QLatin1StringView whitelistDelete("whitelist-delete"); // {id, number}
// Paged history, answered by ok with `result`: {cdrs|dials, nextBefore?}.
inline constexpr QLatin1StringView cdrLog("cdrlog"); // {id, limit?, before?, from?, to?}
inline constexpr QLatin1StringView dialLog("diallog"); // {id, limit?, before?, from?, to?}
inline constexpr int maxLogPage = 500; // rows per page at most: a page stays under 256 KiB

// Error codes (answers to auth and commands).
inline constexpr QLatin1StringView errBadMessage("bad-message");
inline constexpr QLatin1StringView errUnauthorized("unauthorized");
inline constexpr QLatin1StringView errUnsupportedVersion("unsupported-version");
inline constexpr QLatin1StringView errNotFound("not-found");
inline constexpr QLatin1StringView errDuplicate("duplicate");
inline constexpr QLatin1StringView errBadField("bad-field");
inline constexpr QLatin1StringView errUnavailable("unavailable");
inline constexpr QLatin1StringView errInternal("internal");
// The fixed, input-free text for an error code.
QLatin1StringView errorMessage(QLatin1StringView code);

// True for the command types above (kick, the nine edits and the two history pages).
bool isCommand(QStringView type);

// `{"type":..., ...body}` with `type` first.
QString make(QLatin1StringView type, const QJsonObject &body = {});
QString makeError(QLatin1StringView code, const QString &id = {}, const QString &field = {});

// A received message: a JSON object with a string `type`, at most maxMessageBytes.
struct Message {
    QString type;
    QJsonObject body;
};
std::optional<Message> parse(QStringView text);

// 64 lower-case hex characters from a CSPRNG.
QString newNonce();
// The console checks the server's nonce has exactly this shape before signing it.
bool isNonce(QStringView nonce);
// Lower-case hex HMAC-SHA256 of Signing::adminSocketChallenge with the tenant's admin secret.
QString signNonce(QByteArrayView adminSecret, QStringView host, QStringView nonce);
// Constant-time check of a hex signature (either case).
bool verifyNonce(QByteArrayView adminSecret, QStringView host, QStringView nonce,
                 QStringView hexSig);

// RFC 3339 UTC with milliseconds, as everywhere else in the admin API.
QString timestamp(qint64 msSinceEpoch);
} // namespace AdminProtocol
