#include "actuators/dry_run.h"

#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "actuators/exec.h"
#include "actuators/simulated_cluster.h"

namespace prescale {
namespace {

// An inner actuator that counts what reaches it, with a toggle to fail Describe().
class CountingActuator final : public Actuator {
 public:
  struct Counts {
    int describes = 0;
    int sets = 0;
  };
  CountingActuator(Counts& counts, bool& fail_describe)
      : counts_(counts), fail_describe_(fail_describe) {}
  std::string_view name() const override { return "counting"; }
  Result<CapacityStatus> Describe(TimePoint /*now*/) override {
    ++counts_.describes;
    if (fail_describe_) return Status::Error("describe failed");
    return CapacityStatus{3, 2};
  }
  Status SetDesired(int /*desired*/, TimePoint /*now*/) override {
    ++counts_.sets;
    return Status::Ok();
  }

 private:
  Counts& counts_;
  bool& fail_describe_;
};

const TimePoint kNow = FromEpochSeconds(1000);

TEST(DryRunTest, NameWrapsTheInnerName) {
  CountingActuator::Counts counts;
  bool fail = false;
  DryRunActuator dry(std::make_unique<CountingActuator>(counts, fail));
  EXPECT_EQ(dry.name(), "dry-run(counting)");
  EXPECT_EQ(dry.inner().name(), "counting");
}

TEST(DryRunTest, SetDesiredNeverReachesTheInnerActuator) {
  CountingActuator::Counts counts;
  bool fail = false;
  DryRunActuator dry(std::make_unique<CountingActuator>(counts, fail));
  EXPECT_EQ(dry.would_set_count(), 0);
  EXPECT_FALSE(dry.last_would_set().has_value());

  const int sizes[] = {5, 6, 6, 2};
  for (int i = 0; i < 4; ++i) {
    TimePoint t = kNow + Duration(60.0 * i);
    ASSERT_TRUE(dry.SetDesired(sizes[i], t).ok());
    EXPECT_EQ(dry.would_set_count(), i + 1);
    EXPECT_EQ(dry.last_would_set(), sizes[i]);
    EXPECT_EQ(dry.last_would_set_time(), t);
  }
  EXPECT_EQ(counts.sets, 0);
  EXPECT_EQ(counts.describes, 0);
}

TEST(DryRunTest, DescribePassesThroughValuesAndErrors) {
  CountingActuator::Counts counts;
  bool fail = false;
  DryRunActuator dry(std::make_unique<CountingActuator>(counts, fail));
  auto ok = dry.Describe(kNow);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->desired, 3);
  EXPECT_EQ(ok->ready, 2);
  fail = true;
  auto bad = dry.Describe(kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "describe failed");
  EXPECT_EQ(counts.describes, 2);
}

TEST(DryRunTest, WrappedSimulatedClusterNeverChangesSize) {
  auto cluster = std::make_unique<SimulatedCluster>(Duration(60), Duration(0), 2, kNow);
  const SimulatedCluster* inner = cluster.get();
  std::unique_ptr<Actuator> dry = MakeDryRun(std::move(cluster));
  EXPECT_EQ(dry->name(), "dry-run(simulated)");
  for (int i = 0; i < 5; ++i) {
    TimePoint t = kNow + Duration(60.0 * i);
    auto status = dry->Describe(t);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->desired, 2);
    EXPECT_EQ(status->ready, 2);
    ASSERT_TRUE(dry->SetDesired(2 + i, t).ok());
  }
  EXPECT_EQ(inner->launched(), 0);
  EXPECT_EQ(inner->removed(), 0);
  auto* as_dry = dynamic_cast<DryRunActuator*>(dry.get());
  ASSERT_NE(as_dry, nullptr);
  EXPECT_EQ(as_dry->would_set_count(), 5);
  EXPECT_EQ(as_dry->last_would_set(), 6);
}

TEST(DryRunTest, WrappedExecNeverRunsItsCommand) {
  // If the command ran it would fail, and a real run would change exec's size.
  ExecOptions options;
  options.command = "exit 1 # {desired}";
  auto exec = std::make_unique<ExecActuator>(std::move(options), "web", 2);
  const ExecActuator* inner = exec.get();
  DryRunActuator dry(std::move(exec));
  EXPECT_EQ(dry.name(), "dry-run(exec)");
  ASSERT_TRUE(dry.SetDesired(7, kNow).ok());
  EXPECT_EQ(inner->last_set(), 2);
  auto status = dry.Describe(kNow);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->desired, 2);
  EXPECT_EQ(dry.last_would_set(), 7);
}

}  // namespace
}  // namespace prescale
