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

// The row's value of `column`, which `is` must accept (`want` names what it should be).
inline QJsonValue member(const QJsonObject &row, const char *column, bool (QJsonValue::*is)() const,
                         const char *want)
{
    const QJsonValue v = row.value(QLatin1StringView(column));
    if (!(v.*is)())
        bad(row, column, want);
    return v;
}

template <typename T> T value(const QJsonObject &row, const char *column);

template <> inline QString value<QString>(const QJsonObject &row, const char *column)
{
    return member(row, column, &QJsonValue::isString, "a string").toString();
}

template <> inline QByteArray value<QByteArray>(const QJsonObject &row, const char *column)
{
    const QJsonValue hex = row.value(QLatin1StringView(column))[QLatin1StringView("hex")];
    if (hex.isString())
        return QByteArray::fromHex(hex.toString().toLatin1());
    return member(row, column, &QJsonValue::isString, "a string or {\"hex\": ...}")
        .toString()
        .toUtf8();
}

template <> inline bool value<bool>(const QJsonObject &row, const char *column)
{
    return member(row, column, &QJsonValue::isBool, "true or false").toBool();
}

template <> inline double value<double>(const QJsonObject &row, const char *column)
{
    return member(row, column, &QJsonValue::isDouble, "a number").toDouble();
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
    const QJsonValue v = member(row, column, &QJsonValue::isArray, "an array of strings");
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
