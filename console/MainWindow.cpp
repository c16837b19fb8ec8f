#include "MainWindow.h"

#include "AliasesModel.h"
#include "ConnectDialog.h"
#include "PhonesModel.h"
#include "RecordDialog.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "SecretStore.h"
#include "TrunksModel.h"
#include "VirtualNumbersModel.h"
#include "WhitelistModel.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

MainWindow::MainWindow(AdminClient &client, SecretStore &secrets, QWidget *parent)
    : QMainWindow(parent), m_client(client), m_secrets(secrets), m_roomsView(new QTreeView(this)),
      m_ringFilter(new QSortFilterProxyModel(this)), m_ringFilterEdit(new QLineEdit(this)),
      m_offline(new QLabel(this)), m_stateLabel(new QLabel(this)), m_countersLabel(new QLabel(this))
{
    setWindowTitle(tr("Switchboard console"));
    resize(1200, 720);

    QMenu *server = menuBar()->addMenu(tr("&Server"));
    server->addAction(tr("&Connect…"), QKeySequence::Open, this, [this] { showConnectDialog(); });
    server->addAction(tr("&Disconnect"), this, [this] { m_client.disconnectFromServer(); });
    server->addSeparator();
    server->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    // Rooms and peers.
    m_roomsView->setModel(client.rooms());
    m_roomsView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_roomsView->setAlternatingRowColors(true);
    m_roomsView->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(m_roomsView, &QTreeView::customContextMenuRequested, this,
            &MainWindow::onRoomsContextMenu);
    // New peers show without a click: rooms open as they appear.
    connect(client.rooms(), &QAbstractItemModel::rowsInserted, m_roomsView,
            [this](const QModelIndex &parent, int first, int last) {
                if (!parent.isValid()) {
                    for (int r = first; r <= last; ++r)
                        m_roomsView->expand(m_client.rooms()->index(r, 0));
                } else {
                    m_roomsView->expand(parent);
                }
            });
    connect(client.rooms(), &QAbstractItemModel::modelReset, m_roomsView,
            [this] { m_roomsView->expandAll(); });

    // Ring log with its filter.
    m_ringFilter->setSourceModel(client.ringLog());
    m_ringFilter->setFilterKeyColumn(-1);
    m_ringFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_ringFilterEdit->setPlaceholderText(tr("Filter: number, room, state…"));
    m_ringFilterEdit->setClearButtonEnabled(true);
    connect(m_ringFilterEdit, &QLineEdit::textChanged, m_ringFilter,
            &QSortFilterProxyModel::setFilterFixedString);
    auto *ringView = new QTableView(this);
    ringView->setModel(m_ringFilter);
    ringView->verticalHeader()->hide();
    ringView->setSelectionBehavior(QAbstractItemView::SelectRows);
    ringView->horizontalHeader()->setStretchLastSection(true);
    ringView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto *ringPage = new QWidget(this);
    auto *ringLayout = new QVBoxLayout(ringPage);
    ringLayout->setContentsMargins(0, 0, 0, 0);
    ringLayout->addWidget(m_ringFilterEdit);
    ringLayout->addWidget(ringView);

    auto *tabs = new QTabWidget(this);
    tabs->addTab(ringPage, tr("Ring log"));
    QTableView *unused = nullptr;
    tabs->addTab(makeTable(client.phones(), &unused), tr("Office phones"));
    tabs->addTab(makeTable(client.trunks(), &unused), tr("Trunks"));
    tabs->addTab(makeEditor(Editor::VirtualNumbers, client.virtualNumbers()),
                 tr("Virtual numbers"));
    tabs->addTab(makeEditor(Editor::Aliases, client.aliases()), tr("Aliases"));
    tabs->addTab(makeEditor(Editor::Whitelist, client.whitelist()), tr("Whitelist"));

    auto *roomsBox = new QWidget(this);
    auto *roomsLayout = new QVBoxLayout(roomsBox);
    roomsLayout->setContentsMargins(0, 0, 0, 0);
    roomsLayout->addWidget(new QLabel(tr("<b>Rooms</b> (right-click a peer to kick it)"), this));
    roomsLayout->addWidget(m_roomsView);
    auto *split = new QSplitter(this);
    split->addWidget(roomsBox);
    split->addWidget(tabs);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    m_offline->setAutoFillBackground(true);
    m_offline->setStyleSheet(u"QLabel { background: #b42318; color: white; padding: 6px; "
                             "font-weight: bold; }"_s);
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_offline);
    layout->addWidget(split, 1);
    setCentralWidget(central);

    statusBar()->addPermanentWidget(m_countersLabel);
    statusBar()->addWidget(m_stateLabel);
    connect(&client, &AdminClient::stateChanged, this, &MainWindow::onStateChanged);
    connect(&client, &AdminClient::countersChanged, this, &MainWindow::onCounters);
    connect(&client, &AdminClient::commandFinished, this, &MainWindow::onCommandFinished);
    connect(&client, &AdminClient::authenticationFailed, this, [this](const QString &message) {
        m_offline->setText(
            tr("Not signed in: %1 Use Server → Connect… to try again.").arg(message));
    });
    onStateChanged(client.state());
}

bool MainWindow::showConnectDialog()
{
    ConnectDialog dialog(m_secrets, this);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    dialog.remember();
    m_client.connectTo(dialog.url(), dialog.credentials());
    return true;
}

QWidget *MainWindow::makeTable(JsonTableModel *model, QTableView **view)
{
    auto *table = new QTableView(this);
    table->setModel(model);
    table->verticalHeader()->hide();
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSortingEnabled(false);
    *view = table;
    return table;
}

QWidget *MainWindow::makeEditor(Editor editor, JsonTableModel *model)
{
    QTableView *view = nullptr;
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(makeTable(model, &view));
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("Add…"), page);
    auto *edit = new QPushButton(tr("Edit…"), page);
    auto *remove = new QPushButton(tr("Delete"), page);
    buttons->addWidget(add);
    buttons->addWidget(edit);
    buttons->addWidget(remove);
    buttons->addStretch();
    layout->addLayout(buttons);
    connect(add, &QPushButton::clicked, this,
            [this, editor, model, view] { editRecord(editor, model, view, true); });
    connect(edit, &QPushButton::clicked, this,
            [this, editor, model, view] { editRecord(editor, model, view, false); });
    connect(view, &QTableView::doubleClicked, this,
            [this, editor, model, view] { editRecord(editor, model, view, false); });
    connect(remove, &QPushButton::clicked, this,
            [this, editor, model, view] { deleteRecord(editor, model, view); });
    return page;
}

void MainWindow::editRecord(Editor editor, JsonTableModel *model, QTableView *view, bool create)
{
    QJsonObject record;
    if (!create) {
        const QModelIndex current = view->currentIndex();
        if (!current.isValid())
            return;
        record = model->row(current.row());
    }
    QList<RecordDialog::Field> fields;
    QString title;
    switch (editor) {
    case Editor::VirtualNumbers:
        fields = RecordDialog::virtualNumberFields();
        title = create ? tr("New virtual number") : tr("Edit virtual number");
        break;
    case Editor::Aliases:
        fields = RecordDialog::aliasFields();
        title = create ? tr("New alias") : tr("Edit alias");
        break;
    case Editor::Whitelist:
        fields = RecordDialog::whitelistFields();
        title = create ? tr("New whitelist entry") : tr("Edit whitelist entry");
        break;
    }
    RecordDialog dialog(title, fields, record, !create, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QString id;
    switch (editor) {
    case Editor::VirtualNumbers: id = m_client.saveVirtualNumber(dialog.record(), create); break;
    case Editor::Aliases: id = m_client.saveAlias(dialog.record(), create); break;
    case Editor::Whitelist: id = m_client.saveWhitelistEntry(dialog.record(), create); break;
    }
    if (!id.isEmpty())
        m_pending.insert(id, title);
}

void MainWindow::deleteRecord(Editor editor, JsonTableModel *model, QTableView *view)
{
    const QModelIndex current = view->currentIndex();
    if (!current.isValid())
        return;
    const QString number = JsonTableModel::keyOf(model->row(current.row()), model->keyField());
    if (QMessageBox::question(this, tr("Delete"), tr("Delete %1?").arg(number)) != QMessageBox::Yes)
        return;
    QString id;
    switch (editor) {
    case Editor::VirtualNumbers: id = m_client.deleteVirtualNumber(number); break;
    case Editor::Aliases: id = m_client.deleteAlias(number); break;
    case Editor::Whitelist: id = m_client.deleteWhitelistEntry(number); break;
    }
    if (!id.isEmpty())
        m_pending.insert(id, tr("Delete %1").arg(number));
}

void MainWindow::onRoomsContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_roomsView->indexAt(pos);
    if (!index.isValid() || !index.data(RoomsModel::IsPeerRole).toBool())
        return;
    const QString peerId = index.data(RoomsModel::PeerIdRole).toString();
    const QString name = index.siblingAtColumn(RoomsModel::NameColumn).data().toString();
    QMenu menu(this);
    QAction *kick = menu.addAction(tr("Kick %1").arg(name));
    kick->setEnabled(m_client.state() == AdminClient::State::Online);
    if (menu.exec(m_roomsView->viewport()->mapToGlobal(pos)) != kick)
        return;
    const QString id = m_client.kick(peerId);
    if (!id.isEmpty())
        m_pending.insert(id, tr("Kick %1").arg(name));
}

void MainWindow::onStateChanged(AdminClient::State state)
{
    switch (state) {
    case AdminClient::State::Online:
        m_offline->hide();
        m_stateLabel->setText(
            tr("● Online: %1 at %2").arg(m_client.tenant(), m_client.url().toString()));
        return;
    case AdminClient::State::Connecting:
    case AdminClient::State::Authenticating:
        m_stateLabel->setText(tr("Connecting to %1…").arg(m_client.url().toString()));
        break;
    case AdminClient::State::Offline: m_stateLabel->setText(tr("○ Offline")); break;
    }
    if (m_client.url().isEmpty())
        m_offline->setText(tr("Offline: not connected. Use Server → Connect…"));
    else
        m_offline->setText(tr("Offline: the data below may be out of date; reconnecting to %1…")
                               .arg(m_client.url().toString()));
    m_offline->show();
}

void MainWindow::onCounters(const QJsonObject &c)
{
    m_countersLabel->setText(tr("rooms %1 · peers %2 · sessions %3 · phones %4 · ringing %5 · "
                                "consoles %6 · up %7 s")
                                 .arg(c.value(u"rooms"_s).toInt())
                                 .arg(c.value(u"peers"_s).toInt())
                                 .arg(c.value(u"sessions"_s).toInt())
                                 .arg(c.value(u"phones"_s).toInt())
                                 .arg(c.value(u"ringing"_s).toInt())
                                 .arg(c.value(u"consoles"_s).toInt())
                                 .arg(c.value(u"uptimeSec"_s).toInteger()));
}

void MainWindow::onCommandFinished(const QString &id, bool ok, const QString &code,
                                   const QString &message, const QString &field)
{
    const QString what = m_pending.take(id);
    if (what.isEmpty())
        return;
    if (ok)
        statusBar()->showMessage(tr("%1: done").arg(what), 5000);
    else
        QMessageBox::warning(this, what,
                             field.isEmpty() ? tr("%1 (%2)").arg(message, code)
                                             : tr("%1 (%2, field %3)").arg(message, code, field));
}
