#pragma once

#include "http/HttpMessage.h"

#include <QByteArray>
#include <optional>

// Parses an HTTP/1.x request head (request line and header lines, without the blank line):
// method, target split into path and query, lower-cased header names, the normalised Host.
// Pure and allocation-bounded by its input, so it can be fuzzed on its own.
namespace RequestHead {
struct Parsed {
    HttpRequest request; // body, client address and tls are left for the caller
    bool http10 = false;
    qint64 contentLength = 0; // 0 when absent
    bool bareLf = false; // some line ended in LF alone
};
// nullopt for a malformed head (DESIGN.md "HTTP" and "Limits"): a bad request line or header
// line, whitespace before a colon, a bare CR, two Host headers, two Content-Length headers or one
// that is not plain digits, or an absolute-form target whose authority differs from Host.
std::optional<Parsed> parse(const QByteArray &head);

// Where the head in a connection's buffer ends. A line ends at LF, with or without a CR before
// it, so a bare-LF head is never left waiting (DESIGN.md "Limits").
struct Framing {
    enum class State { NeedMore, TooLarge, Complete };
    State state = State::NeedMore;
    qsizetype headLength = 0; // Complete: bytes of the head without its blank line
    qsizetype consumed = 0; // Complete: bytes of the head with its blank line
};
Framing frame(const QByteArray &buffer, qsizetype maxHeadBytes);

// What the front door does with a buffer: wait for more, answer an error (and close), or go on
// with a parsed head. Every buffer is one of these; the fuzz target checks it.
struct Outcome {
    enum class Kind { NeedMore, TooLarge, Malformed, Ok };
    Kind kind = Kind::NeedMore;
    std::optional<Parsed> parsed = std::nullopt;
    qsizetype consumed = 0;
};
Outcome read(const QByteArray &buffer, qsizetype maxHeadBytes);
} // namespace RequestHead
