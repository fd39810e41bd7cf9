// Clock: the one source of time (STYLE.md, point 2). Nothing outside the clock
// implementations reads the system clock or sleeps; the controller, policies and
// simulator take time from a Clock or as an argument.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace prescale {

// Seconds as a double: traces carry fractional epoch seconds, and decisions are
// made on whole intervals of seconds to hours.
using Duration = std::chrono::duration<double>;
// Wall-clock time (epoch based). Intervals are measured as differences of these.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

inline TimePoint FromEpochSeconds(double s) { return TimePoint(Duration(s)); }
inline double ToEpochSeconds(TimePoint t) { return t.time_since_epoch().count(); }
// "2026-11-24T14:00:00.123Z" (UTC, rounded to the millisecond), the one format for
// times in logs, files and the API; "" outside years 1..9999.
std::string FormatIsoTime(TimePoint t);

// Time for measuring how long something took: it never steps back when the wall
// clock is set (Envoy's MonotonicTime). Only differences mean anything.
using MonotonicPoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

// Thread safety: implementations are safe to call from several threads.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual MonotonicPoint Monotonic() const = 0;
  // Blocks until Now() >= t (a simulated clock jumps there at once).
  virtual void SleepUntil(TimePoint t) = 0;
};

// The system clock. Sleeps on the steady clock so that a wall-clock jump cannot
// stretch or skip a tick.
class RealClock final : public Clock {
 public:
  TimePoint Now() const override;
  MonotonicPoint Monotonic() const override;
  void SleepUntil(TimePoint t) override;
  static RealClock& Default();
};

// Deterministic time for simulate and for tests: it moves only when told. Safe to
// read from other threads (a test's HTTP server) while the test moves it.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(TimePoint start = TimePoint()) : now_s_(ToEpochSeconds(start)) {}
  TimePoint Now() const override { return FromEpochSeconds(now_s_.load()); }
  MonotonicPoint Monotonic() const override { return MonotonicPoint(Duration(now_s_.load())); }
  void SleepUntil(TimePoint t) override {
    double target = ToEpochSeconds(t);
    double cur = now_s_.load();
    while (target > cur && !now_s_.compare_exchange_weak(cur, target)) {
    }
  }
  void Set(TimePoint t) { now_s_.store(ToEpochSeconds(t)); }
  void Advance(Duration d) { now_s_.store(now_s_.load() + d.count()); }

 private:
  std::atomic<double> now_s_;
};

}  // namespace prescale
