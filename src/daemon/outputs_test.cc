#include "daemon/outputs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace prescale {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class OutputsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) / "outputs_test";
    fs::remove_all(dir_);
    paths_.metrics_csv = (dir_ / "m.csv").string();
    paths_.anomalies_log = (dir_ / "a.log").string();
    paths_.decisions_jsonl = (dir_ / "d.jsonl").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  OutputPaths paths_;
  SimulatedClock clock_{FromEpochSeconds(1'700'000'000)};
  Logger log_{clock_, LogLevel::kInfo, nullptr};
};

// The anomaly line names the series the detector scored: CPU for a CPU policy,
// even when the source also reports a load.
TEST_F(OutputsTest, AnomalyLineNamesTheScoredSeries) {
  auto out = Outputs::Open(paths_);
  ASSERT_TRUE(out.ok()) << out.status().message();
  Observation o;
  o.load_per_s = 123;
  o.cpu_utilization = 0.85;
  StepRecord s;
  s.time = clock_.Now();
  s.observation = &o;
  s.series = Signal::kCpu;
  s.series_value = 0.85;
  s.anomaly = AnomalyResult{0.999, true};
  s.decision = Decision{3, Action::kHold, Reason::kAnomaly, "Anomaly active - not scaling in", 0};
  GroupInfo g{"web", "threshold", "zscore", "procfs", "simulated", false, Limits{1, 5}};
  (*out)->Write(g, s, log_);
  EXPECT_EQ(ReadAll(paths_.anomalies_log), "") << "nothing is written before Flush";
  (*out)->Flush("web");
  std::string line = ReadAll(paths_.anomalies_log);
  EXPECT_NE(line.find("group=web metric=cpu_pct value=85 score=0.9990 detector=zscore"),
            std::string::npos)
      << line;
  std::string decisions = ReadAll(paths_.decisions_jsonl);
  EXPECT_NE(decisions.find("\"reason\":\"Anomaly\""), std::string::npos) << decisions;
}

// A last line torn by a crash is ended before new lines are appended.
TEST_F(OutputsTest, TornLastLineIsEndedOnOpen) {
  fs::create_directories(dir_);
  std::ofstream(paths_.decisions_jsonl) << "{\"time\":1}\n{\"time\":2,\"gro";
  auto out = Outputs::Open(paths_);
  ASSERT_TRUE(out.ok());
  Observation o;
  o.load_per_s = 10;
  StepRecord s;
  s.time = clock_.Now();
  s.observation = &o;
  s.series_value = 10;
  GroupInfo g{"web", "hpa", "none", "synthetic", "simulated", false, Limits{1, 5}};
  (*out)->Write(g, s, log_);
  (*out)->FlushAll();
  std::ifstream in(paths_.decisions_jsonl);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "{\"time\":2,\"gro");
  EXPECT_EQ(lines[2].rfind("{\"time\":1700000000", 0), 0u) << lines[2];
}

}  // namespace
}  // namespace prescale
