#include "features/model_features.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

namespace prescale {
namespace {

Seed2Features Example() { return Seed2ExamplePayload(); }

TEST(ModelFeaturesTest, SeedExampleEncodesAsThePythonPipelineWould) {
  std::array<float, kModelFeatures> row;
  ASSERT_TRUE(EncodeModelRow(Example(), row).ok());
  EXPECT_EQ(row[0], 45.5f);
  EXPECT_EQ(row[4], 1200000000.0f);
  // The interaction features, in double as pandas computes them, then to float.
  EXPECT_EQ(row[7], static_cast<float>(45.5 * 60.2));
  EXPECT_EQ(row[8], static_cast<float>(45.5 / (122.1 + 1e-5)));
  EXPECT_EQ(row[9], static_cast<float>(35.6 / (45.5 + 1e-5)));
  EXPECT_EQ(row[10], static_cast<float>(0.8 / (1200000000.0 + 1)));
  // compute / high: the categories reach the model (the seed's get_dummies loses them).
  const std::array<float, 6> one_hot = {1, 0, 0, 1, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(row[11 + i], one_hot[i]) << ModelFeatureNames()[11 + i];
}

TEST(ModelFeaturesTest, EveryCategoryHasItsOwnColumn) {
  for (int t = 0; t < 3; ++t) {
    for (int p = 0; p < 3; ++p) {
      Seed2Features f = Example();
      f.task_type = std::string(TaskTypes()[t]);
      f.task_priority = std::string(TaskPriorities()[p]);
      std::array<float, kModelFeatures> row;
      ASSERT_TRUE(EncodeModelRow(f, row).ok());
      for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(row[11 + i], i == t ? 1.0f : 0.0f) << f.task_type;
        EXPECT_EQ(row[14 + i], i == p ? 1.0f : 0.0f) << f.task_priority;
      }
    }
  }
}

TEST(ModelFeaturesTest, ColumnNamesMatchTheLayout) {
  EXPECT_EQ(ModelFeatureNames()[0], "cpu_usage");
  EXPECT_EQ(ModelFeatureNames()[7], "cpu_mem_product");
  EXPECT_EQ(ModelFeatureNames()[11], "task_type_compute");
  EXPECT_EQ(ModelFeatureNames()[16], "task_priority_low");
  EXPECT_EQ(Seed2InputNames()[8], "task_priority");
}

TEST(ModelFeaturesTest, BadFeaturesAreNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* name;
    void (*mutate)(Seed2Features&, double, double);
    const char* message;
  };
  const Case cases[] = {
      {"nan cpu", [](Seed2Features& f, double n, double) { f.cpu_usage = n; },
       "feature cpu_usage is not a finite number"},
      {"infinite power", [](Seed2Features& f, double, double i) { f.power_consumption = i; },
       "feature power_consumption is not a finite number"},
      {"negative network", [](Seed2Features& f, double, double) { f.network_traffic = -1; },
       "feature network_traffic is negative"},
      {"unknown type", [](Seed2Features& f, double, double) { f.task_type = "gpu"; },
       "feature task_type: unknown category 'gpu' (known: compute, network, io)"},
      {"capitalised priority", [](Seed2Features& f, double, double) { f.task_priority = "High"; },
       "feature task_priority: unknown category 'High' (known: high, medium, low)"},
      {"overflowing product",
       [](Seed2Features& f, double, double) { f.cpu_usage = f.memory_usage = 1e20; },
       "derived feature cpu_mem_product is too large"},
      {"beyond float", [](Seed2Features& f, double, double) { f.num_executed_instructions = 1e39; },
       "feature num_executed_instructions (1e+39) is too large"},
  };
  for (const Case& c : cases) {
    Seed2Features f = Example();
    c.mutate(f, nan, inf);
    std::array<float, kModelFeatures> row;
    Status s = EncodeModelRow(f, row);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.name << ": " << s.message();
  }
}

}  // namespace
}  // namespace prescale
