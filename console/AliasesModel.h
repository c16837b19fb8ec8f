#pragma once

#include "JsonTableModel.h"

// The tenant's aliases (a number and the name shown for it).
class AliasesModel : public JsonTableModel {
    Q_OBJECT
public:
    explicit AliasesModel(QObject *parent = nullptr);
};
