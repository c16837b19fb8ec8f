// libFuzzer target: the frame parser/validator and the writer that splices relayed data.
// Property (DESIGN.md "Limits"): parsing is linear in the input's size, so every input is parsed
// within a time bound that grows with its size only linearly; a pairwise duplicate check or a
// re-decode per pair (issue 15) breaks it on the many-keys seeds.
#include "Frame.h"
#include "FrameWriter.h"
#include "NameRules.h"

#include <QElapsedTimer>
#include <QString>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QElapsedTimer timer;
    timer.start();
    const Frame f = Frame::parse(text);
    const qint64 elapsedUs = timer.nsecsElapsed() / 1000;
    // Generous for a loaded machine under ASan (a 64 KiB frame parses in ~0.1 ms unsanitized):
    // 200 ms plus 5 µs a byte is 0.5 s at 64 KiB, where the pairwise check took seconds.
    const qint64 boundUs = 200 * 1000 + qint64(size) * 5;
    if (elapsedUs > boundUs) {
        std::fprintf(stderr, "frame of %zu bytes parsed in %lld us, over the bound of %lld us\n",
                     size, static_cast<long long>(elapsedUs), static_cast<long long>(boundUs));
        std::abort();
    }
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
