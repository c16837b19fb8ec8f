#pragma once

// The human-readable message each error code of a protocol carries: one table per protocol
// (FrameWriter for the signaling socket, AdminProtocol for the admin socket), one lookup.

#include <QLatin1StringView>
#include <array>
#include <cstddef>

struct ErrorText {
    QLatin1StringView code;
    QLatin1StringView text;
};

// The text of `code` in `table`; "Error." for a code the table does not know.
template <std::size_t N>
constexpr QLatin1StringView errorText(const std::array<ErrorText, N> &table, QLatin1StringView code)
{
    for (const ErrorText &e : table) {
        if (e.code == code)
            return e.text;
    }
    return QLatin1StringView("Error.");
}
