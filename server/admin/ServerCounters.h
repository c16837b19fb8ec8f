#pragma once

#include <QtGlobal>

class Tenant;

// What the admin layers read of the server as a whole (?stats, the console's counters); the
// Application provides it, so the admin classes need nothing else of it.
class ServerCounters {
public:
    // Signaling sockets open on the tenant's host.
    virtual int socketCount(const Tenant &tenant) const = 0;
    virtual qint64 uptimeMs() const = 0;

protected:
    ~ServerCounters() = default;
};
