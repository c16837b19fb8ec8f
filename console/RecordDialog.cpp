#include "RecordDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

using namespace Qt::StringLiterals;
using Kind = RecordDialog::Field::Kind;

RecordDialog::RecordDialog(const QString &title, QList<Field> fields, const QJsonObject &record,
                           bool editing, QWidget *parent)
    : QDialog(parent), m_fields(std::move(fields))
{
    setWindowTitle(title);
    auto *form = new QFormLayout(this);
    for (int i = 0; i < m_fields.size(); ++i) {
        const Field &f = m_fields.at(i);
        const QJsonValue v = record.value(f.key);
        QWidget *editor = nullptr;
        switch (f.kind) {
        case Kind::Text: {
            auto *e = new QLineEdit(v.toString(), this);
            e->setReadOnly(editing && i == 0); // the key of an existing entry
            editor = e;
            break;
        }
        case Kind::Integer: {
            auto *e = new QSpinBox(this);
            e->setRange(0, std::numeric_limits<int>::max());
            e->setValue(v.toInt());
            editor = e;
            break;
        }
        case Kind::Boolean: {
            auto *e = new QCheckBox(this);
            e->setChecked(v.toBool());
            editor = e;
            break;
        }
        case Kind::Choice: {
            auto *e = new QComboBox(this);
            e->addItems(f.choices);
            if (v.isString())
                e->setCurrentText(v.toString());
            editor = e;
            break;
        }
        }
        m_editors.append(editor);
        form->addRow(f.label + (f.required ? u" *"_s : QString()), editor);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QJsonObject RecordDialog::record() const
{
    QJsonObject out;
    for (int i = 0; i < m_fields.size(); ++i) {
        const Field &f = m_fields.at(i);
        QWidget *w = m_editors.at(i);
        switch (f.kind) {
        case Kind::Text: {
            const QString text = static_cast<QLineEdit *>(w)->text().trimmed();
            if (!text.isEmpty() || f.required)
                out.insert(f.key, text);
            break;
        }
        case Kind::Integer: out.insert(f.key, static_cast<QSpinBox *>(w)->value()); break;
        case Kind::Boolean: out.insert(f.key, static_cast<QCheckBox *>(w)->isChecked()); break;
        case Kind::Choice: out.insert(f.key, static_cast<QComboBox *>(w)->currentText()); break;
        }
    }
    return out;
}

QList<RecordDialog::Field> RecordDialog::virtualNumberFields()
{
    return {
        {u"number"_s, tr("Number"), Kind::Text, {}, true},
        {u"name"_s, tr("Name"), Kind::Text, {}, true},
        {u"mode"_s, tr("Mode"), Kind::Choice, {u"tts"_s, u"gemini-live"_s, u"ai"_s}, true},
        {u"visibility"_s, tr("Visibility"), Kind::Choice, {u"anonymous"_s, u"internal"_s}, true},
        {u"text"_s, tr("Text"), Kind::Text, {}, false},
        {u"startMs"_s, tr("Start (ms)"), Kind::Integer, {}, false},
        {u"maxSec"_s, tr("Max (s)"), Kind::Integer, {}, false},
        {u"loop"_s, tr("Loop"), Kind::Boolean, {}, false}};
}

QList<RecordDialog::Field> RecordDialog::aliasFields()
{
    return {{u"number"_s, tr("Number"), Kind::Text, {}, true},
            {u"name"_s, tr("Name"), Kind::Text, {}, true}};
}

QList<RecordDialog::Field> RecordDialog::whitelistFields()
{
    return {{u"number"_s, tr("Number"), Kind::Text, {}, true},
            {u"note"_s, tr("Note"), Kind::Text, {}, false}};
}
