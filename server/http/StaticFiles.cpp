#include "http/StaticFiles.h"

#include "Crypto.h"
#include "app/Resources.h"

#include <QDirIterator>
#include <QFile>

using namespace Qt::StringLiterals;

StaticFiles::StaticFiles(const QString &root)
{
    Resources::init(); // the HttpApi that owns us may be built before the Application's body runs
    QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        Entry e;
        e.body = f.readAll();
        e.etag = '"' + Crypto::sha256(e.body).toHex().left(32) + '"';
        m_files.insert(file.mid(root.size()).toLatin1(), e);
    }
}

QByteArray StaticFiles::mimeType(const QByteArray &path)
{
    if (path.endsWith(".html"))
        return "text/html; charset=utf-8";
    if (path.endsWith(".js") || path.endsWith(".mjs"))
        return "text/javascript; charset=utf-8";
    if (path.endsWith(".css"))
        return "text/css; charset=utf-8";
    if (path.endsWith(".json"))
        return "application/json";
    if (path.endsWith(".svg"))
        return "image/svg+xml";
    if (path.endsWith(".png"))
        return "image/png";
    if (path.endsWith(".ico"))
        return "image/x-icon";
    if (path.endsWith(".wav"))
        return "audio/wav";
    if (path.endsWith(".txt"))
        return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

std::optional<HttpResponse> StaticFiles::serve(const HttpRequest &request)
{
    const QByteArray &path = request.path;
    const auto it = m_files.constFind(path);
    if (it == m_files.cend())
        return std::nullopt;
    HttpResponse r;
    r.setHeader("ETag", it->etag);
    r.setHeader("Cache-Control", "no-cache");
    r.setHeader("X-Content-Type-Options", "nosniff");
    if (path.endsWith(".html")) {
        r.setHeader(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
        r.setHeader("Referrer-Policy", "no-referrer");
    }
    const QByteArray inm = request.header("if-none-match");
    bool matched = false;
    for (const QByteArray &tag : inm.split(','))
        matched = matched || tag.trimmed() == it->etag;
    if (matched) {
        r.status = 304;
        return r;
    }
    r.contentType = mimeType(path);
    r.body = it->body;
    return r;
}
