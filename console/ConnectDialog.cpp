#include "ConnectDialog.h"

#include "SecretStore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace {
constexpr int maxRecent = 10;
const QString s_recentKey = u"recentServers"_s;
}

ConnectDialog::ConnectDialog(SecretStore &secrets, QWidget *parent)
    : QDialog(parent), m_secrets(secrets), m_address(new QComboBox(this)),
      m_tenant(new QLineEdit(this)), m_useSecret(new QRadioButton(tr("Admin secret"), this)),
      m_useToken(new QRadioButton(tr("OIDC ID token"), this)), m_secret(new QLineEdit(this)),
      m_token(new QLineEdit(this)),
      m_rememberSecret(new QCheckBox(tr("Remember in the keychain"), this)),
      m_note(new QLabel(this))
{
    setWindowTitle(tr("Connect to a Switchboard server"));
    m_address->setEditable(true);
    m_address->setMinimumContentsLength(32);
    m_address->setToolTip(tr("The server's admin socket, printed at start-up (adminListen)."));
    m_tenant->setPlaceholderText(u"localhost"_s);
    m_secret->setEchoMode(QLineEdit::Password);
    m_secret->setPlaceholderText(tr("contents of admin.secret"));
    m_token->setEchoMode(QLineEdit::Password);
    m_useSecret->setChecked(true);
    if (!SecretStore::isAvailable()) {
        m_rememberSecret->setEnabled(false);
        m_rememberSecret->setToolTip(tr("Built without QtKeychain: secrets are not remembered."));
    }
    m_note->setWordWrap(true);
    m_note->setText(tr("With <code>make run</code> the secret is in the file printed as "
                       "“secret kept in …/admin.secret”."));

    auto *fromFile = new QPushButton(tr("From file…"), this);
    auto *forget = new QPushButton(tr("Forget"), this);
    forget->setToolTip(tr("Remove this server and tenant from the list (and its secret from the "
                          "keychain)"));
    auto *addressRow = new QHBoxLayout;
    addressRow->addWidget(m_address, 1);
    addressRow->addWidget(forget);
    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(fromFile);
    auto *mode = new QHBoxLayout;
    mode->addWidget(m_useSecret);
    mode->addWidget(m_useToken);
    mode->addStretch();

    auto *form = new QFormLayout;
    form->addRow(tr("&Address:"), addressRow);
    form->addRow(tr("&Tenant:"), m_tenant);
    form->addRow(tr("Sign in with:"), mode);
    form->addRow(tr("&Secret:"), secretRow);
    form->addRow(tr("T&oken:"), m_token);
    form->addRow(QString(), m_rememberSecret);
    form->addRow(m_note);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    form->addRow(buttons);
    setLayout(form);

    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(fromFile, &QPushButton::clicked, this, &ConnectDialog::loadSecretFile);
    connect(forget, &QPushButton::clicked, this, &ConnectDialog::forgetChosen);
    connect(m_useSecret, &QRadioButton::toggled, this, &ConnectDialog::updateMode);
    connect(m_address, &QComboBox::activated, this, &ConnectDialog::onRecentChosen);
    loadRecent();
    updateMode();
}

QUrl ConnectDialog::url() const
{
    return QUrl::fromUserInput(m_address->currentText().trimmed());
}

AdminClient::Credentials ConnectDialog::credentials() const
{
    AdminClient::Credentials c;
    c.tenant = m_tenant->text().trimmed().isEmpty() ? u"localhost"_s : m_tenant->text().trimmed();
    if (m_useToken->isChecked())
        c.bearer = m_token->text().trimmed();
    else
        c.adminSecret = m_secret->text().toUtf8(); // exactly as typed: secrets are bytes
    return c;
}

QString ConnectDialog::account() const
{
    return url().toString() + u'|' + credentials().tenant
        + (m_useToken->isChecked() ? u"|token"_s : u"|secret"_s);
}

void ConnectDialog::remember()
{
    QSettings settings;
    QStringList recent = settings.value(s_recentKey).toStringList();
    const QString entry = url().toString() + u'|' + credentials().tenant;
    recent.removeAll(entry);
    recent.prepend(entry);
    settings.setValue(s_recentKey, recent.mid(0, maxRecent));
    if (m_rememberSecret->isChecked())
        m_secrets.write(account(), m_useToken->isChecked() ? m_token->text() : m_secret->text());
}

void ConnectDialog::loadRecent()
{
    const QStringList recent = QSettings().value(s_recentKey).toStringList();
    for (const QString &entry : recent) {
        const QStringList parts = entry.split(u'|');
        if (parts.size() == 2)
            m_address->addItem(u"%1  (%2)"_s.arg(parts[0], parts[1]), entry);
    }
    if (recent.isEmpty())
        m_address->setEditText(defaultAddress());
    else
        onRecentChosen(0);
}

void ConnectDialog::onRecentChosen(int index)
{
    const QStringList parts = m_address->itemData(index).toString().split(u'|');
    if (parts.size() != 2)
        return;
    m_address->setEditText(parts[0]);
    m_tenant->setText(parts[1]);
    if (!SecretStore::isAvailable())
        return;
    m_secrets.read(account(), [this](const QString &secret) {
        if (secret.isEmpty())
            return;
        (m_useToken->isChecked() ? m_token : m_secret)->setText(secret);
        m_rememberSecret->setChecked(true);
    });
}

void ConnectDialog::forgetChosen()
{
    const QString entry = url().toString() + u'|' + credentials().tenant;
    QSettings settings;
    QStringList recent = settings.value(s_recentKey).toStringList();
    recent.removeAll(entry);
    settings.setValue(s_recentKey, recent);
    for (const QString &mode : {u"|secret"_s, u"|token"_s})
        m_secrets.remove(entry + mode);
    const int index = m_address->findData(entry);
    if (index >= 0)
        m_address->removeItem(index);
    m_secret->clear();
    m_token->clear();
    m_rememberSecret->setChecked(false);
    m_note->setText(tr("Forgot %1.").arg(entry.section(u'|', 0, 0)));
}

void ConnectDialog::loadSecretFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Admin secret file"));
    if (path.isEmpty())
        return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        m_note->setText(tr("Cannot read %1.").arg(path));
        return;
    }
    // As the server reads `file:` secrets: one trailing newline is not part of the secret.
    QByteArray bytes = f.read(4096);
    if (bytes.endsWith("\r\n"))
        bytes.chop(2);
    else if (bytes.endsWith('\n'))
        bytes.chop(1);
    m_secret->setText(QString::fromUtf8(bytes));
}

void ConnectDialog::updateMode()
{
    const bool secret = m_useSecret->isChecked();
    m_secret->setEnabled(secret);
    m_token->setEnabled(!secret);
}
