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
};
// nullopt for a malformed head: a bad request line or header line, two Host headers, or an
// absolute-form target whose authority differs from Host (DESIGN.md "HTTP").
std::optional<Parsed> parse(const QByteArray &head);
} // namespace RequestHead
