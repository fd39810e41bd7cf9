// SimulatedCluster: the capacity model of DESIGN.md ("Contract: the capacity model
// of simulate"), as an Actuator. `simulate` drives it over a trace and `run` can
// drive it in real time; both see the same model.
//
// Time is counted in ticks of one decision interval, from `origin` (tick 0). A
// decision at tick t (the end of interval t):
//   - launches `desired - (ready + booting)` instances, ready from interval
//     t + 1 + boot_steps, where boot_steps = ceil(boot_delay / interval);
//   - or removes instances, booting ones first (newest first), then ready ones,
//     from interval t + 1.
// Describe() at tick t reports the instances serving interval t. Never fails.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>

#include "prescale/actuator.h"

namespace prescale {

class SimulatedCluster final : public Actuator {
 public:
  // REQUIRES: interval > 0, boot_delay >= 0, initial >= 0.
  SimulatedCluster(Duration interval, Duration boot_delay, int initial, TimePoint origin);

  std::string_view name() const override { return "simulated"; }
  Result<CapacityStatus> Describe(TimePoint now) override;
  Status SetDesired(int desired, TimePoint now) override;

  // The same model on tick numbers. Ticks must not go backwards.
  void AdvanceTo(std::int64_t tick);
  void SetDesiredAt(std::int64_t tick, int desired);

  int ready() const { return ready_; }
  int booting() const { return booting_; }
  int boot_steps() const { return boot_steps_; }
  std::int64_t Tick(TimePoint now) const;
  // Instances launched and removed so far (to count actions in tests).
  std::int64_t launched() const { return launched_; }
  std::int64_t removed() const { return removed_; }

 private:
  struct Batch {
    std::int64_t ready_tick;
    int count;
  };
  Duration interval_;
  int boot_steps_;
  TimePoint origin_;
  int ready_;
  int booting_ = 0;
  std::deque<Batch> batches_;  // booting instances, oldest launch first
  std::int64_t launched_ = 0;
  std::int64_t removed_ = 0;
};

// ceil(boot_delay / interval), forgiving floating-point noise.
int BootSteps(Duration boot_delay, Duration interval);

}  // namespace prescale
