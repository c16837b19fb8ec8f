#include "app/Resources.h"

#include <QtGlobal>
#include <mutex>

static void registerAll()
{
    Q_INIT_RESOURCE(server);
    Q_INIT_RESOURCE(web);
}

namespace Resources {
void init()
{
    static std::once_flag once;
    std::call_once(once, registerAll);
}
} // namespace Resources
