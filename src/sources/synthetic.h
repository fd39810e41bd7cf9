// A synthetic workload: a daily cycle, noise and spikes, as a pure function of time,
// so a demo or a test replays the same load for the same seed.
//
//   load(t) = base * (1 + amplitude * daily(t)) * (1 + noise * n(t)) + spikes(t)
//
// daily(t) is a smooth cycle with its low at 04:00 UTC and its peak at 16:00 UTC;
// n(t) is deterministic noise in [-1, 1] per minute, from a hash of (seed, minute);
// a spike adds `spike_height * base` for `spike_duration` starting at each of
// `spike_times`.
#pragma once

#include <cstdint>
#include <vector>

#include "prescale/clock.h"
#include "sources/trace.h"

namespace prescale {

struct SyntheticConfig {
  double base_per_s = 100;     // mean load, units/s
  double amplitude = 0.6;      // daily swing, as a fraction of base
  double noise = 0.08;         // relative noise
  std::vector<TimePoint> spike_times;
  // Also a spike every `spike_every` of workload time, half a period after midnight
  // UTC (0 = none): a stream of short incidents for demos.
  Duration spike_every{0};
  Duration spike_duration{600};
  double spike_height = 1.5;   // added load, as a multiple of base
  std::uint64_t seed = 1;
};

class SyntheticWorkload {
 public:
  explicit SyntheticWorkload(SyntheticConfig config) : config_(std::move(config)) {}
  double LoadAt(TimePoint t) const;
  const SyntheticConfig& config() const { return config_; }

 private:
  SyntheticConfig config_;
};

// `rows` samples of `workload`, one every `step_s` from `start_s` (epoch seconds),
// as a trace named `name`: a demo's or a training run's workload.
Trace SampleTrace(const SyntheticWorkload& workload, double start_s, double step_s, int rows,
                  std::string name);

}  // namespace prescale
