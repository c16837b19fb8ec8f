#include "SecretStore.h"

#include <QTimer>

#ifdef SB_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

using namespace Qt::StringLiterals;

namespace {
#ifdef SB_HAVE_KEYCHAIN
const QString s_service = u"switchboard-console"_s;
#endif
}

SecretStore::SecretStore(QObject *parent) : QObject(parent)
{
}

bool SecretStore::isAvailable()
{
#ifdef SB_HAVE_KEYCHAIN
    return true;
#else
    return false;
#endif
}

void SecretStore::read(const QString &account, std::function<void(const QString &)> done)
{
#ifdef SB_HAVE_KEYCHAIN
    auto *job = new QKeychain::ReadPasswordJob(s_service, this);
    job->setKey(account);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        done(job->error() == QKeychain::NoError ? job->textData() : QString());
    });
    job->start(); // the job deletes itself when finished
#else
    Q_UNUSED(account);
    QTimer::singleShot(0, this, [done = std::move(done)] { done({}); });
#endif
}

void SecretStore::write(const QString &account, const QString &secret)
{
#ifdef SB_HAVE_KEYCHAIN
    auto *job = new QKeychain::WritePasswordJob(s_service, this);
    job->setKey(account);
    job->setTextData(secret);
    job->start();
#else
    Q_UNUSED(account);
    Q_UNUSED(secret);
#endif
}

void SecretStore::remove(const QString &account)
{
#ifdef SB_HAVE_KEYCHAIN
    auto *job = new QKeychain::DeletePasswordJob(s_service, this);
    job->setKey(account);
    job->start();
#else
    Q_UNUSED(account);
#endif
}
