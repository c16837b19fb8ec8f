#include "VirtualNumbersModel.h"

using namespace Qt::StringLiterals;

VirtualNumbersModel::VirtualNumbersModel(QObject *parent)
    : JsonTableModel({{u"number"_s, tr("Number")},
                      {u"name"_s, tr("Name")},
                      {u"mode"_s, tr("Mode")},
                      {u"visibility"_s, tr("Visibility")},
                      {u"text"_s, tr("Text")},
                      {u"startMs"_s, tr("Start (ms)")},
                      {u"maxSec"_s, tr("Max (s)")},
                      {u"loop"_s, tr("Loop")}},
                     u"number"_s, parent)
{
}
