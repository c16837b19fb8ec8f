#include "HistoryModel.h"

#include "AdminClient.h"
#include "AdminProtocol.h"
#include "AliasesModel.h"
#include "CsvWriter.h"

#include <QBrush>
#include <QColor>
#include <cstdlib>

using namespace Qt::StringLiterals;
namespace AP = AdminProtocol;

namespace {
enum CallColumn { CStarted, CDirection, CNumber, CName, CTo, CRoom, CResult, CDuration, CCallId };
enum DialColumn { DTime, DNumber, DName, DRoom, DPeer, DOutcome, DCallId };
constexpr int s_callColumns = 9;
constexpr int s_dialColumns = 7;

QDateTime parseTime(const QJsonValue &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs).toUTC();
}
} // namespace

HistoryModel::HistoryModel(Kind kind, AdminClient *client, QObject *parent)
    : QAbstractTableModel(parent), m_kind(kind), m_client(client)
{
    if (!client)
        return;
    connect(client, &AdminClient::resultReceived, this, &HistoryModel::onResult);
    connect(client, &AdminClient::commandFinished, this,
            [this](const QString &id, bool ok, const QString &, const QString &message,
                   const QString &) { onFinished(id, ok, message); });
    connect(client, &AdminClient::online, this, [this] { reload(m_from, m_to); });
    AliasesModel *aliases = client->aliases();
    connect(aliases, &QAbstractItemModel::modelReset, this, &HistoryModel::refreshNames);
    connect(aliases, &QAbstractItemModel::rowsInserted, this, &HistoryModel::refreshNames);
    connect(aliases, &QAbstractItemModel::dataChanged, this, &HistoryModel::refreshNames);
    refreshNames();
}

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int HistoryModel::columnCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return m_kind == Kind::Calls ? s_callColumns : s_dialColumns;
}

QString HistoryModel::localTime(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) : QString();
}

QString HistoryModel::exportTime(const QDateTime &t)
{
    if (!t.isValid())
        return {};
    // Written out by hand: a zero offset would otherwise come out as "Z", not "+00:00".
    const QDateTime local = t.toLocalTime();
    const int offset = local.offsetFromUtc();
    const int minutes = std::abs(offset) / 60;
    return local.toString(u"yyyy-MM-ddTHH:mm:ss"_s) + (offset < 0 ? u'-' : u'+')
        + u"%1:%2"_s.arg(minutes / 60, 2, 10, QChar(u'0')).arg(minutes % 60, 2, 10, QChar(u'0'));
}

QString HistoryModel::cell(const Row &row, int column, bool forExport) const
{
    const QJsonObject &j = row.json;
    auto time = [&](const QDateTime &t) { return forExport ? exportTime(t) : localTime(t); };
    if (m_kind == Kind::Calls) {
        switch (column) {
        case CStarted: return time(row.at);
        case CDirection:
            return j.value(u"direction"_s).toString() == u"out"_s ? tr("out") : tr("in");
        case CNumber: return row.number;
        case CName: return m_names.value(row.number);
        case CTo:
            return j.value(u"direction"_s).toString() == u"out"_s ? j.value(u"from"_s).toString()
                                                                  : j.value(u"to"_s).toString();
        case CRoom: return j.value(u"room"_s).toString();
        case CResult: return j.value(u"result"_s).toString();
        case CDuration: {
            const QDateTime answered = parseTime(j.value(u"answeredAt"_s));
            const QDateTime ended = parseTime(j.value(u"endedAt"_s));
            if (!answered.isValid() || !ended.isValid())
                return {};
            return QString::number(answered.secsTo(ended));
        }
        case CCallId: return j.value(u"callId"_s).toString();
        }
        return {};
    }
    switch (column) {
    case DTime: return time(row.at);
    case DNumber: return row.number;
    case DName: return m_names.value(row.number);
    case DRoom: return j.value(u"room"_s).toString();
    case DPeer: return j.value(u"peerId"_s).toString();
    case DOutcome: return j.value(u"outcome"_s).toString();
    case DCallId: return j.value(u"callId"_s).toString();
    }
    return {};
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const QString result = m_kind == Kind::Calls ? row.json.value(u"result"_s).toString()
                                                 : row.json.value(u"outcome"_s).toString();
    switch (role) {
    case Qt::DisplayRole: return cell(row, index.column(), false);
    case Qt::ToolTipRole:
        if (m_kind == Kind::Dials && index.column() == DPeer)
            return tr("Peer %1").arg(row.json.value(u"peerId"_s).toString());
        return cell(row, index.column(), false);
    case CsvWriter::ExportRole: return cell(row, index.column(), true);
    case Qt::BackgroundRole:
        if (result == u"missed"_s)
            return QBrush(QColor(0xfb, 0xd5, 0xd5));
        if (result == u"answered"_s)
            return QBrush(QColor(0xd8, 0xf5, 0xd0));
        return {};
    case TimeRole: return row.at;
    case NumberRole: return row.number;
    case NameRole: return m_names.value(row.number);
    case RoomRole: return row.json.value(u"room"_s).toString();
    case ResultRole: return result;
    case RecordRole: return row.json;
    default: return {};
    }
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0
        || section >= columnCount())
        return {};
    if (m_kind == Kind::Calls) {
        const QStringList headers{tr("Started"), tr("Dir."),     tr("Number"),
                                  tr("Name"),    tr("To"),       tr("Room"),
                                  tr("Result"),  tr("Talk (s)"), tr("Call ID")};
        return headers.at(section);
    }
    const QStringList headers{tr("Time"), tr("Number"),  tr("Name"),   tr("Room"),
                              tr("Peer"), tr("Outcome"), tr("Call ID")};
    return headers.at(section);
}

bool HistoryModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_client && hasMore() && !isLoading();
}

void HistoryModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        request(m_nextBefore);
}

void HistoryModel::reload(const QDateTime &from, const QDateTime &to)
{
    m_from = from;
    m_to = to;
    clear();
    if (m_client && m_client->state() == AdminClient::State::Online)
        request(0);
}

void HistoryModel::request(qint64 before)
{
    QJsonObject query{{u"limit"_s, m_pageSize}};
    if (before > 0)
        query.insert(u"before"_s, before);
    if (m_from.isValid())
        query.insert(u"from"_s, AP::timestamp(m_from.toMSecsSinceEpoch()));
    if (m_to.isValid())
        query.insert(u"to"_s, AP::timestamp(m_to.toMSecsSinceEpoch()));
    m_pendingId = m_client->requestLogPage(m_kind == Kind::Calls ? AP::cdrLog : AP::dialLog, query);
    if (!m_pendingId.isEmpty())
        emit loadingChanged(true);
}

void HistoryModel::onResult(const QString &id, const QJsonObject &result)
{
    if (id != m_pendingId)
        return;
    m_pendingId.clear();
    m_lastError.clear();
    appendPage(result.value(m_kind == Kind::Calls ? u"cdrs"_s : u"dials"_s).toArray(),
               result.value(u"nextBefore"_s).toInteger());
    emit loadingChanged(false);
}

void HistoryModel::onFinished(const QString &id, bool ok, const QString &message)
{
    if (ok || id != m_pendingId)
        return;
    m_pendingId.clear();
    m_lastError = message;
    emit loadingChanged(false);
    emit loadFailed(message);
}

void HistoryModel::appendPage(const QJsonArray &rows, qint64 nextBefore)
{
    QList<Row> page;
    for (const QJsonValue &v : rows) {
        if (!v.isObject())
            continue;
        const QJsonObject j = v.toObject();
        Row r;
        r.json = j;
        if (m_kind == Kind::Calls) {
            r.at = parseTime(j.value(u"startedAt"_s));
            r.number = j.value(u"direction"_s).toString() == u"out"_s
                ? j.value(u"to"_s).toString()
                : j.value(u"from"_s).toString();
        } else {
            r.at = parseTime(j.value(u"at"_s));
            r.number = j.value(u"number"_s).toString();
        }
        page.append(r);
    }
    m_nextBefore = nextBefore > 0 ? nextBefore : 0;
    if (page.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(page.size()) - 1);
    m_rows.append(page);
    endInsertRows();
}

void HistoryModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_nextBefore = 0;
    m_pendingId.clear();
    endResetModel();
}

void HistoryModel::setNames(const QHash<QString, QString> &names)
{
    m_names = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

void HistoryModel::refreshNames()
{
    QHash<QString, QString> names;
    const AliasesModel *aliases = m_client ? m_client->aliases() : nullptr;
    if (!aliases)
        return;
    for (int r = 0; r < aliases->rowCount(); ++r) {
        const QJsonObject a = aliases->row(r);
        names.insert(a.value(u"number"_s).toString(), a.value(u"name"_s).toString());
    }
    setNames(names);
}
