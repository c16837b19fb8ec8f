#pragma once

#include "http/HttpMessage.h"

#include <QHash>
#include <optional>

// The bundled pages from Qt resources (:/web/), with MIME types, ETags and a strict CSP.
class StaticFiles {
public:
    // nullopt when there is no such file.
    std::optional<HttpResponse> serve(const HttpRequest &request);
    static QByteArray mimeType(const QByteArray &path);

private:
    struct Entry {
        QByteArray body;
        QByteArray etag;
    };
    QHash<QByteArray, Entry> m_cache;
};
