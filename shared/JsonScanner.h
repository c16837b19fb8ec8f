#pragma once

#include <QString>
#include <QStringView>
#include <QVarLengthArray>
#include <optional>

// A validating JSON scanner that builds nothing: it checks a whole text against RFC 8259 and
// records, for each key of the top-level object, the raw text of its value. The relay splices
// `data` from these views instead of parsing and re-serialising it (DESIGN.md "Framing").
class JsonScanner {
public:
    enum class Kind : quint8 { String, Number, Object, Array, True, False, Null };
    struct Field {
        QStringView key; // raw key text without quotes (escapes left as written)
        QStringView raw; // raw value text, quotes included for strings
        Kind kind;
    };
    using Fields = QVarLengthArray<Field, 8>;
    enum class Result { Ok, NotJson, NotObject, DuplicateKey, TooDeep, TooManyKeys };

    static constexpr int maxDepth = 64;
    // Keys per object, at any depth (DESIGN.md "Limits"): more is TooManyKeys.
    static constexpr int maxKeys = 1024;

    // Checks the whole text and records the top-level fields. On DuplicateKey the fields are kept
    // (the frame's `type` is still known for the error's `ref`); on other failures they are not.
    // Time is linear in the text's size: keys are compared hashed, each decoded at most once.

    static Result scanObject(QStringView text, Fields &fields);
    static bool hasDuplicateKey(QStringView text, const Fields &fields);
    // Decodes a raw JSON string value (with its quotes); nullopt if it is not a valid one.
    static std::optional<QString> decodeString(QStringView raw);

private:
    explicit JsonScanner(QStringView text) : m_text(text) { }
    void skipWs();
    bool value(int depth, Kind *kind);
    bool string();
    bool number();
    bool literal(QStringView word);

    QStringView m_text;
    qsizetype m_pos = 0;
    bool m_tooDeep = false;
    bool m_tooManyKeys = false;
};
