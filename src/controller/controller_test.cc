#include "controller/controller.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

#include "prescale/clock.h"

namespace prescale {
namespace {

// A source whose next observation the test sets.
class FakeSource final : public MetricSource {
 public:
  std::string_view name() const override { return "fake"; }
  Observation Read(TimePoint now) override {
    Observation o = next;
    o.time = now;
    ++reads;
    return o;
  }
  Observation next;
  int reads = 0;
};

// An actuator with fault toggles (STYLE.md: faults from wrapper fakes).
class FakeActuator final : public Actuator {
 public:
  std::string_view name() const override { return "fake"; }
  Result<CapacityStatus> Describe(TimePoint) override {
    if (fail_describe) return Status::Error("describe failed");
    return CapacityStatus{desired, desired};
  }
  Status SetDesired(int d, TimePoint) override {
    ++set_calls;
    if (fail_set) return Status::Error("set failed");
    desired = d;
    return Status::Ok();
  }
  int desired = 2;
  int set_calls = 0;
  bool fail_describe = false;
  bool fail_set = false;
};

class Recording final : public Recorder {
 public:
  void Record(const GroupSpec&, const StepRecord& r) override {
    decisions.push_back(r.decision);
    errors.push_back(r.error.ok() ? "" : r.error.message());
  }
  std::vector<Decision> decisions;
  std::vector<std::string> errors;
};

class ControllerTest : public testing::Test {
 protected:
  Controller Make(const std::string& policy, Params params = Params()) {
    group_.limits = Limits{1, 10};
    group_.interval = Duration(60);
    group_.capacity_per_instance = 10;
    PluginSpec p{policy, std::move(params), {}};
    auto parts = Controller::BuildParts(group_, p, PluginSpec{}, PluginSpec{"none", {}, {}});
    EXPECT_TRUE(parts.ok()) << parts.status().message();
    return Controller(group_, source_, actuator_, std::move(parts.value()), &recording_);
  }
  TimePoint Tick() { return clock_.Now() + Duration(60) * static_cast<double>(++ticks_); }

  GroupSpec group_;
  FakeSource source_;
  FakeActuator actuator_;
  Recording recording_;
  SimulatedClock clock_{FromEpochSeconds(1'700'000'000)};
  int ticks_ = 0;
};

TEST_F(ControllerTest, ScalesThroughTheActuatorAndRecords) {
  Controller c = Make("hpa");
  source_.next.load_per_s = 60;  // 6 instances at 10/s and target 0.6 -> 10
  const StepRecord& r = c.Step(Tick());
  EXPECT_EQ(r.before.desired, 2);
  // 60/s at 10/s per instance and target 0.6 needs 10; the scale-up limit over four
  // 15 s periods (2 -> 6 -> 12 -> ...) allows it.
  EXPECT_EQ(r.decision.desired, 10);
  EXPECT_TRUE(r.acted);
  EXPECT_EQ(actuator_.desired, r.decision.desired);
  EXPECT_EQ(c.stats().actions, 1);
  ASSERT_EQ(recording_.decisions.size(), 1u);
}

TEST_F(ControllerTest, DecisionsStayWithinLimits) {
  Controller c = Make("hpa");
  source_.next.load_per_s = 1e6;
  for (int i = 0; i < 5; ++i) c.Step(Tick());
  EXPECT_EQ(actuator_.desired, 10);
  EXPECT_EQ(recording_.decisions.back().reason, Reason::kAtMaximum);
}

TEST_F(ControllerTest, MissingMetricsHoldAndAreCounted) {
  Controller c = Make("hpa");
  actuator_.desired = 5;
  source_.next.error = "prometheus: connection refused";
  const StepRecord& r = c.Step(Tick());
  EXPECT_EQ(r.decision.desired, 5);
  EXPECT_EQ(r.decision.reason, Reason::kMissingData);
  EXPECT_EQ(actuator_.set_calls, 0);
  EXPECT_EQ(c.stats().missing_data, 1);
  EXPECT_EQ(c.stats().source_errors, 1);
}

TEST_F(ControllerTest, DescribeFailureHoldsWithoutActing) {
  Controller c = Make("hpa");
  source_.next.load_per_s = 100;
  actuator_.fail_describe = true;
  const StepRecord& r = c.Step(Tick());
  EXPECT_EQ(r.decision.action, Action::kHold);
  EXPECT_FALSE(r.error.ok());
  EXPECT_EQ(actuator_.set_calls, 0);
  EXPECT_EQ(c.stats().actuator_errors, 1);
}

// A failed action leaves the policy state as it was, so the next tick retries the
// same decision rather than believing it happened (seed 2's cooldown would
// otherwise start on an action that never took place).
TEST_F(ControllerTest, FailedActionRollsBackPolicyState) {
  Params p("policy 'seed2'");
  Controller c = Make("seed2", p);
  source_.next.cpu_utilization = 0.9;  // seed 2: up
  actuator_.fail_set = true;
  EXPECT_FALSE(c.Step(Tick()).acted);
  EXPECT_EQ(actuator_.desired, 2);
  actuator_.fail_set = false;
  // Had the state kept the failed action, this would be "in cooldown period".
  const StepRecord& r = c.Step(Tick());
  EXPECT_TRUE(r.acted);
  EXPECT_EQ(actuator_.desired, 3);
  EXPECT_EQ(actuator_.set_calls, 2);
  // Now the cooldown is real.
  EXPECT_EQ(c.Step(Tick()).decision.reason, Reason::kCooldown);
  EXPECT_EQ(actuator_.set_calls, 2);
}

// The predictive policy's state follows the load and its own shadow decisions, not the
// group's actions (PolicyNeeds::roll_back_untaken): an interval whose action failed
// still teaches it, where seed 2's above is rolled back.
TEST_F(ControllerTest, FailedActionKeepsWhatThePredictivePolicyLearnt) {
  Controller c = Make("predictive");
  source_.next.load_per_s = 10;
  for (int i = 0; i < 3; ++i) c.Step(Tick());
  ASSERT_EQ(actuator_.set_calls, 0);
  const std::string before = c.SaveState(false).policy;
  source_.next.load_per_s = 500;  // needs far more than one instance
  actuator_.fail_set = true;
  const StepRecord& r = c.Step(Tick());
  EXPECT_FALSE(r.acted);
  EXPECT_EQ(r.decision.reason, Reason::kActuatorError);
  EXPECT_EQ(actuator_.set_calls, 1);
  EXPECT_NE(c.SaveState(false).policy, before);
}

TEST_F(ControllerTest, UnknownPluginsAreErrorsListingTheKnown) {
  GroupSpec g;
  auto parts = Controller::BuildParts(g, PluginSpec{"predictive", {}, {}},
                                      PluginSpec{"prophet", {}, {}}, PluginSpec{});
  ASSERT_FALSE(parts.ok());
  EXPECT_NE(parts.status().message().find("known: auto, holt-winters, linear, naive, percentile, recent-max, seasonal-naive"), std::string::npos)
      << parts.status().message();
  parts = Controller::BuildParts(g, PluginSpec{}, PluginSpec{}, PluginSpec{"isolation", {}, {}});
  ASSERT_FALSE(parts.ok());
  EXPECT_NE(parts.status().message().find("known: mad, none, surprise, zscore"), std::string::npos);
}

// A forecaster that records what it was fed and forecasts the last value it learned.
class RecordingForecaster final : public Forecaster {
 public:
  explicit RecordingForecaster(std::vector<std::optional<double>>& fed) : fed_(fed) {}
  std::string_view name() const override { return "recording"; }
  void Observe(std::optional<double> v) override {
    fed_.push_back(v);
    if (v) last_ = *v;
  }
  void Forecast(int horizon, double quantile, ForecastResult& out) const override {
    out.point.assign(static_cast<std::size_t>(horizon), last_);
    out.upper.assign(static_cast<std::size_t>(horizon), last_);
    out.quantile = quantile;
    out.ready = true;
  }
  void Save(StateWriter&) const override {}
  Status Load(StateReader& r) override { return r.Finish(); }

 private:
  std::vector<std::optional<double>>& fed_;
  double last_ = 0;
};

// Flags every value above 100.
class AboveHundred final : public AnomalyDetector {
 public:
  std::string_view name() const override { return "above-100"; }
  AnomalyResult Update(std::optional<double> v) override {
    const bool flag = v && *v > 100;
    return {.score = flag ? 1.0 : 0.0, .anomaly = flag};
  }
  void Save(StateWriter&) const override {}
  Status Load(StateReader& r) override { return r.Finish(); }
};

class ControllerMaskingTest : public ControllerTest {
 protected:
  Controller MakeMasking() {
    group_.limits = Limits{1, 100};
    group_.interval = Duration(60);
    group_.capacity_per_instance = 10;
    Controller::Parts parts;
    auto policy = Policies().Create("predictive", Params(),
                                    PolicyContext{group_.interval, group_.boot_delay});
    EXPECT_TRUE(policy.ok()) << policy.status().message();
    parts.policy = std::move(policy.value());
    parts.forecaster = std::make_unique<RecordingForecaster>(fed_);
    parts.detector = std::make_unique<AboveHundred>();
    return Controller(group_, source_, actuator_, std::move(parts), &recording_);
  }
  const StepRecord& StepWith(Controller& c, double load) {
    source_.next = Observation{};
    source_.next.load_per_s = load;
    return c.Step(Tick());
  }
  std::vector<std::optional<double>> fed_;
};

TEST_F(ControllerMaskingTest, FlaggedValuesReachTheForecasterAsGapsAndThePolicyAsThemselves) {
  Controller c = MakeMasking();
  EXPECT_FALSE(StepWith(c, 50).forecast_masked);
  const StepRecord& spike = StepWith(c, 500);
  EXPECT_TRUE(spike.anomaly.anomaly);
  EXPECT_TRUE(spike.forecast_masked);
  // The policy still saw 500/s: its reactive floor sizes for it (500 / 10 per instance).
  EXPECT_GE(spike.decision.desired, 50);
  ASSERT_TRUE(spike.series_value.has_value());
  EXPECT_EQ(*spike.series_value, 500);
  EXPECT_FALSE(StepWith(c, 60).forecast_masked);
  EXPECT_EQ(fed_, (std::vector<std::optional<double>>{50, std::nullopt, 60}));
}

// A restart whose models were saved some intervals ago feeds those intervals to them
// as missing values (Daemon, on restore), so that their seasons keep phase.
TEST_F(ControllerMaskingTest, SkippedIntervalsReachTheModelsAsMissingValues) {
  Controller c = MakeMasking();
  StepWith(c, 50);
  EXPECT_EQ(c.SkipIntervals(3), 3);
  EXPECT_EQ(c.SkipIntervals(0), 0);
  EXPECT_EQ(c.SkipIntervals(-5), 0);
  StepWith(c, 60);
  EXPECT_EQ(fed_,
            (std::vector<std::optional<double>>{50, std::nullopt, std::nullopt, std::nullopt, 60}));
}

TEST_F(ControllerMaskingTest, ALongGapKeepsOnlyTheWeeksPhase) {
  Controller c = MakeMasking();  // 60 s: a week is 10,080 intervals
  const std::int64_t max = Controller::kMaxGapIntervals;
  EXPECT_EQ(c.SkipIntervals(max), max);
  EXPECT_EQ(c.SkipIntervals(max + 10080 * 3 + 7), max + 7);
  EXPECT_EQ(static_cast<std::int64_t>(fed_.size()), 2 * max + 7);
}

TEST_F(ControllerMaskingTest, MaskingIsBoundedSoALastingChangeIsLearned) {
  Controller c = MakeMasking();
  const int kLong = Controller::kMaxMaskedSteps + 10;
  for (int i = 0; i < kLong; ++i) {
    const StepRecord& r = StepWith(c, 200);
    EXPECT_TRUE(r.anomaly.anomaly) << "step " << i;
    EXPECT_EQ(r.forecast_masked, i < Controller::kMaxMaskedSteps) << "step " << i;
  }
  // The forecaster saw the new level after the bound, and forecasts it.
  ASSERT_EQ(static_cast<int>(fed_.size()), kLong);
  EXPECT_EQ(fed_.back(), 200);
  EXPECT_EQ(c.forecaster()->name(), "recording");
  // An unflagged value resets the count: the next anomaly is masked again.
  EXPECT_FALSE(StepWith(c, 50).forecast_masked);
  EXPECT_TRUE(StepWith(c, 300).forecast_masked);
}

TEST_F(ControllerMaskingTest, MissingValuesAreNotCountedAsMasked) {
  Controller c = MakeMasking();
  source_.next = Observation{};  // no load at all
  const StepRecord& r = c.Step(Tick());
  EXPECT_FALSE(r.forecast_masked);
  ASSERT_EQ(fed_.size(), 1u);
  EXPECT_FALSE(fed_[0].has_value());
}

}  // namespace
}  // namespace prescale
