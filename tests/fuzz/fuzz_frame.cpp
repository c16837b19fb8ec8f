// libFuzzer target: the frame parser/validator and the writer that splices relayed data.
#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"

#include <QString>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const Frame f = Frame::parse(text);
    if (f.isValid()) {
        (void)FrameWriter::error(QLatin1StringView("bad-frame"), f.typeName());
        if (f.type() == Frame::Type::Signal)
            (void)FrameWriter::signal(u"peer", f.raw(QLatin1StringView("data")));
        if (const auto name = f.string(QLatin1StringView("name")))
            (void)NameRules::normaliseDisplayName(*name);
        (void)f.integer(QLatin1StringView("time"));
    }
    return 0;
}
