#include "CsvWriter.h"

#include <QAbstractItemModel>
#include <QIODevice>

using namespace Qt::StringLiterals;

QString CsvWriter::field(const QString &text)
{
    const bool quote = text.contains(u',') || text.contains(u'"') || text.contains(u'\n')
        || text.contains(u'\r');
    if (!quote)
        return text;
    QString escaped = text;
    escaped.replace(u"\""_s, u"\"\""_s);
    return u'"' + escaped + u'"';
}

QString CsvWriter::line(const QStringList &fields)
{
    QStringList out;
    out.reserve(fields.size());
    for (const QString &f : fields)
        out.append(field(f));
    return out.join(u',') + u"\r\n"_s;
}

QString CsvWriter::toText(const QAbstractItemModel &model)
{
    QString text;
    QStringList header;
    for (int c = 0; c < model.columnCount(); ++c)
        header.append(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    text += line(header);
    for (int r = 0; r < model.rowCount(); ++r) {
        QStringList row;
        for (int c = 0; c < model.columnCount(); ++c) {
            const QModelIndex index = model.index(r, c);
            const QVariant exported = index.data(ExportRole);
            row.append(exported.isValid() ? exported.toString() : index.data().toString());
        }
        text += line(row);
    }
    return text;
}

bool CsvWriter::write(const QAbstractItemModel &model, QIODevice &out)
{
    const QByteArray bytes = toText(model).toUtf8();
    return out.write(bytes) == bytes.size();
}
