#pragma once

#include <QString>
#include <QStringList>

class QAbstractItemModel;
class QIODevice;

// RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted and their quotes doubled; lines
// end in CRLF; UTF-8 without a byte-order mark. Exports what a (filtered) model shows, taking each
// cell's ExportRole when it has one (times in local time with the offset) and DisplayRole else.
class CsvWriter {
public:
    static constexpr int ExportRole = 0x0100 + 200; // Qt::UserRole + 200

    static QString field(const QString &text);
    static QString line(const QStringList &fields); // with the trailing CRLF
    // The header row and every row of the model; false when the device cannot be written.
    static bool write(const QAbstractItemModel &model, QIODevice &out);
    static QString toText(const QAbstractItemModel &model);
};
