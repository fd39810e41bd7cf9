#include "actuators/simulated_cluster.h"

#include <cassert>
#include <cmath>

namespace prescale {

int BootSteps(Duration boot_delay, Duration interval) {
  return static_cast<int>(std::ceil(boot_delay / interval - 1e-9));
}

SimulatedCluster::SimulatedCluster(Duration interval, Duration boot_delay, int initial,
                                   TimePoint origin)
    : interval_(interval),
      boot_steps_(BootSteps(boot_delay, interval)),
      origin_(origin),
      ready_(initial) {
  assert(interval.count() > 0 && boot_delay.count() >= 0 && initial >= 0);
}

std::int64_t SimulatedCluster::Tick(TimePoint now) const {
  return std::llround((now - origin_) / interval_);
}

void SimulatedCluster::AdvanceTo(std::int64_t tick) {
  while (!batches_.empty() && batches_.front().ready_tick <= tick) {
    ready_ += batches_.front().count;
    booting_ -= batches_.front().count;
    batches_.pop_front();
  }
}

void SimulatedCluster::SetDesiredAt(std::int64_t tick, int desired) {
  AdvanceTo(tick);
  int total = ready_ + booting_;
  if (desired > total) {
    int add = desired - total;
    std::int64_t ready_tick = tick + 1 + boot_steps_;
    if (!batches_.empty() && batches_.back().ready_tick == ready_tick) {
      batches_.back().count += add;
    } else {
      batches_.push_back({ready_tick, add});
    }
    booting_ += add;
    launched_ += add;
  } else if (desired < total) {
    int drop = total - desired;
    removed_ += drop;
    // Cancel booting instances first, newest first: they cost without serving.
    while (drop > 0 && !batches_.empty()) {
      int take = std::min(drop, batches_.back().count);
      batches_.back().count -= take;
      booting_ -= take;
      drop -= take;
      if (batches_.back().count == 0) batches_.pop_back();
    }
    ready_ -= drop;
  }
}

Result<CapacityStatus> SimulatedCluster::Describe(TimePoint now) {
  AdvanceTo(Tick(now));
  return CapacityStatus{ready_ + booting_, ready_};
}

Status SimulatedCluster::SetDesired(int desired, TimePoint now) {
  SetDesiredAt(Tick(now), desired);
  return Status::Ok();
}

}  // namespace prescale
