#include "admin/AdminEdits.h"

#include "NameRules.h"
#include "http/ApiError.h"
#include "signal/PeerChannel.h"
#include "signal/Room.h"
#include "signal/RoomCluster.h"
#include "signal/Tenant.h"

#include <QJsonArray>
#include <cmath>

using namespace Qt::StringLiterals;

namespace {
// RFC 3339 UTC with milliseconds; "" when invalid.
QString stamp(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

// `{key: rows, nextBefore?}`: a full page may have older rows before its last id.
template <typename Row>
QJsonObject page(const QList<Row> &rows, const LogQuery &query, const QString &key,
                 QJsonObject (*toJson)(const Row &))
{
    QJsonArray out;
    for (const Row &r : rows)
        out.append(toJson(r));
    QJsonObject body{{key, out}};
    if (rows.size() == query.limit && !rows.isEmpty())
        body.insert(u"nextBefore"_s, rows.last().id);
    return body;
}

QJsonObject cdrJson(const CdrRecord &c)
{
    QJsonObject o{{u"id"_s, c.id},
                  {u"callId"_s, c.callId},
                  {u"direction"_s, c.direction},
                  {u"from"_s, c.from},
                  {u"to"_s, c.to},
                  {u"room"_s, c.room},
                  {u"startedAt"_s, stamp(c.startedAt)},
                  {u"endedAt"_s, stamp(c.endedAt)},
                  {u"result"_s, c.result}};
    if (c.answeredAt.isValid())
        o.insert(u"answeredAt"_s, stamp(c.answeredAt));
    return o;
}

QJsonObject dialJson(const DialLogRecord &d)
{
    QJsonObject o{{u"id"_s, d.id},         {u"at"_s, stamp(d.at)},  {u"room"_s, d.room},
                  {u"peerId"_s, d.peerId}, {u"number"_s, d.number}, {u"outcome"_s, d.outcome}};
    if (!d.callId.isEmpty())
        o.insert(u"callId"_s, d.callId);
    return o;
}

[[noreturn]] void badField(const QString &field, const QString &message)
{
    throw ApiError{ApiErrorKind::BadRequest, message, field};
}

void onlyFields(const QJsonObject &body, std::initializer_list<QLatin1StringView> allowed)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
            badField(it.key(), u"Unknown field."_s);
    }
}

QString checkedNumber(const QJsonValue &v)
{
    if (!v.isString() || !AdminEdits::isDialable(v.toString()))
        badField(u"number"_s, u"Expected an extension ([0-9]{2,6}) or an E.164 number."_s);
    return v.toString();
}

QString nameField(const QJsonObject &body)
{
    const QJsonValue v = body.value("name"_L1);
    const auto name = v.isString() ? NameRules::normaliseDisplayName(v.toString()) : std::nullopt;
    if (!name)
        badField(u"name"_s, u"Expected 1 to 64 characters without control characters."_s);
    return *name;
}

std::optional<qint64> integerField(const QJsonObject &body, QLatin1StringView key, qint64 min,
                                   qint64 max)
{
    if (!body.contains(key))
        return std::nullopt;
    const QJsonValue v = body.value(key);
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || std::floor(d) != d || d < double(min) || d > double(max))
        badField(key, u"Expected an integer from %1 to %2."_s.arg(min).arg(max));
    return qint64(d);
}

// Fills `vn` from the body; on create every required field must be there, on update only
// `number` is, and absent fields keep their value.
void applyVirtualNumber(const QJsonObject &body, VirtualNumber &vn, bool create)
{
    onlyFields(body,
               {"number"_L1, "name"_L1, "mode"_L1, "text"_L1, "startMs"_L1, "maxSec"_L1, "loop"_L1,
                "visibility"_L1});
    vn.number = checkedNumber(body.value("number"_L1));
    if (create || body.contains("name"_L1))
        vn.name = nameField(body);
    if (create || body.contains("mode"_L1)) {
        const QString mode = body.value("mode"_L1).toString();
        if (mode != "tts"_L1 && mode != "gemini-live"_L1 && mode != "ai"_L1)
            badField(u"mode"_s, u"Expected tts, gemini-live or ai."_s);
        vn.mode = mode;
    }
    if (body.contains("text"_L1)) {
        const QJsonValue v = body.value("text"_L1);
        if (!v.isString() || v.toString().size() > AdminEdits::maxTextChars)
            badField(
                u"text"_s,
                u"Expected a string of at most %1 characters."_s.arg(AdminEdits::maxTextChars));
        vn.text = v.toString();
    }
    if (const auto startMs = integerField(body, "startMs"_L1, 0, 86400000))
        vn.startMs = *startMs;
    if (const auto maxSec = integerField(body, "maxSec"_L1, 0, 86400))
        vn.maxSec = int(*maxSec);
    if (body.contains("loop"_L1)) {
        if (!body.value("loop"_L1).isBool())
            badField(u"loop"_s, u"Expected true or false."_s);
        vn.loop = body.value("loop"_L1).toBool();
    }
    if (body.contains("visibility"_L1)) {
        const QString vis = body.value("visibility"_L1).toString();
        if (vis != "anonymous"_L1 && vis != "internal"_L1)
            badField(u"visibility"_s, u"Expected anonymous or internal."_s);
        vn.visibility = vis;
    }
}

void check(Store::Result r)
{
    switch (r) {
    case Store::Result::Ok: return;
    case Store::Result::NotFound: throw ApiError{ApiErrorKind::NotFound, u"No such entry."_s};
    case Store::Result::Duplicate:
        throw ApiError{ApiErrorKind::Conflict, u"An entry with this number exists."_s, u"number"_s};
    case Store::Result::Failed: break;
    }
    throw ApiError{ApiErrorKind::Internal, u"Internal error."_s};
}
} // namespace

bool AdminEdits::isDialable(QStringView number)
{
    return NameRules::isExtension(number) || NameRules::isE164(number);
}

VirtualNumber AdminEdits::saveVirtualNumber(const QString &tenant, const QJsonObject &data,
                                            bool create)
{
    VirtualNumber vn;
    if (!create) {
        const QString number = checkedNumber(data.value("number"_L1));
        const auto existing = m_store.virtualNumber(tenant, number);
        if (!existing)
            throw ApiError{ApiErrorKind::NotFound, u"No such entry."_s};
        vn = *existing;
    }
    applyVirtualNumber(data, vn, create);
    check(create ? m_store.createVirtualNumber(tenant, vn)
                 : m_store.updateVirtualNumber(tenant, vn));
    tell(tenant, {List::VirtualNumbers, false, vn.number, toJson(vn)});
    return vn;
}

AliasEntry AdminEdits::saveAlias(const QString &tenant, const QJsonObject &data, bool create)
{
    onlyFields(data, {"number"_L1, "name"_L1});
    const AliasEntry a{checkedNumber(data.value("number"_L1)), nameField(data)};
    check(create ? m_store.createAlias(tenant, a) : m_store.updateAlias(tenant, a));
    tell(tenant, {List::Aliases, false, a.number, toJson(a)});
    return a;
}

WhitelistEntry AdminEdits::saveWhitelistEntry(const QString &tenant, const QJsonObject &data,
                                              bool create)
{
    onlyFields(data, {"number"_L1, "note"_L1});
    WhitelistEntry w{checkedNumber(data.value("number"_L1)), {}};
    if (data.contains("note"_L1)) {
        const QJsonValue note = data.value("note"_L1);
        if (!note.isString() || note.toString().size() > maxNoteChars)
            badField(u"note"_s, u"Expected a string of at most %1 characters."_s.arg(maxNoteChars));
        w.note = note.toString();
    }
    check(create ? m_store.createWhitelistEntry(tenant, w)
                 : m_store.updateWhitelistEntry(tenant, w));
    tell(tenant, {List::Whitelist, false, w.number, toJson(w)});
    return w;
}

void AdminEdits::remove(List list, const QString &tenant, const QString &number)
{
    checkedNumber(number);
    switch (list) {
    case List::VirtualNumbers: check(m_store.deleteVirtualNumber(tenant, number)); break;
    case List::Aliases: check(m_store.deleteAlias(tenant, number)); break;
    case List::Whitelist: check(m_store.deleteWhitelistEntry(tenant, number)); break;
    }
    tell(tenant, {list, true, number, {}});
}

AdminEdits::Kick AdminEdits::parseKick(const QJsonValue &peerId, const QJsonValue &reason)
{
    if (!peerId.isString() || peerId.toString().isEmpty()
        || peerId.toString().size() > maxPeerIdChars)
        badField(u"peerId"_s, u"Expected a peer id."_s);
    Kick k{peerId.toString(), {}};
    if (!reason.isUndefined()) {
        const auto text
            = reason.isString() ? NameRules::normaliseDisplayName(reason.toString()) : std::nullopt;
        if (!text || reason.toString().size() > maxReasonChars)
            badField(u"reason"_s, u"Expected a short text without control characters."_s);
        k.message = *text;
    }
    return k;
}

QString AdminEdits::kick(Tenant &tenant, const Kick &kick)
{
    for (Room *room : tenant.rooms().rooms()) {
        Room::Member *m = room->member(kick.peerId);
        if (!m)
            continue;
        const QString roomId = room->id();
        if (m->session)
            m->session->kick("admin"_L1, 4000, "kicked"_L1, kick.message);
        else
            room->remove(kick.peerId, "kicked"_L1); // held for resume: there is no socket to tell
        return roomId;
    }
    // An office phone that is registered but in no room.
    if (PeerChannel *phone = tenant.rings().phoneSession(kick.peerId)) {
        phone->kick("admin"_L1, 4000, "kicked"_L1, kick.message);
        return {};
    }
    // Cluster mode: a member of another node is kicked there.
    if (RoomCluster *cluster = tenant.rooms().cluster();
        cluster && cluster->kickRemote(kick.peerId, kick.message))
        return {};
    throw ApiError{ApiErrorKind::NotFound, u"No such peer."_s, u"peerId"_s};
}

QJsonObject AdminEdits::toJson(const VirtualNumber &vn)
{
    return QJsonObject{{u"number"_s, vn.number},   {u"name"_s, vn.name},
                       {u"mode"_s, vn.mode},       {u"text"_s, vn.text},
                       {u"startMs"_s, vn.startMs}, {u"maxSec"_s, vn.maxSec},
                       {u"loop"_s, vn.loop},       {u"visibility"_s, vn.visibility}};
}

QJsonObject AdminEdits::toJson(const AliasEntry &a)
{
    return QJsonObject{{u"number"_s, a.number}, {u"name"_s, a.name}};
}

QJsonObject AdminEdits::toJson(const WhitelistEntry &w)
{
    QJsonObject o{{u"number"_s, w.number}};
    if (!w.note.isEmpty())
        o.insert(u"note"_s, w.note);
    return o;
}

QJsonObject AdminEdits::cdrPage(const QString &tenant, const LogQuery &query) const
{
    return page(m_store.cdrs(tenant, query), query, u"cdrs"_s, &cdrJson);
}

QJsonObject AdminEdits::dialPage(const QString &tenant, const LogQuery &query) const
{
    return page(m_store.dials(tenant, query), query, u"dials"_s, &dialJson);
}
