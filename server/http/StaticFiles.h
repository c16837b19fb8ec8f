#pragma once

#include "http/HttpMessage.h"

#include <QHash>
#include <optional>

// The bundled pages from Qt resources (:/web/), with MIME types, ETags and a strict CSP. The set
// is fixed: every file is read once, here, and a request path is looked up exactly as the file's
// canonical name ("/room.js"); other spellings ("/./room.js") are not found, and no request adds
// an entry (DESIGN.md "Limits").
class StaticFiles {
public:
    explicit StaticFiles(const QString &root = QStringLiteral(":/web"));
    int fileCount() const { return int(m_files.size()); }
    // nullopt when there is no such file.
    std::optional<HttpResponse> serve(const HttpRequest &request);
    static QByteArray mimeType(const QByteArray &path);

private:
    struct Entry {
        QByteArray body;
        QByteArray etag;
    };
    QHash<QByteArray, Entry> m_files; // by canonical path, filled once
};
