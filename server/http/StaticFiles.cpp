#include "http/StaticFiles.h"

#include "Crypto.h"

#include <QFile>

using namespace Qt::StringLiterals;

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
    if (!path.startsWith('/') || path.contains("..") || path.contains("//"))
        return std::nullopt;
    for (const char c : path) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '/' || c == '.' || c == '-' || c == '_';
        if (!ok)
            return std::nullopt;
    }
    auto it = m_cache.find(path);
    if (it == m_cache.end()) {
        QFile f(u":/web"_s + QString::fromLatin1(path));
        if (!f.open(QIODevice::ReadOnly))
            return std::nullopt;
        Entry e;
        e.body = f.readAll();
        e.etag = '"' + Crypto::sha256(e.body).toHex().left(32) + '"';
        it = m_cache.insert(path, e);
    }
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
