#include "camera/CandidateFilter.h"

#include <QList>
#include <utility>

using namespace Qt::StringLiterals;

namespace CandidateFilter {
namespace {
    const QList<std::pair<QHostAddress, int>> &privateSubnets()
    {
        static const QList<std::pair<QHostAddress, int>> subnets = [] {
            QList<std::pair<QHostAddress, int>> out;
            for (const char *cidr :
                 {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                  "172.16.0.0/12", "192.168.0.0/16", "::/128", "::1/128", "fc00::/7", "fe80::/10"})
                out.append(QHostAddress::parseSubnet(QString::fromLatin1(cidr)));
            return out;
        }();
        return subnets;
    }
} // namespace

bool isPrivate(const QHostAddress &address)
{
    QHostAddress a = address;
    bool mapped = false;
    const quint32 v4 = a.toIPv4Address(&mapped); // also unwraps ::ffff:a.b.c.d
    if (mapped)
        a = QHostAddress(v4);
    for (const auto &[net, prefix] : privateSubnets()) {
        if (a.isInSubnet(net, prefix))
            return true;
    }
    return false;
}

bool isPrivateText(QStringView address)
{
    QHostAddress a;
    if (a.setAddress(address.toString()))
        return isPrivate(a);
    // A host name: an mDNS name (browsers hide LAN addresses behind these) is LAN-only.
    return address.endsWith(u".local"_s, Qt::CaseInsensitive)
        || address.endsWith(u".local."_s, Qt::CaseInsensitive);
}

QString withoutPrivateCandidates(const QString &sdp, int *removed)
{
    QString out;
    out.reserve(sdp.size());
    int dropped = 0;
    qsizetype pos = 0;
    while (pos < sdp.size()) {
        qsizetype end = sdp.indexOf(u'\n', pos);
        end = end < 0 ? sdp.size() : end + 1; // the line with its terminator
        const QStringView line = QStringView(sdp).mid(pos, end - pos);
        pos = end;
        const QStringView body = line.trimmed();
        if (!body.startsWith(u"a=candidate:"_s)) {
            out.append(line);
            continue;
        }
        // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <t>
        //   [raddr <a> rport <p>] ...
        const QList<QStringView> fields = body.split(u' ', Qt::SkipEmptyParts);
        if (fields.size() < 6 || isPrivateText(fields[4])) {
            ++dropped; // a malformed candidate line is dropped too: it cannot help anybody
            continue;
        }
        const qsizetype raddr = fields.indexOf(u"raddr"_s);
        if (raddr < 0 || raddr + 1 >= fields.size() || !isPrivateText(fields[raddr + 1])) {
            out.append(line);
            continue;
        }
        QStringList rebuilt;
        for (qsizetype i = 0; i < fields.size(); ++i) {
            if (i == raddr + 1)
                rebuilt.append(u"0.0.0.0"_s);
            else if (i > 0 && fields[i - 1] == u"rport"_s)
                rebuilt.append(u"0"_s);
            else
                rebuilt.append(fields[i].toString());
        }
        out.append(rebuilt.join(u' '));
        // keep the line's own terminator
        if (line.endsWith(u"\r\n"_s))
            out.append(u"\r\n"_s);
        else if (line.endsWith(u'\n'))
            out.append(u'\n');
    }
    if (removed)
        *removed = dropped;
    return out;
}
} // namespace CandidateFilter
