#pragma once

#include <QtGlobal>

#include <atomic>

namespace rotor {

// Every time the core uses comes from one Clock, in milliseconds since the Unix epoch (UTC),
// and reaches SQL as a bound parameter. The database's own now() is never used.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual qint64 nowMs() const = 0;
};

class SystemClock final : public Clock
{
public:
    qint64 nowMs() const override;
};

// A clock that only moves when told to: tests, the simulator and the what-if view.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 startMs = 0)
        : m_now(startMs)
    { }
    qint64 nowMs() const override { return m_now.load(std::memory_order_relaxed); }
    void setNowMs(qint64 ms) { m_now.store(ms, std::memory_order_relaxed); }
    void advanceMs(qint64 ms) { m_now.fetch_add(ms, std::memory_order_relaxed); }

private:
    std::atomic<qint64> m_now;
};

// The system clock moved forward by jumps: the simulator skips a wait without stopping time, so callers that race
// each other still read their own instants.
class JumpingClock final : public Clock
{
public:
    qint64 nowMs() const override { return m_system.nowMs() + m_offset.load(std::memory_order_relaxed); }
    void jumpMs(qint64 ms) { m_offset.fetch_add(ms, std::memory_order_relaxed); }

private:
    SystemClock m_system;
    std::atomic<qint64> m_offset {0};
};

} // namespace rotor
