#pragma once

#include <QObject>
#include <QString>
#include <functional>

// Remembers admin secrets and tokens in the desktop keychain (QtKeychain), one entry per server
// and tenant. Without QtKeychain at build time it remembers nothing and says so.
class SecretStore : public QObject {
    Q_OBJECT
public:
    explicit SecretStore(QObject *parent = nullptr);

    static bool isAvailable();
    // Calls done(secret) later; an empty secret when none is stored or on error.
    void read(const QString &account, std::function<void(const QString &)> done);
    void write(const QString &account, const QString &secret);
    void remove(const QString &account);
};
