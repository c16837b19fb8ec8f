#include "http/RequestHead.h"

#include "config/ServerConfig.h"

namespace RequestHead {
namespace {
    bool isPlainDigits(const QByteArray &value)
    {
        if (value.isEmpty() || value.size() > 18) // 18 digits always fit a qint64
            return false;
        for (const char c : value) {
            if (c < '0' || c > '9')
                return false;
        }
        return true;
    }
} // namespace

std::optional<Parsed> parse(const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    Parsed out;
    HttpRequest &req = out.request;
    // A CR is only allowed as the end of a line (a bare CR is how heads are smuggled).
    for (qsizetype i = 0; i < head.size(); ++i) {
        if (head[i] == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n'))
            return std::nullopt;
        if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r'))
            out.bareLf = true;
    }
    const QByteArray first
        = lines.first().endsWith('\r') ? lines.first().chopped(1) : lines.first();
    const QList<QByteArray> requestLine = first.split(' ');
    if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1.") || requestLine[0].isEmpty()
        || requestLine[1].isEmpty())
        return std::nullopt;
    out.http10 = requestLine[2] == "HTTP/1.0";
    req.method = requestLine[0];
    req.target = requestLine[1];
    int hostCount = 0;
    int lengthCount = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].endsWith('\r') ? lines[i].chopped(1) : lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || line.front() == ' ' || line.front() == '\t')
            return std::nullopt;
        // No whitespace between a field name and its colon (RFC 9112 5.1): 400.
        if (line[colon - 1] == ' ' || line[colon - 1] == '\t')
            return std::nullopt;
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "host")
            ++hostCount;
        if (name == "content-length") {
            if (++lengthCount > 1 || !isPlainDigits(value))
                return std::nullopt;
            out.contentLength = value.toLongLong();
        }
        req.headers.append({name, value});
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

Framing frame(const QByteArray &buffer, qsizetype maxHeadBytes)
{
    Framing f;
    // The head ends at the first empty line: LF, then an optional CR, then LF.
    qsizetype from = 0;
    const qsizetype limit = qMin(buffer.size(), maxHeadBytes);
    for (;;) {
        const qsizetype lf = buffer.indexOf('\n', from);
        if (lf < 0 || lf >= limit)
            break;
        qsizetype next = lf + 1;
        if (next < buffer.size() && buffer[next] == '\r')
            ++next;
        if (next < buffer.size() && buffer[next] == '\n') {
            const qsizetype headLength = lf > 0 && buffer[lf - 1] == '\r' ? lf - 1 : lf;
            f.consumed = next + 1;
            if (f.consumed > maxHeadBytes) {
                f.state = Framing::State::TooLarge;
                return f;
            }
            f.state = Framing::State::Complete;
            f.headLength = headLength;
            return f;
        }
        if (next >= buffer.size())
            break; // the blank line may still come
        from = lf + 1;
    }
    f.state = buffer.size() >= maxHeadBytes ? Framing::State::TooLarge : Framing::State::NeedMore;
    return f;
}

Outcome read(const QByteArray &buffer, qsizetype maxHeadBytes)
{
    Outcome out;
    const Framing f = frame(buffer, maxHeadBytes);
    switch (f.state) {
    case Framing::State::NeedMore: out.kind = Outcome::Kind::NeedMore; return out;
    case Framing::State::TooLarge: out.kind = Outcome::Kind::TooLarge; return out;
    case Framing::State::Complete: break;
    }
    out.parsed = parse(buffer.left(f.headLength));
    out.kind = out.parsed ? Outcome::Kind::Ok : Outcome::Kind::Malformed;
    out.consumed = f.consumed;
    return out;
}
} // namespace RequestHead
