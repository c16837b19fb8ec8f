#include "http/RequestHead.h"

#include "config/ServerConfig.h"

namespace RequestHead {
std::optional<Parsed> parse(const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    Parsed out;
    HttpRequest &req = out.request;
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1.") || requestLine[0].isEmpty()
        || requestLine[1].isEmpty())
        return std::nullopt;
    out.http10 = requestLine[2] == "HTTP/1.0";
    req.method = requestLine[0];
    req.target = requestLine[1];
    int hostCount = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].endsWith('\r') ? lines[i].chopped(1) : lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || line.front() == ' ' || line.front() == '\t')
            return std::nullopt;
        const QByteArray name = line.left(colon).trimmed().toLower();
        if (name == "host")
            ++hostCount;
        req.headers.append({name, line.mid(colon + 1).trimmed()});
    }
    if (hostCount > 1)
        return std::nullopt;
    QByteArray target = req.target;
    const QByteArray hostHeader = req.header("host");
    if (target.startsWith("http://") || target.startsWith("https://")) {
        // Absolute form: its authority must be the Host header.
        const qsizetype authStart = target.indexOf("//") + 2;
        qsizetype pathStart = target.indexOf('/', authStart);
        if (pathStart < 0)
            pathStart = target.size();
        const QByteArray authority = target.mid(authStart, pathStart - authStart);
        if (authority.compare(hostHeader, Qt::CaseInsensitive) != 0)
            return std::nullopt;
        target = target.mid(pathStart);
        if (target.isEmpty())
            target = "/";
    }
    const qsizetype q = target.indexOf('?');
    req.path = q < 0 ? target : target.left(q);
    req.query = q < 0 ? QByteArray() : target.mid(q + 1);
    req.host = ServerConfig::normaliseHost(QString::fromLatin1(hostHeader));
    return out;
}
} // namespace RequestHead
