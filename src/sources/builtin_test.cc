#include <gtest/gtest.h>

#include "actuators/simulated_cluster.h"
#include "prescale/actuator.h"
#include "prescale/metric_source.h"

namespace prescale {
namespace {

TEST(SourceRegistryTest, UnknownSourceListsTheKnownOnes) {
  auto s = Sources().Create("synthetik", Params(), SourceContext{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "unknown source 'synthetik' (did you mean 'synthetic'?); known: cloudwatch, csv-replay, procfs, prometheus, synthetic");
}

TEST(SourceRegistryTest, SyntheticReadsLoadAndCompressesTime) {
  Params p;
  p.Set("noise", "0");
  p.Set("amplitude", "0.5");
  p.Set("base_per_s", "100");
  p.Set("time_scale", "24");
  auto s = Sources().Create("synthetic", p, SourceContext{});
  ASSERT_TRUE(s.ok()) << s.status().message();
  // With 24x compression, 10:00 of the workload's day is reached after 25 minutes.
  Observation low = (*s)->Read(TimePoint(Duration(4 * 3600 / 24.0)));
  Observation high = (*s)->Read(TimePoint(Duration(16 * 3600 / 24.0)));
  ASSERT_TRUE(low.load_per_s && high.load_per_s);
  EXPECT_NEAR(*low.load_per_s, 50, 1e-6);
  EXPECT_NEAR(*high.load_per_s, 150, 1e-6);
  EXPECT_FALSE(low.cpu_utilization);
}

TEST(SourceRegistryTest, BadSettingsNameTheKey) {
  Params p("source 'synthetic'");
  p.Set("amplitude", "3");
  auto s = Sources().Create("synthetic", p, SourceContext{});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("'amplitude' must be between 0 and 1"), std::string::npos)
      << s.status().message();
}

TEST(ActuatorRegistryTest, SimulatedFollowsTheCapacityModel) {
  ActuatorContext ctx;
  ctx.interval = Duration(60);
  ctx.boot_delay = Duration(120);
  ctx.initial = 3;
  auto a = Actuators().Create("simulated", Params(), ctx);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE((*a)->SetDesired(5, ctx.origin).ok());
  EXPECT_EQ((*a)->Describe(ctx.origin + Duration(120))->ready, 3);
  EXPECT_EQ((*a)->Describe(ctx.origin + Duration(180))->ready, 5);
}

TEST(ActuatorRegistryTest, UnknownActuatorListsTheKnownOnes) {
  auto a = Actuators().Create("aws", Params(), ActuatorContext{});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("known: aws-asg, exec, simulated"), std::string::npos);
}

}  // namespace
}  // namespace prescale
