#pragma once

#include "JsonTableModel.h"

// Numbers verified peers may dial (virtual numbers are on it too).
class WhitelistModel : public JsonTableModel {
    Q_OBJECT
public:
    explicit WhitelistModel(QObject *parent = nullptr);
};
