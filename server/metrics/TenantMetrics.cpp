#include "metrics/TenantMetrics.h"

void TenantMetrics::refused(QLatin1StringView code)
{
    size_t i = 0;
    while (i + 1 < refusalReasons.size() && refusalReasons[i] != code)
        ++i;
    ++m_refused[i];
}
