#pragma once

// Long tables of test vectors live in tests/vectors/<name>.json instead of in the test's
// _data(): an array of objects, each with "row" (the row's name) and one member a column.
//     addVectorRows<QByteArray, int>("requesthead.json", "request", "status");
//     [{"row": "bare LF", "request": "GET / HTTP/1.1\nHost: a\n\n", "status": 200}, ...]
// Column values: a string for QString and QByteArray (UTF-8; {"hex": "ff00"} for any bytes),
// true/false for bool, a number for int/qint64/double, an array of strings for QStringList.
// A missing member or file, or a value of another type, stops the test with the row's name.

#include "DataRows.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QTest>

namespace testvectors {

inline QJsonArray load(const char *file)
{
    QFile f(QStringLiteral(SB_TEST_VECTORS "/") + QLatin1StringView(file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("test vectors %s: %s", qPrintable(f.fileName()), qPrintable(f.errorString()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    if (!doc.isArray())
        qFatal("test vectors %s: not a JSON array (%s at %d)", file,
               qPrintable(error.errorString()), error.offset);
    return doc.array();
}

[[noreturn]] inline void bad(const QJsonObject &row, const char *column, const char *want)
{
    qFatal("test vectors: row \"%s\", column \"%s\": %s expected",
           qPrintable(row.value(QLatin1StringView("row")).toString()), column, want);
}

inline QJsonValue member(const QJsonObject &row, const char *column)
{
    const QJsonValue v = row.value(QLatin1StringView(column));
    if (v.isUndefined())
        bad(row, column, "a value");
    return v;
}

template <typename T> T value(const QJsonObject &row, const char *column);

template <> inline QString value<QString>(const QJsonObject &row, const char *column)
{
    const QJsonValue v = member(row, column);
    if (!v.isString())
        bad(row, column, "a string");
    return v.toString();
}

template <> inline QByteArray value<QByteArray>(const QJsonObject &row, const char *column)
{
    const QJsonValue v = member(row, column);
    if (v.isObject() && v.toObject().value(QLatin1StringView("hex")).isString())
        return QByteArray::fromHex(
            v.toObject().value(QLatin1StringView("hex")).toString().toLatin1());
    if (!v.isString())
        bad(row, column, "a string or {\"hex\": ...}");
    return v.toString().toUtf8();
}

template <> inline bool value<bool>(const QJsonObject &row, const char *column)
{
    const QJsonValue v = member(row, column);
    if (!v.isBool())
        bad(row, column, "true or false");
    return v.toBool();
}

template <> inline double value<double>(const QJsonObject &row, const char *column)
{
    const QJsonValue v = member(row, column);
    if (!v.isDouble())
        bad(row, column, "a number");
    return v.toDouble();
}

template <> inline qint64 value<qint64>(const QJsonObject &row, const char *column)
{
    return qint64(value<double>(row, column));
}

template <> inline int value<int>(const QJsonObject &row, const char *column)
{
    return int(value<double>(row, column));
}

template <> inline QStringList value<QStringList>(const QJsonObject &row, const char *column)
{
    const QJsonValue v = member(row, column);
    if (!v.isArray())
        bad(row, column, "an array of strings");
    QStringList list;
    for (const QJsonValue &item : v.toArray()) {
        if (!item.isString())
            bad(row, column, "an array of strings");
        list << item.toString();
    }
    return list;
}

} // namespace testvectors

template <typename... Types, typename... Names>
void addVectorRows(const char *file, const Names &...names)
{
    addColumns<Types...>(names...);
    const QJsonArray rows = testvectors::load(file);
    if (rows.isEmpty())
        qFatal("test vectors %s: no rows", file);
    for (const QJsonValue &v : rows) {
        const QJsonObject row = v.toObject();
        QTestData &data = QTest::newRow(qPrintable(testvectors::value<QString>(row, "row")));
        ((data << testvectors::value<Types>(row, names)), ...);
    }
}
