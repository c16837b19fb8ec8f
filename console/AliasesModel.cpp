#include "AliasesModel.h"

using namespace Qt::StringLiterals;

AliasesModel::AliasesModel(QObject *parent)
    : JsonTableModel({{u"number"_s, tr("Number")}, {u"name"_s, tr("Name")}}, u"number"_s, parent)
{
}
