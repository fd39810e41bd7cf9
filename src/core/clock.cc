#include "prescale/clock.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <thread>

namespace prescale {

TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

MonotonicPoint RealClock::Monotonic() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

void RealClock::SleepUntil(TimePoint t) {
  Duration left = t - Now();
  if (left.count() <= 0) return;
  std::this_thread::sleep_until(std::chrono::steady_clock::now() +
                                std::chrono::duration_cast<std::chrono::nanoseconds>(left));
}

std::string FormatIsoTime(TimePoint t) {
  // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z keeps the year at four digits.
  constexpr double kMinS = -62135596800.0;
  constexpr double kMaxS = 253402300799.0;
  const double s = ToEpochSeconds(t);
  if (!std::isfinite(s) || s < kMinS || s > kMaxS) return "";
  const auto ms = static_cast<std::int64_t>(std::llround(s * 1000));
  std::int64_t whole = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {  // floor, so that -0.25 s is 23:59:59.750 the day before
    frac += 1000;
    whole -= 1;
  }
  const auto secs = static_cast<std::time_t>(whole);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return "";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

RealClock& RealClock::Default() {
  static RealClock clock;
  return clock;
}

}  // namespace prescale
