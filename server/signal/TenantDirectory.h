#pragma once

#include <QHash>
#include <QList>
#include <QString>

class Tenant;

// The tenants and the host names that select them: what the HTTP and admin layers look a tenant
// up in. The Application owns the tenants and fills the directory (at start and on reload).
class TenantDirectory {
public:
    Tenant *forHost(const QString &normalisedHost) const;
    const QList<Tenant *> &tenants() const { return m_tenants; }

    void add(Tenant *tenant);
    void mapHost(const QString &normalisedHost, Tenant *tenant);
    void clearHosts();
    void clear();

private:
    QList<Tenant *> m_tenants;
    QHash<QString, Tenant *> m_byHost;
};
