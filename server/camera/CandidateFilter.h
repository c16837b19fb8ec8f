#pragma once

#include <QHostAddress>
#include <QString>
#include <QStringView>

// Removes the ICE candidates of a camera's SDP answer that name a private address (DESIGN.md
// "Cameras": unless `cameraLanCandidates` is set). Private means an address a visitor on the
// internet cannot reach and that only tells them about the LAN: RFC 1918, CGNAT 100.64/10,
// loopback, link-local, 0/8, IPv6 ULA fc00::/7, link-local fe80::/10, loopback, the
// unspecified address, IPv4-mapped forms of these, and mDNS `.local` names. A public
// server-reflexive or relay candidate stays, but its `raddr`/`rport` (the LAN base address) are
// replaced by `0.0.0.0 0`, as browsers do.
namespace CandidateFilter {
bool isPrivate(const QHostAddress &address);
// True for an address text (IPv4, IPv6, or a host name) that is private by the rule above.
bool isPrivateText(QStringView address);
// The SDP with those `a=candidate:` lines removed and `raddr` scrubbed; every other byte (line
// endings included) kept as it was. *removed, when given, is the number of lines dropped.
QString withoutPrivateCandidates(const QString &sdp, int *removed = nullptr);
} // namespace CandidateFilter
