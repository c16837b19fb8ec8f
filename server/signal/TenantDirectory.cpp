#include "signal/TenantDirectory.h"

Tenant *TenantDirectory::forHost(const QString &normalisedHost) const
{
    return m_byHost.value(normalisedHost);
}

void TenantDirectory::add(Tenant *tenant)
{
    m_tenants.append(tenant);
}

void TenantDirectory::mapHost(const QString &normalisedHost, Tenant *tenant)
{
    m_byHost.insert(normalisedHost, tenant);
}

void TenantDirectory::clearHosts()
{
    m_byHost.clear();
}

void TenantDirectory::clear()
{
    m_byHost.clear();
    m_tenants.clear();
}
