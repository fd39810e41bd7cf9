#include "sim/elasticity.h"

#include <gtest/gtest.h>

namespace prescale {
namespace {

TEST(ElasticityTest, DemandIsCeilingWithAFloorOfOne) {
  EXPECT_EQ(Demand({0.0, 0.5, 10.0, 10.000000001, 10.5, 35}, 10),
            (std::vector<int>{1, 1, 1, 1, 2, 4}));
}

// Hand-computed from the SPEC definitions in DESIGN.md.
TEST(ElasticityTest, ScoresAHandComputedRun) {
  std::vector<int> d = {2, 2, 4, 4};
  std::vector<int> s = {2, 3, 3, 4};
  std::vector<int> b = {1, 0, 1, 0};
  ElasticityMetrics m = Score(d, s, b, 3600);
  EXPECT_DOUBLE_EQ(m.tau_u, 25);                // t=2 only
  EXPECT_DOUBLE_EQ(m.tau_o, 25);                // t=1 only
  EXPECT_DOUBLE_EQ(m.theta_u, 100 * (0.25) / 4);
  EXPECT_DOUBLE_EQ(m.theta_o, 100 * (0.5) / 4);
  // sgn(ds) = [1, 0, 1], sgn(dd) = [0, 1, 0]: all three steps differ.
  EXPECT_DOUBLE_EQ(m.upsilon, 100);
  // ready + booting = 3, 3, 4, 4: one change.
  EXPECT_EQ(m.adaptations, 1);
  EXPECT_DOUBLE_EQ(m.inst_hours, 14);
  EXPECT_DOUBLE_EQ(m.demand_hours, 12);
}

TEST(ElasticityTest, OracleCoversTheBootWindowAhead) {
  // boot_steps = 1: desired[t] = max(d[t+1], d[t+2]) = 1,3,3,3,1,1 and d[6] last.
  // Launched at t=1, ready from t=3; scale-in at t=4 takes effect at t=5.
  // Replayed: ready 1,1,1,3,3,1,1 plus booting 0,0,2,0,0,0,0 -> 13 instance-steps
  // (elastic.py gives the same).
  std::vector<int> d = {1, 1, 1, 3, 3, 1, 1};
  EXPECT_DOUBLE_EQ(OracleInstanceHours(d, 1, Limits{1, 10}, 1, 3600), 13);
}

}  // namespace
}  // namespace prescale
