#include "plot/inputs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

namespace prescale::plot {
namespace {

namespace fs = std::filesystem;

constexpr char kStepsHeader[] =
    "timestamp,load,demand,ready,booting,desired,cpu_utilization,forecast,anomaly,reason,"
    "forecast_upper,anomaly_score,action,series\n";
constexpr char kMetricsHeader[] =
    "timestamp,group,cpu_pct,memory_pct,load_per_s,network_in_bytes_per_s,"
    "network_out_bytes_per_s,instances,ready,desired,forecast,forecast_upper,anomaly_score,"
    "anomaly,action,reason,series\n";

class InputsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("plot_inputs_" +
            std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  fs::path dir_;
};

TEST_F(InputsTest, ReadsSteps) {
  const std::string path =
      Write("steps.csv", std::string(kStepsHeader) +
                             "1735689600,132.5,7,7,0,8,0.9470,132.587,0,WarmingUp,132.587,0.000,"
                             "scale_up,load\n"
                             "1735689660,129.6,7,7,1,8,0.9260,,1,Forecast,,0.000,hold,load\n");
  auto steps = ReadStepsCsv(path);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  ASSERT_EQ(steps->rows.size(), 2u);
  EXPECT_EQ(steps->series, "load");
  const StepRow& r = steps->rows[0];
  EXPECT_EQ(r.t, 1735689600);
  EXPECT_EQ(r.demand, 7);
  EXPECT_EQ(r.desired, 8);
  EXPECT_EQ(r.reason, "WarmingUp");
  EXPECT_EQ(r.action, "scale_up");
  EXPECT_FALSE(r.anomaly);
  EXPECT_TRUE(steps->rows[1].anomaly);
  EXPECT_TRUE(std::isnan(steps->rows[1].forecast));  // an empty optional cell is a gap
}

TEST_F(InputsTest, StepsWithoutTheNewerColumnsDeriveTheAction) {
  const std::string path =
      Write("old.csv",
            "timestamp,load,demand,ready,booting,desired,cpu_utilization,forecast,anomaly,reason\n"
            "0,10,1,1,0,1,0.5,10,0,WarmingUp\n"
            "60,30,2,1,0,2,1.0,20,0,ScaleUp\n"
            "120,10,1,2,0,1,0.25,15,0,ScaleDown\n");
  auto steps = ReadStepsCsv(path);
  ASSERT_TRUE(steps.ok()) << steps.status().message();
  EXPECT_EQ(steps->rows[1].action, "scale_up");
  EXPECT_EQ(steps->rows[2].action, "scale_down");
  EXPECT_TRUE(std::isnan(steps->rows[0].forecast_upper));
}

TEST_F(InputsTest, BadFilesNameTheFileAndLine) {
  const std::string good_row = "0,10,1,1,0,1,0.5,10,0,WarmingUp,10,0,hold,load\n";
  struct Case {
    const char* name;
    bool metrics;  // read as run's metrics, else as simulate's steps
    std::string text;
    std::string want;  // a piece of the message
  };
  const Case cases[] = {
      {"empty file", false, "", "bad.csv: empty file"},
      {"header only", false, kStepsHeader, "bad.csv:1: header but no data rows"},
      {"a trace, not steps", false, "timestamp,value\n0,1\n",
       "bad.csv:1: header lacks column(s) 'load', 'demand'"},
      {"not a number", false,
       std::string(kStepsHeader) + good_row + "60,ten,1,1,0,1,0.5,10,0,Forecast,10,0,hold,load\n",
       "bad.csv:3: column 'load': 'ten' is not a number"},
      {"too few fields", false, std::string(kStepsHeader) + "0,10,1,1\n",
       "bad.csv:2: row has 4 fields but the header has 14"},
      {"too many fields", false,
       std::string(kStepsHeader) + "0,10,1,1,0,1,0.5,10,0,W,10,0,hold,load,x\n",
       "bad.csv:2: row has 15 fields"},
      {"empty required", false,
       std::string(kStepsHeader) + "0,,1,1,0,1,0.5,10,0,W,10,0,hold,load\n",
       "bad.csv:2: column 'load' is empty"},
      {"time backwards", false, std::string(kStepsHeader) + "60" + good_row.substr(1) + good_row,
       "bad.csv:3: time goes backwards or repeats"},
      {"infinite", false, std::string(kStepsHeader) + "0,inf,1,1,0,1,0.5,10,0,W,10,0,hold,load\n",
       "bad.csv:2: column 'load': 'inf' is not a number"},
      {"unknown series", false,
       std::string(kStepsHeader) + "0,10,1,1,0,1,0.5,10,0,W,10,0,hold,memory\n",
       "'memory' is neither 'load' nor 'cpu'"},
      {"steps, not metrics", true, kStepsHeader, "bad.csv:1: header lacks column(s) 'group'"},
      {"no cpu or load", true, "timestamp,group,ready,desired,reason\n1,web,1,1,Forecast\n",
       "bad.csv:1: header has neither 'cpu_pct' nor 'load_per_s'"},
      {"metrics header only", true, kMetricsHeader, "bad.csv:1: header but no data rows"},
      {"bad ready", true,
       std::string(kMetricsHeader) + "1,web,,,5,,,,x,1,,,0,0,hold,Forecast,load\n",
       "bad.csv:2: column 'ready': 'x' is not a number"},
      {"empty group", true,
       std::string(kMetricsHeader) + "1,,,,5,,,,1,1,,,0,0,hold,Forecast,load\n",
       "bad.csv:2: column 'group' is empty"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = Write("bad.csv", c.text);
    const Status s = c.metrics ? ReadMetricsCsv(path).status() : ReadStepsCsv(path).status();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(c.want), std::string::npos) << s.message();
  }
  auto missing = ReadStepsCsv((dir_ / "nope.csv").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.csv: cannot open: No such file"),
            std::string::npos)
      << missing.status().message();
}

TEST_F(InputsTest, ReadsMetricsByGroupSkippingTornRows) {
  const std::string path = Write(
      "metrics.csv",
      std::string(kMetricsHeader) +
          "100.000,web,,,84.41,,,,10,5,,,0.0000,0,scale_down,ScaleDown,load\n"
          "100.000,host,12.50,7.81,,1.3e+05,120.3,1,1,1,0.2,0.3,0.0000,0,hold,WithinTolerance,cpu\n"
          "101.000,web,,,90,,,,5,6,88,99,1.2000,1,scale_up,Forecast,load\n"
          "101.000,host,13.5\n"  // torn by a crash, ended by the next start
          "102.000,web,,,91,,,,6,6,89,99,0.1000,0,hold,WithinTolerance,load\n");
  auto m = ReadMetricsCsv(path);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->groups, (std::vector<std::string>{"web", "host"}));
  EXPECT_EQ(m->rows.size(), 4u);
  EXPECT_EQ(m->skipped_lines, (std::vector<std::size_t>{5}));
  const MetricsRow& host = m->rows[1];
  EXPECT_EQ(host.group, "host");
  EXPECT_EQ(host.cpu_pct, 12.5);
  EXPECT_TRUE(std::isnan(host.load_per_s));
  EXPECT_EQ(host.series, "cpu");
  EXPECT_TRUE(m->rows[2].anomaly);

  auto since = ReadMetricsCsv(path, 101);
  ASSERT_TRUE(since.ok()) << since.status().message();
  EXPECT_EQ(since->rows.size(), 2u);
  EXPECT_EQ(since->groups, (std::vector<std::string>{"web"}));
  auto none = ReadMetricsCsv(path, 1000);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no rows at or after 1000"), std::string::npos);
}

}  // namespace
}  // namespace prescale::plot
