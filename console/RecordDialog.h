#pragma once

#include <QDialog>
#include <QJsonObject>
#include <QList>
#include <QStringList>

class QFormLayout;

// A small form for one virtual number, alias or whitelist entry. The fields are described, not
// hand-built, so the three editors share it; the key field is read-only when editing.
class RecordDialog : public QDialog {
    Q_OBJECT
public:
    struct Field {
        enum class Kind { Text, Integer, Boolean, Choice };
        QString key;
        QString label;
        Kind kind = Kind::Text;
        QStringList choices; // for Choice
        bool required = false;
    };

    RecordDialog(const QString &title, QList<Field> fields, const QJsonObject &record, bool editing,
                 QWidget *parent = nullptr);

    // The record as typed; empty optional text fields are left out.
    QJsonObject record() const;

    static QList<Field> virtualNumberFields();
    static QList<Field> aliasFields();
    static QList<Field> whitelistFields();

private:
    QList<Field> m_fields;
    QList<QWidget *> m_editors;
};
