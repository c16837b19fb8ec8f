#pragma once

#include "JsonTableModel.h"

// Office phones registered with the tenant, one row per socket (keyed by peerId).
class PhonesModel : public JsonTableModel {
    Q_OBJECT
public:
    explicit PhonesModel(QObject *parent = nullptr);
};
