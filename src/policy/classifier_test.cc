#include "policy/classifier.h"

#include <gtest/gtest.h>

#include "policy/policy_test_util.h"

namespace prescale::policy {
namespace {

using test::CreatePolicy;
using test::FlatForecast;
using test::kStart;
using test::TestInput;

ClassifierVerdict Verdict(DemandClass c) {
  ClassifierVerdict v;
  Classification k;
  k.demand_class = c;
  k.confidence = 0.9;
  v.classification = k;
  return v;
}

ClassifierVerdict Failed(const char* why) {
  ClassifierVerdict v;
  v.error = why;
  return v;
}

// A classifier policy that needs no model file: the policy never loads one (the
// controller builds the classifier from Needs()).
std::unique_ptr<Policy> Make(const test::ParamList& settings = {}) {
  auto p = CreatePolicy("classifier", settings);
  if (!p.ok()) {
    ADD_FAILURE() << p.status().message();
    return nullptr;
  }
  return std::move(p).value();
}

TestInput Input(int current) {
  TestInput in;
  in.capacity = {current, current};
  in.observation.load_per_s = 10.0 * current;  // exactly the capacity: predictive holds
  in.observation.cpu_utilization = 1.0;
  in.forecast = FlatForecast(10.0 * current);
  return in;
}

TEST(ClassifierPolicyTest, ClassesMapToSeed2Signals) {
  EXPECT_EQ(SignalForClass(DemandClass::kLow, false), Seed2Signal::kDown);
  EXPECT_EQ(SignalForClass(DemandClass::kMedium, false), Seed2Signal::kHold);
  EXPECT_EQ(SignalForClass(DemandClass::kHigh, false), Seed2Signal::kUp);
  // The seed's own handle_predictive_scaling: 0 up, 1 down, 2 hold.
  EXPECT_EQ(SignalForClass(DemandClass::kLow, true), Seed2Signal::kUp);
  EXPECT_EQ(SignalForClass(DemandClass::kMedium, true), Seed2Signal::kDown);
  EXPECT_EQ(SignalForClass(DemandClass::kHigh, true), Seed2Signal::kHold);
}

TEST(ClassifierPolicyTest, NeedsAClassificationAndTheFallbacksForecast) {
  auto p = Make({{"model", "/models/m.json"}});
  ASSERT_NE(p, nullptr);
  PolicyNeeds n = p->Needs();
  EXPECT_TRUE(n.classification);
  EXPECT_EQ(n.classifier.type, "xgboost");
  EXPECT_EQ(*n.classifier.params.Text("model", ""), "/models/m.json");
  EXPECT_EQ(n.forecast_signal, Signal::kLoad);  // predictive's, for the fallback

  auto remote = Make({{"predictor_url", "http://127.0.0.1:8000/predict"}});
  ASSERT_NE(remote, nullptr);
  EXPECT_EQ(remote->Needs().classifier.type, "remote");
  EXPECT_EQ(*remote->Needs().classifier.params.Text("predictor_url", ""),
            "http://127.0.0.1:8000/predict");
}

TEST(ClassifierPolicyTest, SettingsAreChecked) {
  struct Case {
    const char* name;
    test::ParamList settings;
    const char* message;
  };
  const Case cases[] = {
      {"both model and url",
       {{"model", "m.json"}, {"predictor_url", "http://h:1"}},
       "exclude each other"},
      {"bad mapping", {{"class_mapping", "reverse"}}, "class_mapping"},
      {"bad timeout", {{"timeout_s", "-1"}}, "timeout_s"},
      {"fallback's setting checked", {{"target_utilization", "7"}}, "target_utilization"},
      {"unknown key", {{"modle", "m.json"}}, "modle"},
  };
  for (const Case& c : cases) {
    auto p = CreatePolicy("classifier", c.settings);
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_NE(p.status().message().find(c.message), std::string::npos)
        << c.name << ": " << p.status().message();
  }
}

TEST(ClassifierPolicyTest, Seed2RulesDriveTheClasses) {
  auto p = Make({{"consecutive_down", "3"}, {"cooldown_s", "120"}});
  ASSERT_NE(p, nullptr);
  auto state = p->NewState();
  TestInput in = Input(4);
  struct Step {
    DemandClass c;
    int want;
    Reason reason;
  };
  // Interval 60 s, cooldown 120 s, three consecutive downs.
  const Step steps[] = {
      {DemandClass::kHigh, 5, Reason::kScaleUp},             // +1 at once
      {DemandClass::kHigh, 5, Reason::kCooldown},            // 60 s later: in cooldown
      {DemandClass::kMedium, 5, Reason::kWithinTolerance},   // hold
      {DemandClass::kLow, 5, Reason::kAwaitingConsecutive},  // 1 of 3
      {DemandClass::kLow, 5, Reason::kAwaitingConsecutive},  // 2 of 3
      {DemandClass::kLow, 4, Reason::kScaleDown},            // 3 of 3: -1
  };
  int current = 4;
  for (std::size_t i = 0; i < std::size(steps); ++i) {
    in.capacity = {current, current};
    in.now = kStart + Duration(60.0 * i);
    ClassifierVerdict v = Verdict(steps[i].c);
    PolicyInput pi = in.Get();
    pi.classification = &v;
    Decision d = p->Decide(pi, *state);
    EXPECT_EQ(d.desired, steps[i].want) << "step " << i;
    EXPECT_EQ(d.reason, steps[i].reason) << "step " << i;
    current = d.desired;
  }
}

TEST(ClassifierPolicyTest, FailedClassificationFallsBackToPredictiveWithTheReason) {
  auto p = Make();
  ASSERT_NE(p, nullptr);
  auto predictive = CreatePolicy("predictive");
  ASSERT_TRUE(predictive.ok());
  TestInput in = Input(4);
  in.observation.load_per_s = 95;  // needs 10 instances at 10/s each
  in.forecast = FlatForecast(95);
  const ClassifierVerdict failed = Failed("connection refused");
  for (const ClassifierVerdict* v : {static_cast<const ClassifierVerdict*>(nullptr), &failed}) {
    auto state = p->NewState();
    PolicyInput pi = in.Get();
    pi.classification = v;
    Decision d = p->Decide(pi, *state);
    Decision want = test::DecideOnce(**predictive, in);
    EXPECT_EQ(d.desired, want.desired);
    EXPECT_GT(d.desired, 4);
    EXPECT_EQ(d.reason, Reason::kClassifierFallback);
    EXPECT_EQ(ReasonName(d.reason), "ClassifierFallback");
  }
}

TEST(ClassifierPolicyTest, AnomalyBlocksScaleInAndLimitsHold) {
  auto p = Make({{"consecutive_down", "1"}, {"cooldown_s", "0"}});
  ASSERT_NE(p, nullptr);
  auto state = p->NewState();
  TestInput in = Input(4);
  in.anomaly.anomaly = true;
  ClassifierVerdict low = Verdict(DemandClass::kLow);
  PolicyInput pi = in.Get();
  pi.classification = &low;
  EXPECT_EQ(p->Decide(pi, *state).reason, Reason::kAnomaly);
  // At the maximum, High holds.
  TestInput top = Input(100);
  ClassifierVerdict high = Verdict(DemandClass::kHigh);
  PolicyInput tp = top.Get();
  tp.classification = &high;
  Decision d = p->Decide(tp, *state);
  EXPECT_EQ(d.desired, 100);
  EXPECT_EQ(d.reason, Reason::kAtMaximum);
}

TEST(ClassifierPolicyTest, StateSurvivesSaveAndLoad) {
  auto p = Make({{"consecutive_down", "3"}});
  ASSERT_NE(p, nullptr);
  auto state = p->NewState();
  TestInput in = Input(4);
  ClassifierVerdict low = Verdict(DemandClass::kLow);
  for (int i = 0; i < 2; ++i) {
    in.now = kStart + Duration(60.0 * i);
    PolicyInput pi = in.Get();
    pi.classification = &low;
    p->Decide(pi, *state);
  }
  StateWriter w;
  state->Save(w);
  auto restored = p->NewState();
  StateReader r(w.text());
  ASSERT_TRUE(restored->Load(r).ok());
  in.now = kStart + Duration(120);
  PolicyInput pi = in.Get();
  pi.classification = &low;
  EXPECT_EQ(p->Decide(pi, *restored).reason, Reason::kScaleDown);  // the third down
  StateReader junk("garbage");
  EXPECT_FALSE(p->NewState()->Load(junk).ok());
}

}  // namespace
}  // namespace prescale::policy
