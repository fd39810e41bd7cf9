#include "app/simulate_command.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sources/synthetic.h"

namespace prescale::app {
namespace {

namespace fs = std::filesystem;

class SimulateCommandTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("simulate_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // A day of synthetic load at 5-minute steps.
  std::string GoodTrace(int rows = 288) {
    SyntheticWorkload w(SyntheticConfig{});
    std::ostringstream s;
    s << "timestamp,value\n";
    for (int i = 0; i < rows; ++i) {
      double t = 1700000000 + 300.0 * i;
      s << static_cast<long long>(t) << "," << w.LoadAt(FromEpochSeconds(t)) << "\n";
    }
    return Write("good.csv", s.str());
  }

  static std::vector<std::string> Column(const std::string& csv, const std::string& name) {
    std::ifstream in(csv);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> head;
    std::stringstream hs(line);
    for (std::string f; std::getline(hs, f, ',');) head.push_back(f);
    auto idx = std::find(head.begin(), head.end(), name) - head.begin();
    std::vector<std::string> out;
    while (std::getline(in, line)) {
      std::stringstream ls(line);
      std::string f;
      for (long i = 0; i <= idx; ++i) std::getline(ls, f, ',');
      out.push_back(f);
    }
    return out;
  }

  fs::path dir_;
};

TEST_F(SimulateCommandTest, BadInputNamesTheProblemAndExitsTwo) {
  struct Case {
    const char* name;
    std::string trace_text;  // empty: use a good trace
    std::function<void(SimulateFlags&)> flags;
    std::string want;  // a piece of the message
  };
  const Case cases[] = {
      {"missing column", "timestamp,load\n0,1\n", nullptr, "bad.csv:1"},
      {"not a number", "timestamp,value\n0,1\n60,abc\n", nullptr, "bad.csv:3"},
      {"time backwards", "timestamp,value\n60,1\n0,1\n", nullptr, "bad.csv:3"},
      {"no rows", "timestamp,value\n", nullptr, "no data rows"},
      {"empty file", "", nullptr, "empty"},
      {"unknown policy", "", [](SimulateFlags& f) { f.policy = "hpx"; },
       "unknown policy 'hpx' (did you mean 'hpa'?)"},
      {"zero capacity", "", [](SimulateFlags& f) { f.capacity = 0; }, "--capacity"},
      {"negative capacity", "", [](SimulateFlags& f) { f.capacity = -3; }, "--capacity"},
      {"min above max", "", [](SimulateFlags& f) { f.min = 5, f.max = 3; }, "--min (5)"},
      {"negative boot delay", "", [](SimulateFlags& f) { f.boot_delay_s = -1; }, "--boot-delay"},
      {"target above 1", "", [](SimulateFlags& f) { f.target_utilization = 1.5; },
       "--target-utilization"},
      {"negative initial", "", [](SimulateFlags& f) { f.initial = -1; }, "--initial"},
      {"unknown forecaster", "", [](SimulateFlags& f) { f.forecaster = "prophet"; },
       "unknown forecaster 'prophet'"},
      {"missing trace file", "", [](SimulateFlags& f) { f.trace = "/nonexistent/t.csv"; },
       "/nonexistent/t.csv"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SimulateFlags f;
    f.trace = c.trace_text.empty() && std::string(c.name) != "empty file" ? GoodTrace()
                                                                          : Write("bad.csv", c.trace_text);
    f.out = (dir_ / "steps.csv").string();
    if (c.flags) c.flags(f);
    std::ostringstream err;
    EXPECT_EQ(RunSimulate(f, err), 2);
    EXPECT_NE(err.str().find(c.want), std::string::npos) << err.str();
  }
}

TEST_F(SimulateCommandTest, ConfigErrorsCarryFileLineColumn) {
  struct Case {
    const char* name;
    std::string yaml;
    std::string want;
  };
  const Case cases[] = {
      {"unknown key", "policy:\n  type: hpa\n  tolerence: 0.2\n",
       "cfg.yaml:3:14: policy 'hpa': 'tolerence' is not a known key (did you mean 'tolerance'?)"},
      {"wrong type", "policy:\n  type: hpa\n  tolerance: lots\n",
       "cfg.yaml:3:14: policy 'hpa': 'tolerance' expects a number, got 'lots'"},
      {"out of range", "policy:\n  type: predictive\n  quantile: 2\n", "cfg.yaml:3:13"},
      {"unknown policy", "policy:\n  type: magic\n", "cfg.yaml:2:9"},
      {"not yaml", "policy: [\n", "cfg.yaml:"},
      {"nested value", "policy:\n  type: hpa\n  tolerance: [1, 2]\n", "cfg.yaml:3:14"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SimulateFlags f;
    f.trace = GoodTrace();
    f.config = Write("cfg.yaml", c.yaml);
    std::ostringstream err;
    EXPECT_EQ(RunSimulate(f, err), 2);
    EXPECT_NE(err.str().find(c.want), std::string::npos) << err.str();
  }
}

TEST_F(SimulateCommandTest, WritesTheContractColumnsAndSummary) {
  SimulateFlags f;
  f.trace = GoodTrace();
  f.out = (dir_ / "steps.csv").string();
  f.summary = (dir_ / "summary.json").string();
  f.capacity = 10;
  std::ostringstream err;
  ASSERT_EQ(RunSimulate(f, err), 0) << err.str();
  std::ifstream in(f.out);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("timestamp,load,demand,ready,booting,desired,cpu_utilization,forecast,"
                         "anomaly,reason",
                         0),
            0u);
  EXPECT_EQ(Column(f.out, "desired").size(), 288u);
  std::ifstream js(f.summary);
  std::string summary((std::istreambuf_iterator<char>(js)), {});
  for (const char* key : {"\"tau_U\"", "\"theta_U\"", "\"tau_O\"", "\"theta_O\"", "\"upsilon\"",
                          "\"adaptations\"", "\"inst_hours\"", "\"cost_vs_oracle\""}) {
    EXPECT_NE(summary.find(key), std::string::npos) << key;
  }
  EXPECT_NE(err.str().find("cost/oracle"), std::string::npos);
}

// A daemon config's group decides in simulate as it would in run: its policy, its
// limits and its cooldown.
TEST_F(SimulateCommandTest, DaemonConfigGroupDecidesAsInRun) {
  SimulateFlags f;
  f.trace = GoodTrace();
  f.capacity = 10;
  f.out = (dir_ / "steps.csv").string();
  f.config = Write("cfg.yaml",
                   "groups:\n  - name: other\n    source: synthetic\n    policy: seed2\n"
                   "  - name: web\n    source: synthetic\n    min: 2\n    max: 30\n"
                   "    cooldown_s: 3600\n"
                   "    policy:\n      type: hpa\n      target_utilization: 0.5\n");
  f.group = "web";
  std::ostringstream err;
  ASSERT_EQ(RunSimulate(f, err), 0) << err.str();
  EXPECT_NE(err.str().find("policy hpa"), std::string::npos) << err.str();
  auto desired = Column(f.out, "desired");
  auto reasons = Column(f.out, "reason");
  int changes = 0;
  for (std::size_t t = 0; t < desired.size(); ++t) {
    int d = std::stoi(desired[t]);
    EXPECT_GE(d, 2);
    EXPECT_LE(d, 30);
    if (t > 0 && desired[t] != desired[t - 1]) ++changes;
  }
  // A day at 5-minute steps with an hour's cooldown: at most one action an hour.
  EXPECT_LE(changes, 25);
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "Cooldown"), reasons.end());
  // A group that does not exist is an error naming it.
  f.group = "nope";
  EXPECT_EQ(RunSimulate(f, err), 2);
  EXPECT_NE(err.str().find("no group named 'nope'"), std::string::npos);
}

// No lookahead: a prefix of the trace gives a prefix of the same decisions.
TEST_F(SimulateCommandTest, PrefixGivesTheSameDecisions) {
  for (const char* policy : {"predictive", "hpa", "seed2", "threshold", "target-tracking"}) {
    SCOPED_TRACE(policy);
    SimulateFlags whole;
    whole.trace = GoodTrace(288);
    whole.policy = policy;
    whole.capacity = 10;
    whole.out = (dir_ / "whole.csv").string();
    std::ostringstream err;
    ASSERT_EQ(RunSimulate(whole, err), 0) << err.str();
    SimulateFlags head = whole;
    head.trace = GoodTrace(144);
    head.out = (dir_ / "head.csv").string();
    ASSERT_EQ(RunSimulate(head, err), 0) << err.str();
    auto a = Column(whole.out, "desired");
    auto b = Column(head.out, "desired");
    ASSERT_EQ(b.size(), 144u);
    EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin()));
  }
}

TEST_F(SimulateCommandTest, BacktestScoresForecastersAndPolicies) {
  BacktestFlags f;
  f.trace = GoodTrace(288 * 3);  // three days at 5-minute steps: a daily season
  f.capacity = 10;
  std::ostringstream out, err;
  ASSERT_EQ(RunBacktest(f, out, err), 0) << err.str();
  for (const char* want : {"provisioning horizon 2 steps", "seasonal-naive", "holt-winters",
                           "linear", "MASE", "predictive", "hpa", "seed2", "target-tracking",
                           "threshold", "cost/oracle"}) {
    EXPECT_NE(out.str().find(want), std::string::npos) << want << "\n" << out.str();
  }
  f.trace = "/nonexistent.csv";
  EXPECT_EQ(RunBacktest(f, out, err), 2);
  EXPECT_NE(err.str().find("/nonexistent.csv"), std::string::npos);
  f.trace = GoodTrace(10);  // too short for a season and a horizon
  EXPECT_EQ(RunBacktest(f, out, err), 2);
  EXPECT_NE(err.str().find("too few"), std::string::npos) << err.str();
}

#ifdef PRESCALE_BINARY
// Flag values that are not numbers fail in the command line parser, with exit 2.
TEST(SimulateBinaryTest, MalformedFlagValuesExitTwo) {
  for (const char* args : {"--capacity abc", "--min x", "--boot-delay", "--nonsense 1"}) {
    SCOPED_TRACE(args);
    std::string cmd = std::string(PRESCALE_BINARY) + " simulate --trace /dev/null " + args +
                      " >/dev/null 2>&1";
    int rc = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(rc));
    EXPECT_EQ(WEXITSTATUS(rc), 2);
  }
}
#endif

}  // namespace
}  // namespace prescale::app
