#include "HistoryPage.h"

#include "CsvWriter.h"
#include "HistoryFilter.h"
#include "HistoryModel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

HistoryPage::HistoryPage(HistoryModel *model, QWidget *parent)
    : QWidget(parent), m_model(model), m_filter(new HistoryFilter(this)),
      m_view(new QTableView(this)), m_search(new QLineEdit(this)), m_result(new QComboBox(this)),
      m_useDates(new QCheckBox(tr("From"), this)), m_from(new QDateEdit(this)),
      m_to(new QDateEdit(this)), m_missedToday(new QCheckBox(tr("Missed today"), this)),
      m_status(new QLabel(this))
{
    const bool calls = model->kind() == HistoryModel::Kind::Calls;
    m_filter->setSourceModel(model);
    m_search->setPlaceholderText(tr("Search: number, name, room…"));
    m_search->setClearButtonEnabled(true);
    m_result->addItem(tr("Any result"), QString());
    const QStringList results = calls
        ? QStringList{u"answered"_s, u"missed"_s, u"declined"_s, u"cleared"_s, u"failed"_s}
        : QStringList{u"dialing"_s, u"unknown-number"_s, u"forbidden"_s, u"bridge-unavailable"_s,
                      u"rate-limited"_s};
    for (const QString &r : results)
        m_result->addItem(r, r);
    m_from->setCalendarPopup(true);
    m_to->setCalendarPopup(true);
    m_from->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_to->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_from->setDate(QDate::currentDate().addDays(-7));
    m_to->setDate(QDate::currentDate());
    m_from->setEnabled(false);
    m_to->setEnabled(false);
    m_useDates->setToolTip(tr("Ask the server only for this range of days"));
    m_missedToday->setVisible(calls);
    auto *more = new QPushButton(tr("Load more"), this);
    auto *exportButton = new QPushButton(tr("Export CSV…"), this);
    exportButton->setToolTip(tr("Save the rows the filter shows (RFC 4180, UTF-8, local times)"));

    m_view->setObjectName(calls ? u"historyCalls"_s : u"historyDials"_s);
    m_view->setModel(m_filter);
    m_view->verticalHeader()->hide();
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSortingEnabled(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAlternatingRowColors(false);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 2);
    bar->addWidget(m_result);
    bar->addWidget(m_useDates);
    bar->addWidget(m_from);
    bar->addWidget(new QLabel(tr("to"), this));
    bar->addWidget(m_to);
    bar->addWidget(m_missedToday);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_status, 1);
    bottom->addWidget(more);
    bottom->addWidget(exportButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    layout->addLayout(bottom);

    connect(m_search, &QLineEdit::textChanged, m_filter, &HistoryFilter::setText);
    connect(m_result, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setResult(m_result->currentData().toString()); });
    connect(m_missedToday, &QCheckBox::toggled, m_filter, &HistoryFilter::setMissedToday);
    connect(m_useDates, &QCheckBox::toggled, this, [this](bool on) {
        m_from->setEnabled(on);
        m_to->setEnabled(on);
        reload();
    });
    connect(m_from, &QDateEdit::dateChanged, this, [this] {
        if (m_useDates->isChecked())
            reload();
    });
    connect(m_to, &QDateEdit::dateChanged, this, [this] {
        if (m_useDates->isChecked())
            reload();
    });
    connect(more, &QPushButton::clicked, this, [this] { m_model->fetchMore({}); });
    connect(exportButton, &QPushButton::clicked, this, &HistoryPage::chooseExportFile);
    connect(model, &HistoryModel::loadingChanged, this, &HistoryPage::updateStatus);
    connect(model, &QAbstractItemModel::rowsInserted, this, &HistoryPage::updateStatus);
    connect(model, &QAbstractItemModel::modelReset, this, &HistoryPage::updateStatus);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &HistoryPage::updateStatus);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &HistoryPage::updateStatus);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &HistoryPage::updateStatus);
    connect(model, &HistoryModel::loadFailed, this, [this](const QString &message) {
        m_status->setText(tr("Could not load: %1").arg(message));
    });
    updateStatus();
}

void HistoryPage::focusSearch()
{
    m_search->setFocus();
    m_search->selectAll();
}

void HistoryPage::reload()
{
    if (m_useDates->isChecked())
        m_model->reload(m_from->date().startOfDay(), m_to->date().addDays(1).startOfDay());
    else
        m_model->reload();
}

void HistoryPage::updateStatus()
{
    QString text
        = tr("%1 of %2 loaded rows shown").arg(m_filter->rowCount()).arg(m_model->rowCount());
    if (m_model->isLoading())
        text += tr(" · loading…");
    else if (m_model->hasMore())
        text += tr(" · more on the server (scroll down or Load more)");
    m_status->setText(text);
}

bool HistoryPage::exportCsv(const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !CsvWriter::write(*m_filter, file) || !file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

void HistoryPage::chooseExportFile()
{
    const QString base = m_model->kind() == HistoryModel::Kind::Calls ? u"calls"_s : u"dials"_s;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export CSV"),
        u"%1-%2.csv"_s.arg(base, QDate::currentDate().toString(Qt::ISODate)),
        tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportCsv(path, &error))
        QMessageBox::warning(this, tr("Export CSV"), tr("Cannot write %1: %2").arg(path, error));
    else
        m_status->setText(tr("Saved %1 rows to %2").arg(m_filter->rowCount()).arg(path));
}
