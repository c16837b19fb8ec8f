// libFuzzer target: the HTTP request-head parser of the front door.
#include "http/HttpApi.h"
#include "http/RequestHead.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray head(reinterpret_cast<const char *>(data), qsizetype(size));
    if (const auto parsed = RequestHead::parse(head))
        (void)HttpApi::parseQuery(parsed->request.query);
    return 0;
}
