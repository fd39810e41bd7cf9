#include "features/seed2_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

namespace prescale {
namespace {

Observation Obs(std::optional<double> cpu, std::optional<double> memory, std::optional<double> in,
                std::optional<double> out, std::optional<int> n) {
  Observation o;
  o.cpu_utilization = cpu;
  o.memory_utilization = memory;
  o.network_in_bytes_per_s = in;
  o.network_out_bytes_per_s = out;
  o.instances = n;
  return o;
}

// The expected values below were worked through the seed's Python step by step
// (calculate_derived_metrics, classify_task_type, classify_task_priority), and checked
// by running those functions in CPython 3.

// The README's example style: cpu 45.5 %, memory 60.2 %, heavy network, 2 instances
// in an ASG of 1..5.
TEST(Seed2FeaturesTest, SeedExampleStyleInputs) {
  auto f = ComputeSeed2Features(Obs(0.455, 0.602, 40e6, 24e6, 2), 1, 5);
  ASSERT_TRUE(f.has_value());
  // cpu_usage = round(45.5, 1)
  EXPECT_DOUBLE_EQ(f->cpu_usage, 45.5);
  // memory_usage = round(60.2, 1)
  EXPECT_DOUBLE_EQ(f->memory_usage, 60.2);
  EXPECT_FALSE(f->memory_estimated);
  // network_traffic = round((40e6 + 24e6) * 2 / 1048576, 1) = round(122.0703125, 1)
  EXPECT_DOUBLE_EQ(f->network_traffic, 122.1);
  EXPECT_FALSE(f->network_missing);
  // power = round(2 * (20 + 20 * 0.6 * 0.455), 1) = round(2 * 25.46, 1) = round(50.92, 1)
  EXPECT_DOUBLE_EQ(f->power_consumption, 50.9);
  // instructions = int(2 * 0.455 * 2400 * 1e6 * 2.5)
  EXPECT_DOUBLE_EQ(f->num_executed_instructions, 5460000000.0);
  // complexity = (45.5 + 60.2 + min(1221, 50)) / 3 = 51.9
  // execution_time = round((0.3 + 0.519 * 2) / max(1.6, 1), 2) = round(0.83625, 2)
  EXPECT_DOUBLE_EQ(f->execution_time, 0.84);
  // performance = (45.5 + 60.2) / 2 * 2 = 105.7
  // energy_efficiency = round(105.7 / 50.9, 4) = round(2.07662..., 4)
  EXPECT_DOUBLE_EQ(f->energy_efficiency, 2.0766);
  // 45.5 < max(122.1, 60.2); 122.1 >= max(45.5, 60.2)
  EXPECT_EQ(f->task_type, "network");
  // intensity = max(45.5, 60.2, min(244.2, 100)) = 100; 1 < 2 < 5; 100 > 80
  EXPECT_EQ(f->task_priority, "high");
  EXPECT_EQ(f->instance_count, 2);
}

TEST(Seed2FeaturesTest, ComputeBoundGroup) {
  auto f = ComputeSeed2Features(Obs(0.8237, 0.40, 1048576, 524288, 3), 1, 5);
  ASSERT_TRUE(f.has_value());
  // cpu_raw = round(82.37, 2); cpu_usage = round(82.37, 1)
  EXPECT_DOUBLE_EQ(f->cpu_usage, 82.4);
  EXPECT_DOUBLE_EQ(f->memory_usage, 40.0);
  // (1048576 + 524288) * 3 / 1048576 = 4.5
  EXPECT_DOUBLE_EQ(f->network_traffic, 4.5);
  // round(3 * (20 + 12 * 0.824), 1) = round(89.664, 1)
  EXPECT_DOUBLE_EQ(f->power_consumption, 89.7);
  // int(3 * 0.824 * 2400e6 * 2.5)
  EXPECT_DOUBLE_EQ(f->num_executed_instructions, 14832000000.0);
  // complexity = (82.4 + 40 + min(45, 50)) / 3 = 55.8
  // round((0.3 + 1.116) / 2.4, 2) = round(0.59, 2)
  EXPECT_DOUBLE_EQ(f->execution_time, 0.59);
  // round((82.4 + 40) / 2 * 3 / 89.7, 4) = round(183.6 / 89.7, 4) = round(2.04682..., 4)
  EXPECT_DOUBLE_EQ(f->energy_efficiency, 2.0468);
  EXPECT_EQ(f->task_type, "compute");   // 82.4 >= max(4.5, 40)
  EXPECT_EQ(f->task_priority, "high");  // intensity 82.4 > 80
}

TEST(Seed2FeaturesTest, RoundingOfEveryFeatureAtTheMaxCapacity) {
  // 4 instances of at most 4; network in only, 2.5 MiB/s per instance.
  auto f = ComputeSeed2Features(Obs(0.1234, 0.7006, 2.5 * 1048576, 0, 4), 1, 4);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->cpu_usage, 12.3);        // round(12.34, 1)
  EXPECT_DOUBLE_EQ(f->memory_usage, 70.1);     // round(70.06, 1)
  EXPECT_DOUBLE_EQ(f->network_traffic, 10.0);  // 2.5 * 4
  // round(4 * (20 + 12 * 0.123), 1) = round(85.904, 1)
  EXPECT_DOUBLE_EQ(f->power_consumption, 85.9);
  // int(4 * 0.123 * 2400e6 * 2.5) = int(2952000000.0000005): truncated
  EXPECT_DOUBLE_EQ(f->num_executed_instructions, 2952000000.0);
  // complexity = (12.3 + 70.1 + min(100, 50)) / 3 = 44.1333...
  // round((0.3 + 0.882666...) / 3.2, 2) = round(0.369583..., 2)
  EXPECT_DOUBLE_EQ(f->execution_time, 0.37);
  // round((12.3 + 70.1) / 2 * 4 / 85.9, 4) = round(1.918509..., 4)
  EXPECT_DOUBLE_EQ(f->energy_efficiency, 1.9185);
  EXPECT_EQ(f->task_type, "io");  // memory dominates
  // intensity = max(12.3, 70.1, 20) = 70.1: at max, but not below 30; 50 < 70.1 <= 80
  EXPECT_EQ(f->task_priority, "medium");
}

TEST(Seed2FeaturesTest, MissingMemoryIsEstimatedWithoutNoise) {
  auto f = ComputeSeed2Features(Obs(0.30, std::nullopt, std::nullopt, std::nullopt, 1), 1, 4);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->memory_estimated);
  EXPECT_TRUE(f->network_missing);
  EXPECT_DOUBLE_EQ(f->cpu_usage, 30.0);
  // round(min(30 * 1.2, 95), 1): the seed's estimate without its N(0, 5) noise
  EXPECT_DOUBLE_EQ(f->memory_usage, 36.0);
  EXPECT_DOUBLE_EQ(f->network_traffic, 0.0);     // missing counts as 0, as in the seed
  EXPECT_DOUBLE_EQ(f->power_consumption, 23.6);  // 1 * (20 + 12 * 0.3)
  EXPECT_DOUBLE_EQ(f->num_executed_instructions, 1800000000.0);  // 0.3 * 2400e6 * 2.5
  // complexity = (30 + 36 + 0) / 3 = 22; (0.3 + 0.44) / max(0.8, 1) = 0.74
  EXPECT_DOUBLE_EQ(f->execution_time, 0.74);
  // (30 + 36) / 2 * 1 / 23.6 = 1.398305...
  EXPECT_DOUBLE_EQ(f->energy_efficiency, 1.3983);
  EXPECT_EQ(f->task_type, "io");       // the estimate exceeds the CPU for 0 < CPU < 95 %
  EXPECT_EQ(f->task_priority, "low");  // at min, but intensity 36 <= 60

  // Deterministic: the same input gives the same features.
  auto again = ComputeSeed2Features(Obs(0.30, std::nullopt, std::nullopt, std::nullopt, 1), 1, 4);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->memory_usage, f->memory_usage);

  // The estimate is capped at 95: min(90 * 1.2, 95).
  auto busy = ComputeSeed2Features(Obs(0.90, std::nullopt, 0, 0, 1), 1, 4);
  ASSERT_TRUE(busy.has_value());
  EXPECT_DOUBLE_EQ(busy->memory_usage, 95.0);
  EXPECT_FALSE(busy->network_missing);

  // NaN counts as missing; a measured 0 % is kept.
  auto nan =
      ComputeSeed2Features(Obs(0.30, std::numeric_limits<double>::quiet_NaN(), 0, 0, 1), 1, 4);
  ASSERT_TRUE(nan.has_value());
  EXPECT_TRUE(nan->memory_estimated);
  EXPECT_DOUBLE_EQ(nan->memory_usage, 36.0);
  auto zero = ComputeSeed2Features(Obs(0.30, 0.0, 0, 0, 1), 1, 4);
  ASSERT_TRUE(zero.has_value());
  EXPECT_FALSE(zero->memory_estimated);
  EXPECT_DOUBLE_EQ(zero->memory_usage, 0.0);
}

TEST(Seed2FeaturesTest, MissingCpuOrInstancesGivesNothing) {
  struct Case {
    const char* name;
    Observation obs;
  };
  const Case cases[] = {
      {"no cpu", Obs(std::nullopt, 0.5, 1, 1, 2)},
      {"NaN cpu", Obs(std::numeric_limits<double>::quiet_NaN(), 0.5, 1, 1, 2)},
      {"no instances", Obs(0.5, 0.5, 1, 1, std::nullopt)},
      {"zero instances", Obs(0.5, 0.5, 1, 1, 0)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(ComputeSeed2Features(c.obs, 1, 5).has_value());
  }
}

TEST(Seed2FeaturesTest, PercentagesAreRebuiltAsTheSeedSawThem) {
  // 0.0145 * 100 is 1.4500000000000002, which would round up to 1.5. CloudWatch
  // would have reported 1.45 (rounded to 2 decimals), stored as 1.44999..., and the
  // seed's round(1.45, 1) is 1.4.
  auto f = ComputeSeed2Features(Obs(0.0145, 0.0145, 0, 0, 1), 1, 5);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->cpu_usage, 1.4);
  EXPECT_DOUBLE_EQ(f->memory_usage, 1.4);
}

TEST(Seed2FeaturesTest, TaskType) {
  struct Case {
    const char* name;
    double cpu, memory, network;
    const char* want;
  };
  const Case cases[] = {
      {"cpu dominates", 80, 50, 10, "compute"},       {"cpu ties memory", 50, 50, 10, "compute"},
      {"cpu ties network", 50, 20, 50, "compute"},    {"network dominates", 30, 40, 60, "network"},
      {"network ties memory", 30, 60, 60, "network"}, {"memory dominates", 30, 60, 10, "io"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ClassifySeed2TaskType(c.cpu, c.memory, c.network), c.want);
  }
}

TEST(Seed2FeaturesTest, TaskPriority) {
  struct Case {
    const char* name;
    double cpu, memory, network;
    int n, min, max;
    const char* want;
  };
  const Case cases[] = {
      {"at min and busy", 65, 0, 0, 1, 1, 5, "high"},
      {"at min, 60 is not busy", 60, 0, 0, 1, 1, 5, "medium"},
      {"above min, same load", 65, 0, 0, 2, 1, 5, "medium"},
      {"below min counts as at min", 61, 0, 0, 1, 2, 5, "high"},
      {"at max and idle", 25, 0, 0, 5, 1, 5, "low"},
      {"at max and stressed", 85, 0, 0, 5, 1, 5, "high"},
      {"at max, 30 is not idle", 30, 0, 0, 5, 1, 5, "low"},
      {"min rule before max rule", 65, 0, 0, 3, 3, 3, "high"},
      {"min == max == n, idle", 20, 0, 0, 3, 3, 3, "low"},
      {"stressed", 81, 0, 0, 2, 1, 5, "high"},
      {"80 is not stressed", 80, 0, 0, 2, 1, 5, "medium"},
      {"medium", 51, 0, 0, 2, 1, 5, "medium"},
      {"50 is low", 50, 0, 0, 2, 1, 5, "low"},
      {"memory counts", 10, 85, 0, 2, 1, 5, "high"},
      {"network counts double", 10, 10, 41, 2, 1, 5, "high"},
      {"network capped at 100", 10, 10, 70, 2, 1, 5, "high"},
      {"network 26 MB/s is 52", 10, 10, 26, 2, 1, 5, "medium"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ClassifySeed2TaskPriority(c.cpu, c.memory, c.network, c.n, c.min, c.max), c.want);
  }
}

TEST(Seed2FeaturesTest, PythonRoundMatchesCPython) {
  struct Case {
    double x;
    int ndigits;
    double want;  // CPython 3's round(x, ndigits)
  };
  const Case cases[] = {
      {2.675, 2, 2.67},  // stored as 2.67499999...
      {0.125, 2, 0.12},  // an exact tie goes to even
      {0.375, 2, 0.38},  // an exact tie goes to even
      {45.25, 1, 45.2},  // an exact tie goes to even
      {45.35, 1, 45.4},  // stored as 45.35000000000000142...
      {2.5, 0, 2.0},           {3.5, 0, 4.0},   {1.23456789, 4, 1.2346}, {0.83625, 2, 0.84},
      {122.0703125, 1, 122.1}, {1e20, 1, 1e20}, {-1.25, 1, -1.2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.x);
    EXPECT_EQ(PythonRound(c.x, c.ndigits), c.want);
  }
  EXPECT_TRUE(std::signbit(PythonRound(-0.04, 1)));  // -0.0, as in CPython
  EXPECT_TRUE(std::isinf(PythonRound(std::numeric_limits<double>::infinity(), 2)));
  EXPECT_TRUE(std::isnan(PythonRound(std::numeric_limits<double>::quiet_NaN(), 2)));
}

}  // namespace
}  // namespace prescale
