#pragma once

// Registers the Qt resources (default config, web pages) compiled into the static library.
// Static libraries need this explicitly; it is idempotent.
namespace Resources {
void init();
}
