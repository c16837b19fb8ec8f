// libFuzzer target: the HTTP request-head reader of the front door.
// Property (DESIGN.md "Limits"): every buffer is either answered (a parsed head, 400 or 431) or
// still needs bytes, and it needs bytes only while no head end has arrived and the head limit has
// not been reached, so no connection is left waiting on bytes it already sent.
#include "http/HttpApi.h"
#include "http/RequestHead.h"

#include <cstdio>
#include <cstdlib>

namespace {
constexpr qsizetype maxHead = 8192;

[[noreturn]] void fail(const char *why, size_t size)
{
    std::fprintf(stderr, "request head of %zu bytes: %s\n", size, why);
    std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray buffer(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto outcome = RequestHead::read(buffer, maxHead);
    using K = RequestHead::Outcome::Kind;
    switch (outcome.kind) {
    case K::NeedMore:
        if (buffer.size() >= maxHead)
            fail("waits for more bytes at the head limit", size);
        if (buffer.contains("\n\n") || buffer.contains("\n\r\n"))
            fail("waits for more bytes after a blank line", size);
        break;
    case K::Ok:
        if (!outcome.parsed || outcome.consumed <= 0 || outcome.consumed > buffer.size()
            || outcome.consumed > maxHead)
            fail("parsed a head it did not consume", size);
        if (outcome.parsed->contentLength < 0)
            fail("negative Content-Length", size);
        (void)HttpApi::parseQuery(outcome.parsed->request.query);
        break;
    case K::Malformed:
    case K::TooLarge: break; // answered 400 / 431 and closed
    }
    return 0;
}
