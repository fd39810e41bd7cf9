#include "actuators/aws_asg.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/fake/test_session.h"
#include "controller/controller.h"
#include "daemon/daemon.h"
#include "sources/cloudwatch.h"

namespace prescale {
namespace {

namespace fs = std::filesystem;
using aws::FakeAws;
using aws::Fault;
using aws::FaultKind;
const TimePoint kStart = FromEpochSeconds(1'705'312'800);

class AwsAsgTest : public testing::Test {
 protected:
  void Start(Duration boot_delay = Duration(0)) {
    FakeAws::Options o;
    o.clock = &clock_;
    o.boot_delay = boot_delay;
    fake_ = std::make_unique<FakeAws>(o);
    ASSERT_TRUE(fake_->running());
    fake_->AddKey(aws::kTestKey);
    fake_->AddGroup("asg-prod", 1, 5, 2);
  }
  std::unique_ptr<aws::Session> Session(Duration timeout = Duration(1)) {
    aws::TestSessionOptions o;
    o.timeout = timeout;
    auto s = aws::MakeTestSession(*fake_, clock_, o);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return std::move(*s);
  }
  std::unique_ptr<AwsAsgActuator> Make(Duration timeout = Duration(1)) {
    return std::make_unique<AwsAsgActuator>(Session(timeout), "asg-prod", "web");
  }
  // The real actuator and source on the fake, under seed 2's rules at 10 s.
  struct Loop {
    std::unique_ptr<AwsAsgActuator> actuator;
    std::unique_ptr<CloudWatchSource> source;
    std::unique_ptr<Controller> controller;
  };
  Loop MakeLoop(Limits limits, Params policy = Params(), Duration timeout = Duration(1)) {
    Loop l;
    l.actuator = Make(timeout);
    CloudWatchConfig cw;
    cw.asg_name = "asg-prod";
    l.source = std::make_unique<CloudWatchSource>(
        cw, Session(timeout), SourceContext{"web", Duration(10), Aggregation::kMean, &clock_});
    GroupSpec spec;
    spec.name = "web";
    spec.interval = Duration(10);
    spec.limits = limits;
    auto parts = Controller::BuildParts(spec, PluginSpec{"seed2", std::move(policy), {}},
                                        PluginSpec{}, PluginSpec{"none", Params(), {}});
    EXPECT_TRUE(parts.ok()) << parts.status().message();
    l.controller =
        std::make_unique<Controller>(spec, *l.source, *l.actuator, std::move(*parts), nullptr);
    return l;
  }
  SimulatedClock clock_{kStart};
  std::unique_ptr<FakeAws> fake_;
};

TEST_F(AwsAsgTest, DescribesSizeReadinessAndTheGroupsOwnLimits) {
  Start(Duration(120));
  auto a = Make();
  EXPECT_FALSE(a->PlatformLimits());
  auto d = a->Describe(kStart);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->desired, 2);
  EXPECT_EQ(d->ready, 2);
  ASSERT_TRUE(a->PlatformLimits());
  EXPECT_EQ(a->PlatformLimits()->min, 1);
  EXPECT_EQ(a->PlatformLimits()->max, 5);
  ASSERT_TRUE(a->SetDesired(4, kStart).ok());
  d = a->Describe(kStart);
  EXPECT_EQ(d->desired, 4);
  EXPECT_EQ(d->ready, 2) << "the new instances are Pending";
  EXPECT_EQ(a->verified_sets(), 1);
  clock_.Advance(Duration(120));
  EXPECT_EQ(a->Describe(clock_.Now())->ready, 4);
}

TEST_F(AwsAsgTest, ASizeOutsideTheGroupsLimitsIsRefusedWithoutACall) {
  Start();
  auto a = Make();
  ASSERT_TRUE(a->Describe(kStart).ok());
  Status s = a->SetDesired(6, kStart);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "aws-asg actuator for group web (Auto Scaling group asg-prod): size 6 is outside the "
            "group's MinSize 1 and MaxSize 5");
  EXPECT_EQ(fake_->Requests("SetDesiredCapacity"), 0);
}

TEST_F(AwsAsgTest, AnUnknownGroupIsAClearError) {
  Start();
  AwsAsgActuator a(Session(), "nope", "web");
  auto d = a.Describe(kStart);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "aws-asg actuator for group web (Auto Scaling group nope): Auto Scaling group 'nope' "
            "not found in us-east-1");
}

struct SetFaultCase {
  const char* name;
  FaultKind fault;
  bool want_ok;
  int want_set_requests;
  std::vector<int> want_applied;
  int want_describes;  // verifications between attempts
};

class AwsAsgFaultTest : public AwsAsgTest, public testing::WithParamInterface<SetFaultCase> {};

TEST_P(AwsAsgFaultTest, NeverSetsTwice) {
  const SetFaultCase& c = GetParam();
  Start();
  auto a = Make(Duration(0.3));
  ASSERT_TRUE(a->Describe(kStart).ok());
  fake_->Inject("SetDesiredCapacity", Fault{c.fault, Duration(1.0)});
  Status s = a->SetDesired(3, kStart);
  EXPECT_EQ(s.ok(), c.want_ok) << s.message();
  EXPECT_EQ(fake_->Requests("SetDesiredCapacity"), c.want_set_requests);
  EXPECT_EQ(fake_->AppliedSets(), c.want_applied);
  EXPECT_EQ(fake_->Requests("DescribeAutoScalingGroups"), 1 + c.want_describes);
  EXPECT_EQ(s.message().find(aws::kTestKey.secret_access_key), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AwsAsgFaultTest,
    testing::Values(
        // Refused before it ran: sent again.
        SetFaultCase{"Throttling", FaultKind::kThrottling, true, 2, {3}, 0},
        // May have run: described first; it had not, so sent again.
        SetFaultCase{"ServerError", FaultKind::kServerError, true, 2, {3}, 1},
        // Ran, answered late: the Describe finds it done, nothing is sent again.
        SetFaultCase{"SlowAnswer", FaultKind::kSlow, true, 1, {3}, 1},
        SetFaultCase{"ExpiredToken", FaultKind::kExpiredToken, true, 2, {3}, 0},
        SetFaultCase{"LimitExceeded", FaultKind::kLimitExceeded, false, 1, {}, 0}),
    [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- the loop

// The controller with the real aws-asg actuator and cloudwatch source against the
// fake, under seed 2's rules at its 10 s interval: it scales the fake group up and
// down, rides out every injected fault, and never sends a duplicate
// SetDesiredCapacity.
TEST_F(AwsAsgTest, ControllerScalesTheFakeGroupUpAndDownThroughFaults) {
  Start();
  fake_->SetMetric("CPUUtilization", 90);
  Params p("policy 'seed2'");
  p.Set("consecutive_down", "30");
  Loop loop = MakeLoop(Limits{1, 10}, p, Duration(0.3));
  Controller& controller = *loop.controller;
  AwsAsgActuator* actuator = loop.actuator.get();
  int tick = 0;
  auto step = [&] {
    const TimePoint now = kStart + Duration(10.0 * tick++);
    clock_.Set(now);
    return controller.Step(now);
  };
  // 1. CPU 90 %: +1 at once, then the 300 s cooldown, then +1 again, through a
  //    throttled Describe and a 500 on the second SetDesiredCapacity.
  fake_->Inject("DescribeAutoScalingGroups", Fault{FaultKind::kThrottling});
  EXPECT_EQ(step().decision.action, Action::kScaleUp);
  EXPECT_EQ(fake_->AppliedSets(), std::vector<int>{3});
  for (int i = 0; i < 29; ++i) {
    const StepRecord& r = step();
    EXPECT_EQ(r.decision.reason, Reason::kCooldown) << tick;
  }
  fake_->Inject("SetDesiredCapacity", Fault{FaultKind::kServerError});
  const StepRecord& up2 = step();  // t = 300
  EXPECT_TRUE(up2.acted) << up2.error.message();
  EXPECT_EQ(fake_->AppliedSets(), (std::vector<int>{3, 4}));

  // 2. CloudWatch throttled for a whole tick: the group holds, nothing is lost.
  fake_->Inject("GetMetricData", Fault{FaultKind::kThrottling}, 3);
  const StepRecord& held = step();
  EXPECT_EQ(held.decision.action, Action::kHold);
  EXPECT_EQ(held.decision.reason, Reason::kMissingData);
  EXPECT_FALSE(held.observation->error.empty());

  // 3. CPU 10 %: -1 only after 30 consecutive low signals, and a slow answer to that
  //    SetDesiredCapacity is verified by a Describe, not sent twice.
  fake_->SetMetric("CPUUtilization", 10);
  int downs = 0;
  fake_->Inject("SetDesiredCapacity", Fault{FaultKind::kSlow, Duration(1.0)});
  for (int i = 0; i < 30; ++i) downs += step().decision.action == Action::kScaleDown;
  EXPECT_EQ(downs, 1);
  EXPECT_EQ(fake_->AppliedSets(), (std::vector<int>{3, 4, 3}));
  EXPECT_EQ(fake_->Group("asg-prod").desired, 3);

  // 4. Expired credentials on a Describe: refreshed, and the next -1 lands.
  fake_->Inject("DescribeAutoScalingGroups", Fault{FaultKind::kExpiredToken});
  for (int i = 0; i < 30; ++i) step();
  EXPECT_EQ(fake_->AppliedSets(), (std::vector<int>{3, 4, 3, 2}));

  // One SetDesiredCapacity per change, plus the one re-sent after the 500.
  EXPECT_EQ(fake_->Requests("SetDesiredCapacity"), 5);
  EXPECT_EQ(controller.stats().actions, 4);
  EXPECT_EQ(controller.stats().actuator_errors, 0);
  EXPECT_EQ(controller.stats().source_errors, 1);
  // Each set was seen by the next tick's Describe, as seed 2's verification.
  EXPECT_EQ(actuator->verified_sets(), 3);
  step();
  EXPECT_EQ(actuator->verified_sets(), 4);
  EXPECT_EQ(actuator->mismatched_sets(), 0);
}

// A whole Describe that fails holds the group and the loop goes on.
TEST_F(AwsAsgTest, ControllerHoldsWhenTheGroupCannotBeDescribed) {
  Start();
  fake_->SetMetric("CPUUtilization", 90);
  Loop loop = MakeLoop(Limits{1, 10});
  Controller& controller = *loop.controller;
  fake_->Inject("DescribeAutoScalingGroups", Fault{FaultKind::kThrottling}, 3);
  const StepRecord& r = controller.Step(kStart);
  EXPECT_EQ(r.decision.reason, Reason::kActuatorError);
  EXPECT_NE(r.error.message().find("Throttling: Rate exceeded"), std::string::npos);
  EXPECT_TRUE(fake_->AppliedSets().empty());
  EXPECT_TRUE(controller.Step(kStart + Duration(10)).acted);
  EXPECT_EQ(fake_->AppliedSets(), std::vector<int>{3});
}

// The group's own MaxSize bounds a wider configured max.
TEST_F(AwsAsgTest, ControllerKeepsWithinTheGroupsMaxSize) {
  Start();
  fake_->AddGroup("asg-prod", 1, 3, 3);
  fake_->SetMetric("CPUUtilization", 95);
  Loop loop = MakeLoop(Limits{1, 50});
  Controller& controller = *loop.controller;
  const StepRecord& r = controller.Step(kStart);
  EXPECT_EQ(r.decision.desired, 3);
  EXPECT_EQ(r.decision.reason, Reason::kAtMaximum);
  EXPECT_EQ(fake_->Requests("SetDesiredCapacity"), 0);
}

// ---------------------------------------------------------------- the daemon

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The daemon on a config with `source: cloudwatch` and `actuator: aws-asg`, with
// temporary credentials in the environment: it scales the fake group, and neither
// the secret key nor the session token appears in any file it writes.
TEST_F(AwsAsgTest, DaemonScalesAndNoSecretReachesItsFiles) {
  Start();
  const aws::FakeKey temp{"ASIADAEMONTEST", "daemon/SECRET+key/never-logged",
                          "FwoGZXIvYXdzSESSIONTOKENneverlogged"};
  fake_->AddKey(temp);
  fake_->SetMetric("CPUUtilization", 90);
  const fs::path dir = fs::path(testing::TempDir()) / "aws_daemon";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // This test runs in a process of its own (gtest_discover_tests), so the
  // environment is its own.
  setenv("AWS_ACCESS_KEY_ID", temp.access_key_id.c_str(), 1);
  setenv("AWS_SECRET_ACCESS_KEY", temp.secret_access_key.c_str(), 1);
  setenv("AWS_SESSION_TOKEN", temp.session_token.c_str(), 1);
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  std::string yaml = "global:\n  interval_s: 10\n  listen: ''\n  outputs:\n";
  for (const char* k :
       {"metrics_csv", "anomalies_log", "decisions_jsonl", "log_file", "state_db"}) {
    yaml += std::string("    ") + k + ": " + (dir / k).string() + "\n";
  }
  yaml +=
      "groups:\n  - name: web\n    source: {type: cloudwatch, asg_name: asg-prod, region: "
      "us-east-1, endpoint_url: '" +
      fake_->url() +
      "', retry_seed: 1}\n"
      "    policy: seed2\n    actuator: {type: aws-asg, asg_name: asg-prod, region: "
      "us-east-1, endpoint_url: '" +
      fake_->url() +
      "', retry_seed: 2}\n"
      "    min: 1\n    max: 5\n";
  auto config = ParseDaemonConfig(yaml, "aws.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  Logger log(clock_, LogLevel::kDebug, nullptr);
  ASSERT_TRUE(log.OpenFile((dir / "log_file").string()).ok());
  {
    auto d = Daemon::Create(*config, clock_, log, nullptr);
    ASSERT_TRUE(d.ok()) << d.status().message();
    fake_->Inject("GetMetricData", Fault{FaultKind::kThrottling}, 3);  // a failing tick, logged
    for (int i = 0; i < 3; ++i) {
      (*d)->TickDue();
      clock_.Advance(Duration(10));
    }
    EXPECT_EQ((*d)->Group("web")->actions, 1);
  }
  EXPECT_EQ(fake_->AppliedSets(), std::vector<int>{3});
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string text = ReadAll(entry.path());
    EXPECT_EQ(text.find(temp.secret_access_key), std::string::npos) << entry.path();
    EXPECT_EQ(text.find(temp.session_token), std::string::npos) << entry.path();
    EXPECT_EQ(text.find("SECRET"), std::string::npos) << entry.path();
  }
  EXPECT_GE(files, 5);
  EXPECT_NE(ReadAll(dir / "log_file").find("SCALING UP: 2 -> 3"), std::string::npos);
  EXPECT_NE(ReadAll(dir / "log_file").find("Throttling"), std::string::npos);
  fs::remove_all(dir);
}

// Optional: a real group, read only. Skipped unless PRESCALE_LIVE_ASG names one;
// credentials and region come from the usual chain (environment, ~/.aws, IMDS).
TEST(AwsAsgLiveTest, DescribesARealGroup) {
  const char* asg = std::getenv("PRESCALE_LIVE_ASG");
  if (asg == nullptr) {
    GTEST_SKIP() << "set PRESCALE_LIVE_ASG (and AWS credentials and AWS_REGION) to run";
  }
  Params p;
  p.Set("asg_name", asg);
  ActuatorContext ctx;
  ctx.group = "live";
  auto a = Actuators().Create("aws-asg", p, ctx);
  ASSERT_TRUE(a.ok()) << a.status().message();
  auto d = (*a)->Describe(RealClock::Default().Now());
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_GE(d->desired, 0);
  Params s;
  s.Set("asg_name", asg);
  auto src = Sources().Create("cloudwatch", s, SourceContext{"live"});
  ASSERT_TRUE(src.ok()) << src.status().message();
  Observation o = (*src)->Read(RealClock::Default().Now());
  std::printf("live %s: desired %d ready %d cpu %s (%s)\n", asg, d->desired, d->ready,
              o.cpu_utilization ? std::to_string(*o.cpu_utilization).c_str() : "-",
              o.error.c_str());
}

}  // namespace
}  // namespace prescale
