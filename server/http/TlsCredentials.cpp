#include "http/TlsCredentials.h"

#include <QDateTime>
#include <QFile>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslKey>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

using namespace Qt::StringLiterals;

namespace {
template <typename T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Ctx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return QByteArray(data, qsizetype(n));
}

bool writeFile(const QString &path, const QByteArray &bytes, bool secret)
{
    QFile f(path);
    const QFileDevice::Permissions mode = secret ? QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                 : QFileDevice::ReadOwner | QFileDevice::WriteOwner
            | QFileDevice::ReadGroup | QFileDevice::ReadOther;
    // Created with its mode before anything is written: the key is never readable by others.
    return f.open(QIODevice::WriteOnly | QIODevice::NewOnly, mode) && f.write(bytes) == bytes.size()
        && f.flush();
}
// The leaf certificate's public key is the private key's.
bool keyMatches(const QByteArray &certPem, const QByteArray &keyPem)
{
    Bio certBio(BIO_new_mem_buf(certPem.constData(), int(certPem.size())));
    Bio keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())));
    if (!certBio || !keyBio)
        return false;
    Cert cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
    PKey key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}
} // namespace

std::optional<QSslConfiguration> TlsCredentials::load(const TlsConfig &tls, QString *error)
{
    QFile certFile(tls.cert);
    if (!certFile.open(QIODevice::ReadOnly)) {
        *error = u"tls.cert: cannot read %1"_s.arg(tls.cert);
        return std::nullopt;
    }
    QFile keyFile(tls.key);
    if (!keyFile.open(QIODevice::ReadOnly)) {
        *error = u"tls.key: cannot read %1"_s.arg(tls.key);
        return std::nullopt;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
    // Read once: the key file is a stream, a second readAll() would be empty.
    const QByteArray keyPem = keyFile.readAll();
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = u"tls.cert: no PEM certificate in %1"_s.arg(tls.cert);
        return std::nullopt;
    }
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (key.isNull()) {
        *error = u"tls.key: no PEM RSA or EC private key in %1"_s.arg(tls.key);
        return std::nullopt;
    }
    if (!keyMatches(chain.first().toPem(), keyPem)) {
        *error = u"tls.key: the key in %1 does not belong to the certificate in %2"_s.arg(tls.key,
                                                                                          tls.cert);
        return std::nullopt;
    }
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificateChain(chain);
    ssl.setPrivateKey(key);
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    ssl.setProtocol(QSsl::TlsV1_2OrLater);
    return ssl;
}

QString TlsCredentials::fingerprint(const QSslCertificate &certificate)
{
    const QByteArray hex = certificate.digest(QCryptographicHash::Sha256).toHex().toUpper();
    QStringList pairs;
    for (qsizetype i = 0; i < hex.size(); i += 2)
        pairs.append(QString::fromLatin1(hex.mid(i, 2)));
    return pairs.join(u':');
}

QString TlsCredentials::ensureSelfSigned(const TlsConfig &tls, const QStringList &hosts,
                                         QString *error)
{
    if (!QFile::exists(tls.cert) || !QFile::exists(tls.key)) {
        if (QFile::exists(tls.cert) != QFile::exists(tls.key)) {
            *error = u"tls: one of %1 and %2 is missing; remove the other to make a new pair"_s.arg(
                tls.cert, tls.key);
            return {};
        }
        Ctx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
        EVP_PKEY *raw = nullptr;
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0
            || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) <= 0
            || EVP_PKEY_keygen(ctx.get(), &raw) <= 0) {
            *error = u"tls: cannot make a key"_s;
            return {};
        }
        PKey key(raw);
        Cert cert(X509_new());
        const QString cn = hosts.isEmpty() ? u"switchboard"_s : hosts.first();
        QStringList names;
        for (const QString &h : hosts) {
            QHostAddress ip;
            names.append((ip.setAddress(h) ? u"IP:"_s : u"DNS:"_s) + h);
        }
        if (names.isEmpty())
            names.append(u"DNS:localhost"_s);
        const QByteArray cnBytes = cn.toUtf8();
        const QByteArray san = names.join(u',').toUtf8();
        X509_NAME *name = cert ? X509_get_subject_name(cert.get()) : nullptr;
        X509V3_CTX v3;
        bool ok = cert && X509_set_version(cert.get(), 2) == 1
            && ASN1_INTEGER_set(X509_get_serialNumber(cert.get()),
                                long(QDateTime::currentSecsSinceEpoch() & 0x7fffffff))
                == 1
            && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600)
            && X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600)
            && X509_set_pubkey(cert.get(), key.get()) == 1 && name
            && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char *>(cnBytes.data()),
                                          int(cnBytes.size()), -1, 0)
                == 1
            && X509_set_issuer_name(cert.get(), name) == 1;
        if (ok) {
            X509V3_set_ctx_nodb(&v3);
            X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
            for (const auto &[nid, value] : {std::pair<int, QByteArray>{NID_subject_alt_name, san},
                                             {NID_basic_constraints, "critical,CA:FALSE"},
                                             {NID_ext_key_usage, "serverAuth"}}) {
                X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.constData());
                ok = ok && ext && X509_add_ext(cert.get(), ext, -1) == 1;
                if (ext)
                    X509_EXTENSION_free(ext);
            }
        }
        ok = ok && X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
        Bio keyBio(BIO_new(BIO_s_mem()));
        Bio certBio(BIO_new(BIO_s_mem()));
        ok = ok && keyBio && certBio
            && PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr)
                == 1
            && PEM_write_bio_X509(certBio.get(), cert.get()) == 1;
        if (!ok) {
            *error = u"tls: cannot make a self-signed certificate"_s;
            return {};
        }
        if (!writeFile(tls.key, bioBytes(keyBio.get()), true)
            || !writeFile(tls.cert, bioBytes(certBio.get()), false)) {
            QFile::remove(tls.key);
            *error = u"tls: cannot write %1 and %2"_s.arg(tls.key, tls.cert);
            return {};
        }
    }
    QFile f(tls.cert);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"tls.cert: cannot read %1"_s.arg(tls.cert);
        return {};
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(f.readAll(), QSsl::Pem);
    if (chain.isEmpty()) {
        *error = u"tls.cert: no PEM certificate in %1"_s.arg(tls.cert);
        return {};
    }
    return fingerprint(chain.first());
}
