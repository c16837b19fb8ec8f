#pragma once

#include <QtGlobal>

// A per-socket token bucket: `rate` tokens a second up to `burst`. Small on purpose (one per
// limited frame class per socket).
class TokenBucket {
public:
    TokenBucket() = default;
    explicit TokenBucket(double burst) : m_tokens(float(burst)) { }

    // Takes one token if there is one; refills first.
    bool take(qint64 nowMs, double rate, double burst)
    {
        refill(nowMs, rate, burst);
        if (m_tokens < 1.0f)
            return false;
        m_tokens -= 1.0f;
        return true;
    }
    // Takes a token even when there is none left (errors count toward the limit).
    void charge(qint64 nowMs, double rate, double burst)
    {
        refill(nowMs, rate, burst);
        m_tokens = qMax(0.0f, m_tokens - 1.0f);
    }

private:
    void refill(qint64 nowMs, double rate, double burst)
    {
        if (m_lastMs != 0 && nowMs > m_lastMs)
            m_tokens
                = float(qMin(burst, double(m_tokens) + rate * double(nowMs - m_lastMs) / 1000.0));
        m_lastMs = nowMs;
    }

    float m_tokens = 0;
    qint64 m_lastMs = 0;
};
