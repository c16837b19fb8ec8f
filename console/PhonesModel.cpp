#include "PhonesModel.h"

using namespace Qt::StringLiterals;

PhonesModel::PhonesModel(QObject *parent)
    : JsonTableModel(
        {{u"extension"_s, tr("Extension")}, {u"name"_s, tr("Name")}, {u"peerId"_s, tr("Peer")}},
        u"peerId"_s, parent)
{
}
