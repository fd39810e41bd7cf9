#include "sim/labels.h"

#include <gtest/gtest.h>

#include <map>

#include "sim/elasticity.h"

namespace prescale {
namespace {

Trace Ramp(std::vector<double> loads) {
  Trace t;
  t.name = "ramp";
  t.columns = {"timestamp", "value"};
  t.step_s = 60;
  for (std::size_t i = 0; i < loads.size(); ++i) {
    t.timestamps_s.push_back(60.0 * i);
    t.values.push_back(loads[i]);
  }
  return t;
}

TEST(OracleDesiredTest, TakesTheMaxDemandOverTheHorizon) {
  // boot_steps 1: desired[t] = max(demand[t+1], demand[t+2]).
  EXPECT_EQ(OracleDesired({1, 2, 5, 3, 1}, 1, Limits{1, 4}), (std::vector<int>{4, 4, 3, 1, 1}));
}

TEST(LabelTraceTest, LabelsEachSizeByTheOraclesChange) {
  OracleLabelOptions o;
  o.capacity_per_instance = 10;
  o.boot_delay = Duration(60);  // one step
  auto rows = LabelTraceByOracle(Ramp({50, 50, 50, 50, 100, 100}), o);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_FALSE(rows->empty());
  // Row 0: the oracle wants max(demand[1], demand[2]) = 5. CPU at size c is
  // min(1, 50 / (10 c)), so the label follows CPU: a size under 5 is saturated and
  // High, 5 is Medium, above 5 is Low.
  std::map<int, DemandClass> row0;
  for (const auto& r : *rows) {
    if (r.features.cpu_usage == 100 && r.features.instance_count < 5) {
      EXPECT_EQ(r.label, DemandClass::kHigh);
    }
  }
  int t0 = 0;
  for (const auto& r : *rows) {
    // The first row's sizes come first, in increasing order.
    if (t0 > 0 && r.features.instance_count <= row0.rbegin()->first) break;
    row0[r.features.instance_count] = r.label;
    ++t0;
  }
  EXPECT_EQ(row0.at(3), DemandClass::kHigh);
  EXPECT_EQ(row0.at(4), DemandClass::kHigh);
  EXPECT_EQ(row0.at(5), DemandClass::kMedium);
  EXPECT_EQ(row0.at(6), DemandClass::kLow);
  EXPECT_EQ(row0.at(7), DemandClass::kLow);
}

TEST(LabelTraceTest, IsDeterministicAndChecksItsInputs) {
  OracleLabelOptions o;
  o.capacity_per_instance = 7;
  auto a = LabelTraceByOracle(Ramp({10, 40, 90, 30, 20, 80, 60}), o);
  auto b = LabelTraceByOracle(Ramp({10, 40, 90, 30, 20, 80, 60}), o);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].label, (*b)[i].label);
    EXPECT_EQ((*a)[i].features.instance_count, (*b)[i].features.instance_count);
  }
  o.capacity_per_instance = 0;
  EXPECT_FALSE(LabelTraceByOracle(Ramp({1, 2, 3}), o).ok());
  o.capacity_per_instance = 1;
  EXPECT_FALSE(LabelTraceByOracle(Ramp({1}), o).ok());
}

}  // namespace
}  // namespace prescale
