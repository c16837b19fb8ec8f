#pragma once

// The columns of a data-driven test in one call, types and names in the same order:
//     addColumns<QByteArray, int>("request", "status");
// stands for one QTest::addColumn<T>(name) a column. A test of one column takes its rows too:
//     addRows<int>("ms", {{"0 ms", 0}, {"30 ms", 30}});

#include <QTest>
#include <initializer_list>
#include <utility>

template <typename... Types, typename... Names> void addColumns(const Names &...names)
{
    static_assert(sizeof...(Types) == sizeof...(Names), "one name for each column type");
    (QTest::addColumn<Types>(names), ...);
}

template <typename T>
void addRows(const char *column, std::initializer_list<std::pair<const char *, T>> rows)
{
    QTest::addColumn<T>(column);
    for (const auto &[name, value] : rows)
        QTest::newRow(name) << value;
}
