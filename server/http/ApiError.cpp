#include "http/ApiError.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

int ApiError::statusFor(ApiErrorKind kind)
{
    switch (kind) {
    case ApiErrorKind::BadRequest: return 400;
    case ApiErrorKind::Unauthorized: return 401;
    case ApiErrorKind::Forbidden: return 403;
    case ApiErrorKind::NotFound: return 404;
    case ApiErrorKind::MethodNotAllowed: return 405;
    case ApiErrorKind::Conflict: return 409;
    case ApiErrorKind::LengthRequired: return 411;
    case ApiErrorKind::PayloadTooLarge: return 413;
    case ApiErrorKind::HeadersTooLarge: return 431;
    case ApiErrorKind::TooManyRequests: return 429;
    case ApiErrorKind::Internal: return 500;
    }
    return 500;
}

QString ApiError::codeFor(ApiErrorKind kind)
{
    switch (kind) {
    case ApiErrorKind::BadRequest: return u"bad-request"_s;
    case ApiErrorKind::Unauthorized: return u"unauthorized"_s;
    case ApiErrorKind::Forbidden: return u"forbidden"_s;
    case ApiErrorKind::NotFound: return u"not-found"_s;
    case ApiErrorKind::MethodNotAllowed: return u"method-not-allowed"_s;
    case ApiErrorKind::Conflict: return u"conflict"_s;
    case ApiErrorKind::LengthRequired: return u"length-required"_s;
    case ApiErrorKind::PayloadTooLarge: return u"payload-too-large"_s;
    case ApiErrorKind::HeadersTooLarge: return u"headers-too-large"_s;
    case ApiErrorKind::TooManyRequests: return u"too-many-requests"_s;
    case ApiErrorKind::Internal: return u"internal"_s;
    }
    return u"internal"_s;
}

HttpResponse ApiError::toResponse() const
{
    QJsonObject body{{u"error"_s, codeFor(kind)}, {u"message"_s, message}};
    if (!field.isEmpty())
        body.insert(u"field"_s, field);
    HttpResponse r;
    r.status = statusFor(kind);
    r.contentType = "application/json";
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    r.setHeader("Cache-Control", "no-store");
    if (kind == ApiErrorKind::MethodNotAllowed && !allow.isEmpty())
        r.setHeader("Allow", allow);
    return r;
}
