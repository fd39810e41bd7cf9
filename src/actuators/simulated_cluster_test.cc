#include "actuators/simulated_cluster.h"

#include <gtest/gtest.h>

#include <vector>

namespace prescale {
namespace {

// A hand-computed 10-step run, boot delay 120 s at 60 s steps (boot_steps = 2),
// starting from 2 ready instances:
//   t=1 asks 4: two launch, ready from interval 1+1+2 = 4;
//   t=3 asks 3: the newest booting instance is cancelled first;
//   t=4 asks 5: two launch, ready from interval 7;
//   t=5 asks 1: both booting are cancelled, then two ready ones go (from t=6);
//   t=7 asks 2: one launches, ready from interval 10 (after the run).
// The same numbers come out of ../shared/bench/elastic.py's replay().
TEST(SimulatedClusterTest, HandComputedTenSteps) {
  const std::vector<int> desired = {2, 4, 4, 3, 5, 1, 1, 2, 2, 2};
  const std::vector<int> want_ready = {2, 2, 2, 2, 3, 3, 1, 1, 1, 1};
  const std::vector<int> want_booting = {0, 0, 2, 2, 0, 2, 0, 0, 1, 1};
  const TimePoint origin = FromEpochSeconds(1000);
  SimulatedCluster cluster(Duration(60), Duration(120), 2, origin);
  ASSERT_EQ(cluster.boot_steps(), 2);
  for (int t = 0; t < 10; ++t) {
    SCOPED_TRACE(t);
    TimePoint now = origin + Duration(60.0 * t);
    auto status = cluster.Describe(now);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->ready, want_ready[t]);
    EXPECT_EQ(status->booting(), want_booting[t]);
    ASSERT_TRUE(cluster.SetDesired(desired[t], now).ok());
  }
  EXPECT_EQ(cluster.launched(), 5);
  EXPECT_EQ(cluster.removed(), 1 + 4);
}

TEST(SimulatedClusterTest, BootDelayRoundsUpToWholeSteps) {
  struct Case {
    const char* name;
    double boot_s, step_s;
    int want;
  };
  const Case cases[] = {
      {"exact", 180, 60, 3}, {"rounds up", 181, 60, 4}, {"zero", 0, 60, 0},
      {"shorter than a step", 180, 300, 1}, {"float noise", 0.3, 0.1, 3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(BootSteps(Duration(c.boot_s), Duration(c.step_s)), c.want);
  }
}

TEST(SimulatedClusterTest, ZeroBootDelayIsReadyNextInterval) {
  SimulatedCluster cluster(Duration(60), Duration(0), 1, TimePoint());
  cluster.SetDesiredAt(0, 3);
  cluster.AdvanceTo(0);
  EXPECT_EQ(cluster.ready(), 1);
  cluster.AdvanceTo(1);
  EXPECT_EQ(cluster.ready(), 3);
  EXPECT_EQ(cluster.booting(), 0);
}

TEST(SimulatedClusterTest, LaunchesInOneTickShareABatch) {
  SimulatedCluster cluster(Duration(60), Duration(60), 1, TimePoint());
  cluster.SetDesiredAt(0, 3);
  cluster.SetDesiredAt(0, 5);  // a second call in the same tick adds to the batch
  EXPECT_EQ(cluster.booting(), 4);
  cluster.SetDesiredAt(0, 2);  // cancels three of them, newest first
  EXPECT_EQ(cluster.booting(), 1);
  cluster.AdvanceTo(2);
  EXPECT_EQ(cluster.ready(), 2);
}

}  // namespace
}  // namespace prescale
