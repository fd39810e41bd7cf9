#include "app/plot_command.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "app/simulate_command.h"
#include "plot/render.h"
#include "prescale/clock.h"

namespace prescale::app {
namespace {

namespace fs = std::filesystem;

class PlotCommandTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("plot_command_" +
            std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(Path(name)) << text;
    return Path(name);
  }

  fs::path dir_;
};

TEST_F(PlotCommandTest, PlotsTheDemoAtBothSizes) {
  std::ostringstream out, err;
  ASSERT_EQ(RunDemo(out, err, dir_.string()), 0) << err.str();
  for (const auto& [size, w, h] : {std::tuple{"1600x900", 1600, 900}, {"800x450", 800, 450}}) {
    PlotFlags f;
    f.steps = Path("demo-predictive.csv");
    f.out = Path(std::string("demo-") + size + ".png");
    f.size = size;
    ASSERT_EQ(RunPlot(f, out, err), 0) << err.str();
    auto image = plot::ReadPng(f.out);
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->width, w);
    EXPECT_EQ(image->height, h);
  }
  EXPECT_NE(out.str().find("plot: wrote " + Path("demo-800x450.png") + " (800x450) from 4320 rows"),
            std::string::npos)
      << out.str();
  // Without --out, the PNG goes beside the input.
  PlotFlags f;
  f.steps = Path("demo-hpa.csv");
  ASSERT_EQ(RunPlot(f, out, err), 0) << err.str();
  EXPECT_TRUE(fs::exists(Path("demo-hpa.png")));
}

TEST_F(PlotCommandTest, BadInputIsExitTwoWithFileAndLine) {
  const std::string steps_header =
      "timestamp,load,demand,ready,booting,desired,cpu_utilization,forecast,anomaly,reason\n";
  struct Case {
    const char* name;
    std::function<void(PlotFlags&)> flags;
    std::string want;
  };
  const std::string trace = Write("trace.csv", "timestamp,value\n0,1\n");
  const std::string bad =
      Write("bad.csv", steps_header + "0,1,1,1,0,1,0.5,1,0,W\n" + "60,x,1,1,0,1,0.5,1,0,W\n");
  const std::string missing = Path("nope.csv");
  const Case cases[] = {
      {"no input", [](PlotFlags&) {}, "give one input"},
      {"two inputs", [&](PlotFlags& f) { f.steps = f.metrics = trace; }, "give one input"},
      {"a trace given as steps", [&](PlotFlags& f) { f.steps = trace; },
       "trace.csv:1: header lacks column(s)"},
      {"a bad number", [&](PlotFlags& f) { f.steps = bad; },
       "bad.csv:3: column 'load': 'x' is not a number"},
      {"missing file", [&](PlotFlags& f) { f.steps = missing; }, "nope.csv: cannot open"},
      {"steps given as metrics", [&](PlotFlags& f) { f.metrics = bad; },
       "bad.csv:1: header lacks column(s) 'group'"},
      {"bad size", [&](PlotFlags& f) { f.steps = bad, f.size = "big"; },
       "--size 'big': expected WIDTHxHEIGHT"},
      {"tiny size", [&](PlotFlags& f) { f.steps = bad, f.size = "10x10"; },
       "--size '10x10': out of range"},
      {"half a size", [&](PlotFlags& f) { f.steps = bad, f.size = "800x"; }, "in whole pixels"},
      {"group with steps", [&](PlotFlags& f) { f.steps = bad, f.groups = {"web"}; },
       "--group applies to --metrics only"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PlotFlags flags;
    c.flags(flags);
    std::ostringstream out, err;
    EXPECT_EQ(RunPlot(flags, out, err), 2);
    EXPECT_NE(err.str().find(c.want), std::string::npos) << err.str();
    EXPECT_EQ(err.str().rfind("plot: ", 0), 0u) << err.str();
  }
}

TEST_F(PlotCommandTest, UnwritableOutputIsExitOne) {
  std::ostringstream out, err;
  ASSERT_EQ(RunDemo(out, err, dir_.string()), 0);
  Write("file", "x");
  PlotFlags f;
  f.steps = Path("demo-hpa.csv");
  f.out = Path("file") + "/chart.png";
  EXPECT_EQ(RunPlot(f, out, err), 1);
  EXPECT_NE(err.str().find("cannot write " + f.out), std::string::npos) << err.str();
}

#ifdef PRESCALE_BINARY
// `run --plot` charts the session when the daemon stops, as seed 1 plots its run.
TEST_F(PlotCommandTest, RunPlotChartsTheSessionWhenItStops) {
  const std::string config = Write("run.yaml", R"(global:
  interval_s: 0.1
  listen: ""
  outputs:
    metrics_csv: data/metrics.csv
groups:
  - name: web
    source: {type: synthetic, base_per_s: 200, time_scale: 14400}
    capacity_per_instance: 20
    boot_delay_s: 0.2
    min: 2
    max: 30
)");
  // An earlier session's row, which the chart must leave out.
  fs::create_directories(dir_ / "data");
  Write("data/metrics.csv",
        "timestamp,group,cpu_pct,memory_pct,load_per_s,network_in_bytes_per_s,"
        "network_out_bytes_per_s,instances,ready,desired,forecast,forecast_upper,anomaly_score,"
        "anomaly,action,reason,series\n"
        "1000.000,old-group,,,5,,,,1,1,,,0,0,hold,WithinTolerance,load\n");
  const double started_s = ToEpochSeconds(RealClock::Default().Now());
  const std::string cmd = "cd " + dir_.string() + " && " + PRESCALE_BINARY +
                          " run --config run.yaml --for 1.5 --plot > out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  std::ifstream log(Path("out.txt"));
  std::stringstream text;
  text << log.rdbuf();
  ASSERT_EQ(WEXITSTATUS(rc), 0) << text.str();
  EXPECT_NE(text.str().find("plot: wrote the session's chart to output/prescale.png"),
            std::string::npos)
      << text.str();
  auto image = plot::ReadPng(Path("output/prescale.png"));
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->width, 1600);
  EXPECT_EQ(image->height, 900);
  // The chart is of the session's rows: the group 'web', not the earlier session's.
  std::ostringstream out;
  auto session = SessionFigure(Path("data/metrics.csv"), started_s, out);
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(session->title, "prescale run: web");
  auto everything = SessionFigure(Path("data/metrics.csv"), 0, out);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->title, "prescale run: old-group, web");
  Status none = PlotSession(Path("data/metrics.csv"), 1e12, Path("never.png"), out);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.message().find("no rows at or after"), std::string::npos) << none.message();

  // A value after --plot names the file.
  const std::string named = "cd " + dir_.string() + " && " + PRESCALE_BINARY +
                            " run --config run.yaml --for 0.5 --plot charts/s.png > /dev/null 2>&1";
  const int rc2 = std::system(named.c_str());
  ASSERT_TRUE(WIFEXITED(rc2));
  EXPECT_EQ(WEXITSTATUS(rc2), 0);
  EXPECT_TRUE(fs::exists(dir_ / "charts" / "s.png"));
}
#endif

}  // namespace
}  // namespace prescale::app
