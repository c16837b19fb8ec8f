#pragma once

#include "http/HttpMessage.h"

#include <QString>

// Typed API errors. Handlers throw them; only HttpApi::handle() catches, and only statusFor()
// maps a kind to an HTTP status, so the table in DESIGN.md "HTTP" is checked in one place.
enum class ApiErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    LengthRequired,
    PayloadTooLarge,
    HeadersTooLarge,
    TooManyRequests,
    Internal,
};

struct ApiError {
    ApiErrorKind kind;
    QString message;
    QString field = {}; // the offending body field, when there is one
    QByteArray allow = {}; // for MethodNotAllowed: the Allow header

    static int statusFor(ApiErrorKind kind);
    static QString codeFor(ApiErrorKind kind);
    HttpResponse toResponse() const;
};
