// libFuzzer target: the configuration loader (JSON, types, secrets, CIDRs, hosts).
#include "config/ServerConfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QString error;
    const auto c = ServerConfig::parse(
        QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)), &error);
    if (!c && error.isEmpty())
        __builtin_trap(); // every refusal must name its key
    return 0;
}
