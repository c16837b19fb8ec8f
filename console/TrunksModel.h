#pragma once

#include "JsonTableModel.h"

// The SIP trunks as the bridge last reported them (trunk-status), with the time seen.
class TrunksModel : public JsonTableModel {
    Q_OBJECT
public:
    explicit TrunksModel(QObject *parent = nullptr);

protected:
    QString cellText(const QJsonObject &row, const QString &key) const override;
};
