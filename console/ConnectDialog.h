#pragma once

#include "AdminClient.h"

#include <QDialog>
#include <QUrl>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class SecretStore;

// Where to connect and as whom: the admin socket address, the tenant (its host name), and the
// tenant's admin secret or an OIDC ID token. Recent servers are kept in QSettings, secrets only
// in the keychain (SecretStore).
class ConnectDialog : public QDialog {
    Q_OBJECT
public:
    explicit ConnectDialog(SecretStore &secrets, QWidget *parent = nullptr);

    QUrl url() const;
    AdminClient::Credentials credentials() const;
    // Remembers the server among the recent ones (and the secret, when asked to).
    void remember();

    static QString defaultAddress() { return QStringLiteral("ws://127.0.0.1:8081/admin"); }

private:
    void loadRecent();
    void onRecentChosen(int index);
    void loadSecretFile();
    void forgetChosen(); // drops the server from the list and its secret from the keychain
    void updateMode();
    QString account() const;

    SecretStore &m_secrets;
    QComboBox *m_address;
    QLineEdit *m_tenant;
    QRadioButton *m_useSecret;
    QRadioButton *m_useToken;
    QLineEdit *m_secret;
    QLineEdit *m_token;
    QCheckBox *m_rememberSecret;
    QLabel *m_note;
};
