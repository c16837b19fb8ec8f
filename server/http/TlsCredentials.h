#pragma once

#include "config/ServerConfig.h"

#include <QSslConfiguration>
#include <QString>
#include <QStringList>
#include <optional>

// The certificate and key of `tls` (DESIGN.md "TLS, service and metrics"): read once from PEM
// files (RSA or EC key, the certificate file may hold the chain), turned into the server-side
// QSslConfiguration both listeners use; and the `"self-signed"` pair for LAN trials.
class TlsCredentials {
public:
    // Reads both files once. nullopt with *error naming what is wrong.
    static std::optional<QSslConfiguration> load(const TlsConfig &tls, QString *error);
    // For `"self-signed"`: makes the key (EC P-256) and a certificate naming `hosts` when the
    // files do not exist yet (the key 0600), and returns the certificate's SHA-256 fingerprint
    // ("AB:CD:..."); empty with *error on failure.
    static QString ensureSelfSigned(const TlsConfig &tls, const QStringList &hosts, QString *error);
    // "AB:CD:..." of the DER certificate.
    static QString fingerprint(const QSslCertificate &certificate);
};
