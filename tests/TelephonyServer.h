#pragma once

// The server of the telephony tests: a real Application on 127.0.0.1:0 with the two tenants of
// TelephonyHarness.h, started before a test class's first test and stopped after its last. A test
// class derives from it (tst_webhooks, and through TelephonyFixture.h tst_bridgelink, tst_rings,
// tst_dials); Qt Test runs the inherited private slots.

#include "TelephonyHarness.h"

class TelephonyServer : public QObject {
    Q_OBJECT
protected:
    // A fixture that seeds or connects more overrides these and calls them.
    virtual void startServer();
    virtual void stopServer() { m_app.reset(); }

    QTemporaryDir m_dir;
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;

private slots:
    void initTestCase() { startServer(); }
    void cleanupTestCase() { stopServer(); }
};

inline void TelephonyServer::startServer()
{
    QVERIFY(m_dir.isValid());
    const auto c = harness::config(m_dir.path());
    QVERIFY(c);
    m_app = std::make_unique<Application>(*c);
    QString error;
    QVERIFY2(m_app->start(&error), qPrintable(error));
    m_port = m_app->httpPort();
}
