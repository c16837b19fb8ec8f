#pragma once

#include "JsonTableModel.h"

// The tenant's virtual numbers, as the admin socket lists them.
class VirtualNumbersModel : public JsonTableModel {
    Q_OBJECT
public:
    explicit VirtualNumbersModel(QObject *parent = nullptr);
};
