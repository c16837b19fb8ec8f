// libFuzzer target: the JWKS parser and the JWS compact-token parser of OidcVerifier. The first
// byte picks which one gets the rest of the input.
#include "auth/Jwks.h"
#include "auth/OidcVerifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArray rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    if (data[0] & 1) {
        QString error;
        (void)Jwks::parse(rest, &error);
    } else {
        static OidcVerifier *verifier = [] {
            OidcConfig c;
            c.issuer = QStringLiteral("https://id.example");
            c.audience = QStringLiteral("switchboard");
            c.jwksFile = QStringLiteral("/nonexistent/jwks.json");
            return new OidcVerifier(c);
        }();
        OidcVerifier::Failure failure;
        (void)verifier->verify(rest, &failure);
    }
    return 0;
}
