#include "sim/labels.h"

#include <algorithm>
#include <cmath>

#include "actuators/simulated_cluster.h"
#include "features/seed2_features.h"
#include "sim/elasticity.h"

namespace prescale {
namespace {

// splitmix64 of (seed, i), as a uniform number in [0, 1): the same on every platform.
double Uniform(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = (seed + 1) * 0x9E3779B97F4A7C15ull ^ (i * 0xD1B54A32D192ED03ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

}  // namespace

Result<std::vector<predict::LabelledRow>> LabelTraceByOracle(const Trace& trace,
                                                             const OracleLabelOptions& o) {
  if (!(o.capacity_per_instance > 0)) return Status::Error("labelling needs a capacity > 0");
  if (trace.size() < 2) return Status::Error("trace " + trace.name + " has fewer than 2 rows");
  const Duration step(trace.step_s);
  const int boot_steps = SimulatedCluster(step, o.boot_delay, 0, TimePoint()).boot_steps();
  const std::vector<int> demand = Demand(trace.values, o.capacity_per_instance);
  const std::vector<int> desired = OracleDesired(demand, boot_steps, o.limits);

  const int span =
      static_cast<int>(std::ceil(1.5 * *std::max_element(desired.begin(), desired.end())));
  std::vector<predict::LabelledRow> rows;
  rows.reserve(trace.size() * 9);
  std::vector<int> sizes;
  for (std::size_t t = 0; t < trace.size(); ++t) {
    const int d = desired[t];
    sizes.clear();
    for (int k = -2; k <= 2; ++k) sizes.push_back(d + k);
    for (int k = 0; k < 2; ++k) {
      const double u = Uniform(o.seed, t * 4 + k);
      sizes.push_back(static_cast<int>(std::lround(d * std::exp((2 * u - 1) * std::log(3.0)))));
    }
    // Far from the need too (a group left large after a peak, or small before one),
    // so that the model has seen every size the trace can bring.
    for (int k = 2; k < 4; ++k) {
      sizes.push_back(1 + static_cast<int>(Uniform(o.seed, t * 4 + k) * span));
    }
    for (int& c : sizes) c = std::max(1, o.limits.Clamp(c));
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    for (int c : sizes) {
      Observation obs;
      obs.load_per_s = trace.values[t];
      obs.cpu_utilization = std::min(1.0, trace.values[t] / (c * o.capacity_per_instance));
      obs.instances = c;
      auto f = ComputeSeed2Features(obs, o.limits.min, o.limits.max);
      if (!f) continue;
      predict::LabelledRow r;
      r.features = std::move(*f);
      r.label = d > c ? DemandClass::kHigh : (d < c ? DemandClass::kLow : DemandClass::kMedium);
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

}  // namespace prescale
