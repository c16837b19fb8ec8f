#include "ServerView.h"

#include "AliasesModel.h"
#include "CallStats.h"
#include "DashboardPage.h"
#include "HistoryModel.h"
#include "HistoryPage.h"
#include "PhonesModel.h"
#include "RecordDialog.h"
#include "RingLogModel.h"
#include "RoomsModel.h"
#include "TrendHistory.h"
#include "TrunksModel.h"
#include "VirtualNumbersModel.h"
#include "WhitelistModel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

ServerView::ServerView(QWidget *parent)
    : QWidget(parent), m_client(new AdminClient(this)),
      m_callsModel(new HistoryModel(HistoryModel::Kind::Calls, m_client, this)),
      m_dialsModel(new HistoryModel(HistoryModel::Kind::Dials, m_client, this)),
      m_trends(new TrendHistory(m_client, this)), m_callStats(new CallStats(m_client, this)),
      m_roomsView(new QTreeView(this)), m_ringFilter(new QSortFilterProxyModel(this)),
      m_ringFilterEdit(new QLineEdit(this)), m_tabs(new QTabWidget(this)),
      m_offline(new QLabel(this)), m_countdown(new QTimer(this))
{
    AdminClient &client = *m_client;
    // Rooms and peers.
    m_roomsView->setObjectName(u"rooms"_s);
    m_roomsView->setModel(client.rooms());
    m_roomsView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_roomsView->setAlternatingRowColors(true);
    m_roomsView->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(m_roomsView, &QTreeView::customContextMenuRequested, this,
            &ServerView::onRoomsContextMenu);
    // New peers show without a click: rooms open as they appear.
    connect(client.rooms(), &QAbstractItemModel::rowsInserted, m_roomsView,
            [this](const QModelIndex &parent, int first, int last) {
                if (!parent.isValid()) {
                    for (int r = first; r <= last; ++r)
                        m_roomsView->expand(m_client->rooms()->index(r, 0));
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
    QTableView *ringView = makeTable(m_ringFilter, u"ringLog"_s);
    ringView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto *ringPage = new QWidget(this);
    auto *ringLayout = new QVBoxLayout(ringPage);
    ringLayout->setContentsMargins(0, 0, 0, 0);
    ringLayout->addWidget(m_ringFilterEdit);
    ringLayout->addWidget(ringView);

    m_history = new HistoryPage(m_callsModel, this);
    m_dials = new HistoryPage(m_dialsModel, this);
    m_dashboard = new DashboardPage(m_trends, m_callStats, this);
    m_tabs->addTab(ringPage, tr("Ring log"));
    m_tabs->addTab(m_history, tr("History"));
    m_tabs->addTab(m_dials, tr("Dial log"));
    m_tabs->addTab(m_dashboard, tr("Dashboard"));
    m_tabs->addTab(makeTable(client.phones(), u"phones"_s), tr("Office phones"));
    m_tabs->addTab(makeTable(client.trunks(), u"trunks"_s), tr("Trunks"));
    m_tabs->addTab(makeEditor(Editor::VirtualNumbers, client.virtualNumbers(), u"vnums"_s),
                   tr("Virtual numbers"));
    m_tabs->addTab(makeEditor(Editor::Aliases, client.aliases(), u"aliases"_s), tr("Aliases"));
    m_tabs->addTab(makeEditor(Editor::Whitelist, client.whitelist(), u"whitelist"_s),
                   tr("Whitelist"));

    auto *roomsBox = new QWidget(this);
    auto *roomsLayout = new QVBoxLayout(roomsBox);
    roomsLayout->setContentsMargins(0, 0, 0, 0);
    roomsLayout->addWidget(
        new QLabel(tr("<b>Rooms</b> (right-click a peer or press Del to kick it)"), this));
    roomsLayout->addWidget(m_roomsView);
    auto *split = new QSplitter(this);
    split->setObjectName(u"split"_s);
    split->addWidget(roomsBox);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    m_offline->setAutoFillBackground(true);
    m_offline->setStyleSheet(u"QLabel { background: #b42318; color: white; padding: 6px; "
                             "font-weight: bold; }"_s);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_offline);
    layout->addWidget(split, 1);

    m_countdown->setInterval(1000);
    connect(m_countdown, &QTimer::timeout, this, &ServerView::updateBanner);
    connect(&client, &AdminClient::stateChanged, this, &ServerView::onStateChanged);
    connect(&client, &AdminClient::commandFinished, this, &ServerView::onCommandFinished);
    connect(&client, &AdminClient::reconnectScheduled, this, [this](int delayMs) {
        m_retryAtMs = QDateTime::currentMSecsSinceEpoch() + delayMs;
        m_countdown->start();
        updateBanner();
    });
    connect(&client, &AdminClient::online, this, [this] { emit labelChanged(); });
    connect(&client, &AdminClient::authenticationFailed, this, [this](const QString &message) {
        m_countdown->stop();
        m_offline->setText(
            tr("Not signed in: %1 Use Server → Connect… to try again.").arg(message));
    });
    onStateChanged(client.state());
}

QString ServerView::label() const
{
    const QUrl url = m_client->url();
    if (url.isEmpty())
        return tr("Not connected");
    return u"%1 @ %2:%3"_s.arg(m_client->tenant(), url.host()).arg(url.port(80));
}

QTableView *ServerView::makeTable(QAbstractItemModel *model, const QString &name)
{
    auto *table = new QTableView(this);
    table->setObjectName(name);
    table->setModel(model);
    table->verticalHeader()->hide();
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSortingEnabled(false);
    table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copy = new QAction(QIcon(u":/console/icons/copy.svg"_s), tr("Copy row"), table);
    connect(copy, &QAction::triggered, this, [this, table] {
        table->setFocus();
        copyCurrentRow();
    });
    table->addAction(copy);
    return table;
}

QWidget *ServerView::makeEditor(Editor editor, JsonTableModel *model, const QString &name)
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    QTableView *view = makeTable(model, name);
    layout->addWidget(view);
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

void ServerView::editRecord(Editor editor, JsonTableModel *model, QTableView *view, bool create)
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
    case Editor::VirtualNumbers: id = m_client->saveVirtualNumber(dialog.record(), create); break;
    case Editor::Aliases: id = m_client->saveAlias(dialog.record(), create); break;
    case Editor::Whitelist: id = m_client->saveWhitelistEntry(dialog.record(), create); break;
    }
    if (!id.isEmpty())
        m_pending.insert(id, title);
}

void ServerView::deleteRecord(Editor editor, JsonTableModel *model, QTableView *view)
{
    const QModelIndex current = view->currentIndex();
    if (!current.isValid())
        return;
    const QString number = JsonTableModel::keyOf(model->row(current.row()), model->keyField());
    if (QMessageBox::question(this, tr("Delete"), tr("Delete %1?").arg(number)) != QMessageBox::Yes)
        return;
    QString id;
    switch (editor) {
    case Editor::VirtualNumbers: id = m_client->deleteVirtualNumber(number); break;
    case Editor::Aliases: id = m_client->deleteAlias(number); break;
    case Editor::Whitelist: id = m_client->deleteWhitelistEntry(number); break;
    }
    if (!id.isEmpty())
        m_pending.insert(id, tr("Delete %1").arg(number));
}

void ServerView::onRoomsContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_roomsView->indexAt(pos);
    if (!index.isValid() || !index.data(RoomsModel::IsPeerRole).toBool())
        return;
    const QString name = index.siblingAtColumn(RoomsModel::NameColumn).data().toString();
    QMenu menu(this);
    QAction *kickAction
        = menu.addAction(QIcon(u":/console/icons/kick.svg"_s), tr("Kick %1").arg(name));
    kickAction->setEnabled(m_client->state() == AdminClient::State::Online);
    QAction *copyId = menu.addAction(QIcon(u":/console/icons/copy.svg"_s), tr("Copy peer id"));
    QAction *chosen = menu.exec(m_roomsView->viewport()->mapToGlobal(pos));
    if (chosen == kickAction)
        kick(index);
    else if (chosen == copyId)
        QApplication::clipboard()->setText(index.data(RoomsModel::PeerIdRole).toString());
}

void ServerView::kickSelected()
{
    const QModelIndex index = m_roomsView->currentIndex();
    if (!index.isValid() || !index.data(RoomsModel::IsPeerRole).toBool()) {
        emit statusMessage(tr("Select a peer in the rooms tree to kick it."));
        return;
    }
    const QString name = index.siblingAtColumn(RoomsModel::NameColumn).data().toString();
    const QString peerId = index.data(RoomsModel::PeerIdRole).toString();
    if (QMessageBox::question(this, tr("Kick"), tr("Kick %1 (%2) from its room?").arg(name, peerId))
        != QMessageBox::Yes)
        return;
    kick(index);
}

void ServerView::kick(const QModelIndex &peer)
{
    const QString name = peer.siblingAtColumn(RoomsModel::NameColumn).data().toString();
    const QString id = m_client->kick(peer.data(RoomsModel::PeerIdRole).toString());
    if (!id.isEmpty())
        m_pending.insert(id, tr("Kick %1").arg(name));
}

void ServerView::focusFind()
{
    QWidget *page = m_tabs->currentWidget();
    if (page == m_history || page == m_dials) {
        static_cast<HistoryPage *>(page)->focusSearch();
        return;
    }
    m_tabs->setCurrentIndex(0);
    m_ringFilterEdit->setFocus();
    m_ringFilterEdit->selectAll();
}

void ServerView::refresh()
{
    if (m_client->state() == AdminClient::State::Offline) {
        m_client->reconnectNow();
        return;
    }
    m_history->reload();
    m_dials->reload();
    m_callStats->reload();
    emit statusMessage(tr("Reloading the history of %1").arg(label()));
}

QList<QTableView *> ServerView::tables() const
{
    return findChildren<QTableView *>();
}

bool ServerView::copyCurrentRow()
{
    QAbstractItemView *view = nullptr;
    for (QWidget *w = QApplication::focusWidget(); w; w = w->parentWidget()) {
        if (auto *v = qobject_cast<QAbstractItemView *>(w)) {
            view = v;
            break;
        }
    }
    if (!view || !isAncestorOf(view))
        view = m_tabs->currentWidget()->findChild<QTableView *>();
    if (!view || !view->currentIndex().isValid())
        return false;
    const QModelIndex current = view->currentIndex();
    QStringList cells;
    for (int c = 0; c < view->model()->columnCount(current.parent()); ++c)
        cells.append(current.siblingAtColumn(c).data().toString());
    QApplication::clipboard()->setText(cells.join(u'\t'));
    emit statusMessage(tr("Row copied"));
    return true;
}

void ServerView::saveLayout(QSettings &settings) const
{
    for (const QTableView *t : tables())
        settings.setValue(u"columns/"_s + t->objectName(), t->horizontalHeader()->saveState());
    if (const auto *split = findChild<QSplitter *>(u"split"_s))
        settings.setValue(u"split"_s, split->saveState());
}

void ServerView::restoreLayout(QSettings &settings)
{
    for (QTableView *t : tables()) {
        const QByteArray state = settings.value(u"columns/"_s + t->objectName()).toByteArray();
        if (!state.isEmpty())
            t->horizontalHeader()->restoreState(state);
    }
    if (auto *split = findChild<QSplitter *>(u"split"_s))
        split->restoreState(settings.value(u"split"_s).toByteArray());
}

void ServerView::onStateChanged(AdminClient::State state)
{
    if (state == AdminClient::State::Online) {
        m_countdown->stop();
        m_offline->hide();
    } else {
        updateBanner();
        m_offline->show();
    }
}

void ServerView::updateBanner()
{
    const QString url = m_client->url().toString();
    if (m_client->state() == AdminClient::State::Online)
        return;
    if (url.isEmpty()) {
        m_offline->setText(tr("Offline: not connected. Use Server → Connect…"));
        return;
    }
    const qint64 left = (m_retryAtMs - QDateTime::currentMSecsSinceEpoch() + 999) / 1000;
    if (m_client->state() != AdminClient::State::Offline || left <= 0) {
        m_offline->setText(
            tr("Offline: the data below may be out of date; reconnecting to %1…").arg(url));
        return;
    }
    QString text = tr("Connection to %1 lost; the data below may be out of date. Reconnecting in "
                      "%n s (F5: now).",
                      nullptr, int(left))
                       .arg(url);
    if (!m_client->lastError().isEmpty())
        text += u" ("_s + m_client->lastError() + u')';
    m_offline->setText(text);
}

void ServerView::onCommandFinished(const QString &id, bool ok, const QString &code,
                                   const QString &message, const QString &field)
{
    const QString what = m_pending.take(id);
    if (what.isEmpty())
        return;
    if (ok)
        emit statusMessage(tr("%1: done").arg(what));
    else
        QMessageBox::warning(this, what,
                             field.isEmpty() ? tr("%1 (%2)").arg(message, code)
                                             : tr("%1 (%2, field %3)").arg(message, code, field));
}
