#include "TrunksModel.h"

using namespace Qt::StringLiterals;

TrunksModel::TrunksModel(QObject *parent)
    : JsonTableModel({{u"id"_s, tr("Trunk")},
                      {u"host"_s, tr("Host")},
                      {u"registered"_s, tr("Registered")},
                      {u"lastSeen"_s, tr("Last seen")}},
                     u"id"_s, parent)
{
}

QString TrunksModel::cellText(const QJsonObject &row, const QString &key) const
{
    if (key == u"registered"_s)
        return row.value(key).toBool() ? tr("registered") : tr("NOT registered");
    return JsonTableModel::cellText(row, key);
}
