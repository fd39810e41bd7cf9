#include "sim/elasticity.h"

#include <algorithm>
#include <cmath>

#include "actuators/simulated_cluster.h"

namespace prescale {

std::vector<int> Demand(const std::vector<double>& load, double capacity_per_instance) {
  std::vector<int> d(load.size());
  for (std::size_t t = 0; t < load.size(); ++t) {
    d[t] = std::max(1, static_cast<int>(std::ceil(load[t] / capacity_per_instance - 1e-9)));
  }
  return d;
}

namespace {
int Sign(int x) { return (x > 0) - (x < 0); }
}  // namespace

ElasticityMetrics Score(const std::vector<int>& d, const std::vector<int>& s,
                        const std::vector<int>& booting, double step_s) {
  ElasticityMetrics m;
  const std::size_t n = d.size();
  double total_instances = 0;
  double total_demand = 0;
  for (std::size_t t = 0; t < n; ++t) {
    m.theta_u += std::max(d[t] - s[t], 0) / static_cast<double>(d[t]);
    m.theta_o += std::max(s[t] - d[t], 0) / static_cast<double>(d[t]);
    m.tau_u += d[t] > s[t];
    m.tau_o += s[t] > d[t];
    total_instances += s[t] + booting[t];
    total_demand += d[t];
    if (t > 0) {
      m.upsilon += std::min(1, std::abs(Sign(s[t] - s[t - 1]) - Sign(d[t] - d[t - 1])));
      m.adaptations += (s[t] + booting[t]) != (s[t - 1] + booting[t - 1]);
    }
  }
  m.theta_u *= 100.0 / n;
  m.theta_o *= 100.0 / n;
  m.tau_u *= 100.0 / n;
  m.tau_o *= 100.0 / n;
  m.upsilon = n > 1 ? m.upsilon * 100.0 / (n - 1) : 0;
  m.inst_hours = total_instances * step_s / 3600;
  m.demand_hours = total_demand * step_s / 3600;
  m.cost_vs_demand = m.inst_hours / m.demand_hours;
  return m;
}

std::vector<int> OracleDesired(const std::vector<int>& demand, int boot_steps, Limits limits) {
  const auto n = static_cast<std::int64_t>(demand.size());
  std::vector<int> desired(demand.size());
  for (std::int64_t t = 0; t < n; ++t) {
    int want = demand[t];
    if (t + 1 < n) {
      want = 0;
      for (std::int64_t k = t + 1; k < std::min(n, t + 2 + boot_steps); ++k) {
        want = std::max(want, demand[k]);
      }
    }
    desired[t] = limits.Clamp(want);
  }
  return desired;
}

double OracleInstanceHours(const std::vector<int>& demand, int boot_steps, Limits limits,
                           int initial, double step_s) {
  const auto n = static_cast<std::int64_t>(demand.size());
  const std::vector<int> desired = OracleDesired(demand, boot_steps, limits);
  SimulatedCluster cluster(Duration(step_s), Duration(boot_steps * step_s), initial, TimePoint());
  double total = 0;
  for (std::int64_t t = 0; t < n; ++t) {
    cluster.AdvanceTo(t);
    total += cluster.ready() + cluster.booting();
    cluster.SetDesiredAt(t, desired[t]);
  }
  return total * step_s / 3600;
}

}  // namespace prescale
