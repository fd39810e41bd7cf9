#include "sources/synthetic.h"

#include <cmath>
#include <numbers>

namespace prescale {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mix, so noise needs no state.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

double SyntheticWorkload::LoadAt(TimePoint t) const {
  const double s = ToEpochSeconds(t);
  const double day_phase = std::fmod(s, 86400.0) / 86400.0;
  // Low at 04:00, peak at 16:00.
  double daily = -std::cos(2 * std::numbers::pi * (day_phase - 4.0 / 24));
  auto minute = static_cast<std::int64_t>(std::floor(s / 60));
  double u = static_cast<double>(Mix(config_.seed * 0x100000001b3ULL ^ minute) >> 11) * 0x1.0p-53;
  double load = config_.base_per_s * (1 + config_.amplitude * daily) * (1 + config_.noise * (2 * u - 1));
  bool spiking = false;
  for (TimePoint spike : config_.spike_times) {
    spiking = spiking || (t >= spike && t < spike + config_.spike_duration);
  }
  if (config_.spike_every.count() > 0) {
    double since = std::fmod(s - config_.spike_every.count() / 2, config_.spike_every.count());
    if (since < 0) since += config_.spike_every.count();
    spiking = spiking || since < config_.spike_duration.count();
  }
  if (spiking) load += config_.spike_height * config_.base_per_s;
  return std::max(0.0, load);
}

Trace SampleTrace(const SyntheticWorkload& workload, double start_s, double step_s, int rows,
                  std::string name) {
  Trace trace;
  trace.name = std::move(name);
  trace.columns = {"timestamp", "value"};
  trace.step_s = step_s;
  for (int i = 0; i < rows; ++i) {
    const double t = start_s + step_s * i;
    trace.timestamps_s.push_back(t);
    trace.values.push_back(workload.LoadAt(FromEpochSeconds(t)));
  }
  return trace;
}

}  // namespace prescale
