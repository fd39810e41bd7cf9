// The elasticity metrics of the SPEC Research Group (Herbst et al., "Ready for
// Rain? A View from SPEC Research on the Future of Cloud Metrics", 2016), exactly as
// DESIGN.md's contract and ../shared/bench/elastic.py define them.
#pragma once

#include <cstdint>
#include <vector>

#include "prescale/observation.h"

namespace prescale {

struct ElasticityMetrics {
  double theta_u = 0;  // under-provisioning accuracy, %
  double theta_o = 0;  // over-provisioning accuracy, %
  double tau_u = 0;    // under-provisioning timeshare, %
  double tau_o = 0;    // over-provisioning timeshare, %
  double upsilon = 0;  // instability, %
  std::int64_t adaptations = 0;
  double inst_hours = 0;
  double demand_hours = 0;
  double cost_vs_demand = 0;
  double oracle_inst_hours = 0;
  double cost_vs_oracle = 0;
};

// demand[t] = max(1, ceil(load[t] / capacity)).
std::vector<int> Demand(const std::vector<double>& load, double capacity_per_instance);

// Scores a run. All vectors have one entry per step; REQUIRES: equal sizes, >= 1.
// The oracle fields are left 0 (see ScoreAgainstOracle).
ElasticityMetrics Score(const std::vector<int>& demand, const std::vector<int>& ready,
                        const std::vector<int>& booting, double step_s);

// The oracle's decisions: desired[t] = max(demand[t+1 .. t+1+boot_steps]) (the last
// row keeps its own demand), clamped to the limits.
std::vector<int> OracleDesired(const std::vector<int>& demand, int boot_steps, Limits limits);

// The oracle of the contract (OracleDesired), replayed through the same capacity
// model; returns its instance-hours.
double OracleInstanceHours(const std::vector<int>& demand, int boot_steps, Limits limits,
                           int initial, double step_s);

}  // namespace prescale
