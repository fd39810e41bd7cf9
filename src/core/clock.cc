#include "prescale/clock.h"

#include <thread>

namespace prescale {

TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

void RealClock::SleepUntil(TimePoint t) {
  Duration left = t - Now();
  if (left.count() <= 0) return;
  std::this_thread::sleep_until(std::chrono::steady_clock::now() +
                                std::chrono::duration_cast<std::chrono::nanoseconds>(left));
}

RealClock& RealClock::Default() {
  static RealClock clock;
  return clock;
}

}  // namespace prescale
