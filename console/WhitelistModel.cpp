#include "WhitelistModel.h"

using namespace Qt::StringLiterals;

WhitelistModel::WhitelistModel(QObject *parent)
    : JsonTableModel({{u"number"_s, tr("Number")}, {u"note"_s, tr("Note")}}, u"number"_s, parent)
{
}
