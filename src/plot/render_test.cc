#include "plot/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "plot/charts.h"

namespace prescale::plot {
namespace {

namespace fs = std::filesystem;

// Three days at one-minute steps of a daily cycle with a spike, sized and scaled
// as a simulation would: the shape of `prescale demo`'s steps, made here.
StepsTable SyntheticSteps(const std::string& series = "load") {
  StepsTable t;
  t.path = "synthetic.csv";
  t.series = series;
  const double start = 1735689600;  // 2025-01-01T00:00:00Z
  double previous_desired = 0;
  for (int i = 0; i < 3 * 1440; ++i) {
    StepRow r;
    r.t = start + 60.0 * i;
    r.load = 200 + 120 * std::sin(2 * M_PI * i / 1440.0) + ((i * 7919) % 13) - 6;
    const bool spike = i >= 2280 && i < 2300;
    if (spike) r.load *= 1.8;
    r.demand = std::ceil(r.load / 20);
    r.desired = std::ceil(r.load * 1.1 / 20);
    // Ready follows desired after a boot delay of three steps.
    r.ready = i < 3 ? r.desired : t.rows[i - 3].desired;
    r.cpu_utilization = std::min(1.0, r.load / (r.ready * 20));
    r.forecast = series == "cpu" ? r.cpu_utilization : r.load * 0.98;
    r.forecast_upper = series == "cpu" ? std::min(1.0, r.cpu_utilization * 1.1) : r.load * 1.25;
    r.anomaly = spike && i % 5 == 0;
    r.action = r.desired > previous_desired   ? "scale_up"
               : r.desired < previous_desired ? "scale_down"
                                              : "hold";
    r.reason = r.action == "scale_up"     ? (spike ? "ReactiveFloor" : "Forecast")
               : r.action == "scale_down" ? "ScaleDown"
                                          : "WithinTolerance";
    previous_desired = r.desired;
    t.rows.push_back(r);
  }
  return t;
}

MetricsTable SyntheticMetrics() {
  MetricsTable m;
  m.path = "metrics.csv";
  m.groups = {"web", "host"};
  const double start = 1796114713;
  for (int i = 0; i < 200; ++i) {
    for (const char* g : {"web", "host"}) {
      MetricsRow r;
      r.t = start + i;
      r.group = g;
      const bool web = std::string(g) == "web";
      r.series = web ? "load" : "cpu";
      r.load_per_s = web ? 100 + i : kMissing;
      r.cpu_pct = web ? kMissing : 30 + 20 * std::sin(i / 15.0);
      r.ready = web ? 5 + i / 20 : 2;
      r.desired = web ? 5 + (i + 3) / 20 : 2 + (i > 100);
      r.forecast = web ? r.load_per_s + 1 : r.cpu_pct / 100;
      r.forecast_upper = web ? r.load_per_s * 1.2 : r.cpu_pct / 100 + 0.1;
      r.anomaly = i == 150;
      r.action = (web && i % 20 == 17) || (!web && i == 101) ? "scale_up" : "hold";
      r.reason = r.action == "scale_up" ? "Forecast" : "WithinTolerance";
      m.rows.push_back(r);
    }
  }
  return m;
}

class RenderTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("plot_render_" +
            std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  fs::path dir_;
};

int Channel(std::uint32_t px, int shift) { return static_cast<int>(px >> shift & 0xff); }

bool Near(std::uint32_t a, std::uint32_t b, int tolerance) {
  for (int shift : {16, 8, 0}) {
    if (std::abs(Channel(a, shift) - Channel(b, shift)) > tolerance) return false;
  }
  return true;
}

// Pixels of `rect` within `tolerance` of `color` in each channel.
int Count(const Image& image, const Rect& rect, std::uint32_t color, int tolerance = 6) {
  int n = 0;
  for (int y = std::max(0, static_cast<int>(rect.y0)); y < std::min<int>(image.height, rect.y1);
       ++y) {
    for (int x = std::max(0, static_cast<int>(rect.x0)); x < std::min<int>(image.width, rect.x1);
         ++x) {
      n += Near(image.At(x, y), color, tolerance);
    }
  }
  return n;
}

// Pixels of `rect` dark enough to be text (the text colour is #222).
int Dark(const Image& image, const Rect& rect) {
  int n = 0;
  for (int y = static_cast<int>(rect.y0); y < static_cast<int>(rect.y1); ++y) {
    for (int x = static_cast<int>(rect.x0); x < static_cast<int>(rect.x1); ++x) {
      const std::uint32_t px = image.At(x, y);
      n += Channel(px, 16) + Channel(px, 8) + Channel(px, 0) < 3 * 110;
    }
  }
  return n;
}

// Every text box lies inside the image and overlaps no other.
void ExpectLegible(const Layout& layout) {
  ASSERT_FALSE(layout.texts.empty());
  for (std::size_t i = 0; i < layout.texts.size(); ++i) {
    const TextBox& a = layout.texts[i];
    EXPECT_GE(a.box.x0, 0) << a.text;
    EXPECT_GE(a.box.y0, 0) << a.text;
    EXPECT_LE(a.box.x1, layout.width) << a.text;
    EXPECT_LE(a.box.y1, layout.height) << a.text;
    for (std::size_t j = i + 1; j < layout.texts.size(); ++j) {
      const TextBox& b = layout.texts[j];
      EXPECT_FALSE(a.box.Overlaps(b.box)) << "'" << a.text << "' overlaps '" << b.text << "'";
    }
  }
  int value_ticks = 0, time_ticks = 0;
  for (const TextBox& t : layout.texts) {
    value_ticks += t.role == TextRole::kValueTick;
    time_ticks += t.role == TextRole::kTimeTick;
  }
  EXPECT_GE(value_ticks, 4);
  EXPECT_GE(time_ticks, 3);
}

TEST_F(RenderTest, StepsChartHasItsSizeColoursLegendAndNoOverlaps) {
  const Figure figure = StepsFigure(SyntheticSteps(), "");
  for (const auto& [w, h] : {std::pair{1600, 900}, {800, 450}}) {
    SCOPED_TRACE(::testing::Message() << w << "x" << h);
    const std::string png = Path("steps.png");
    auto layout = RenderPng(figure, RenderOptions{w, h}, png);
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    auto image = ReadPng(png);
    ASSERT_TRUE(image.ok()) << image.status().message();
    ASSERT_EQ(image->width, w);
    ASSERT_EQ(image->height, h);

    // The background is the background colour: the corners, and most of the image.
    const std::uint32_t white = Rgb(kBackground);
    for (auto [x, y] : {std::pair{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}}) {
      EXPECT_EQ(image->At(x, y), white);
    }
    EXPECT_GT(Count(*image, Rect{0, 0, double(w), double(h)}, white, 0), w * h / 3);

    // Two panels (load; instances) and a lane per reason: Forecast, ScaleDown, ReactiveFloor.
    ASSERT_EQ(layout->panels.size(), 2u);
    ASSERT_EQ(layout->lanes.size(), 3u);
    const Rect& load = layout->panels[0];
    const Rect& instances = layout->panels[1];
    // The capacity (ready) line is drawn in its colour in the instances panel, and
    // not in the load panel; the forecast and its band in the load panel.
    EXPECT_GT(Count(*image, instances, Rgb(kReadyColor)), w / 4);
    EXPECT_EQ(Count(*image, load, Rgb(kReadyColor), 3), 0);
    EXPECT_GT(Count(*image, instances, Rgb(kDesiredColor)), 20);
    EXPECT_GT(Count(*image, load, Rgb(kForecastColor)), w / 4);
    // The band: orange at 22 % over white.
    const Color band{1 - 0.22 * (1 - kForecastColor.r), 1 - 0.22 * (1 - kForecastColor.g),
                     1 - 0.22 * (1 - kForecastColor.b)};
    EXPECT_GT(Count(*image, load, Rgb(band), 4), w);
    EXPECT_GT(Count(*image, load, Rgb(kAnomalyColor)), 5);
    // Triangles in the lanes: up for Forecast, down for ScaleDown, and the lane
    // labels say which reason and how many.
    for (std::size_t i = 0; i < figure.lanes.size(); ++i) {
      const EventLane& lane = figure.lanes[i];
      const bool up = lane.label.rfind("ScaleDown", 0) != 0;
      EXPECT_GT(Count(*image, layout->lanes[i], Rgb(up ? figure.up_color : figure.down_color)), 8)
          << lane.label;
      EXPECT_EQ(Count(*image, layout->lanes[i], Rgb(up ? figure.down_color : figure.up_color)), 0)
          << lane.label;
    }

    // The legend: every entry shows its label in text-dark pixels, and the entries
    // for the capacity and the forecast show their colour.
    ASSERT_GE(layout->legend_entries.size(), 7u);
    int ready_entries = 0;
    for (std::size_t i = 0; i < layout->legend_entries.size(); ++i) {
      const Rect& entry = layout->legend_entries[i];
      EXPECT_GT(Dark(*image, entry), 15) << "legend entry " << i;
      ready_entries += Count(*image, entry, Rgb(kReadyColor)) > 10;
    }
    EXPECT_EQ(ready_entries, 1);

    ExpectLegible(*layout);
  }
}

TEST_F(RenderTest, CpuDrivenStepsGetALoadPanelAndACpuPanel) {
  const Figure figure = StepsFigure(SyntheticSteps("cpu"), "seed 1's threshold policy");
  ASSERT_EQ(figure.panels.size(), 3u);
  EXPECT_EQ(figure.panels[0].title, "Load (units/s)");
  EXPECT_NE(figure.panels[1].title.find("CPU utilisation (%)"), std::string::npos);
  ASSERT_FALSE(figure.panels[1].lines.empty());
  // The forecast of CPU is drawn in percent, next to the CPU it predicts.
  const Line& forecast = figure.panels[1].lines[1];
  EXPECT_EQ(forecast.label, "forecast (next step)");
  EXPECT_NEAR(forecast.y[100], SyntheticSteps("cpu").rows[100].forecast * 100, 1e-9);
  for (const auto& [w, h] : {std::pair{1600, 900}, {800, 450}}) {
    auto layout = RenderPng(figure, RenderOptions{w, h}, Path("cpu.png"));
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    auto image = ReadPng(Path("cpu.png"));
    ASSERT_TRUE(image.ok());
    EXPECT_GT(Count(*image, layout->panels[1], Rgb(kCpuColor), 30), w / 6);
    ExpectLegible(*layout);
  }
}

TEST_F(RenderTest, MetricsChartStacksEveryGroup) {
  auto figure = MetricsFigure(SyntheticMetrics(), {}, "");
  ASSERT_TRUE(figure.ok()) << figure.status().message();
  ASSERT_EQ(figure->panels.size(), 4u);
  EXPECT_EQ(figure->panels[0].title, "web · load (units/s)");
  EXPECT_EQ(figure->panels[2].title, "host · CPU usage (%)");
  // Seed 1's CPU trend with its predictions, in percent.
  const Line& cpu_forecast = figure->panels[2].lines[1];
  EXPECT_NEAR(cpu_forecast.y[10], SyntheticMetrics().rows[21].cpu_pct, 1e-9);
  // The forecast made at a tick is drawn at the next tick.
  EXPECT_EQ(cpu_forecast.t[10], SyntheticMetrics().rows[21].t + 1);
  for (const auto& [w, h] : {std::pair{1600, 900}, {800, 450}}) {
    auto layout = RenderPng(*figure, RenderOptions{w, h}, Path("metrics.png"));
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    auto image = ReadPng(Path("metrics.png"));
    ASSERT_TRUE(image.ok());
    EXPECT_GT(Count(*image, layout->panels[2], Rgb(kCpuColor), 30), w / 6);
    EXPECT_GT(Count(*image, layout->panels[1], Rgb(kReadyColor)), w / 4);
    ExpectLegible(*layout);
  }
  auto one = MetricsFigure(SyntheticMetrics(), {"host"}, "");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->panels.size(), 2u);
  auto unknown = MetricsFigure(SyntheticMetrics(), {"db"}, "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("no rows for group 'db'; groups: web, host"),
            std::string::npos);
}

TEST_F(RenderTest, ElapsedTimeTracesGetElapsedLabels) {
  StepsTable steps = SyntheticSteps();
  for (StepRow& r : steps.rows) r.t -= 1735689600;  // seconds from the start
  auto layout = RenderPng(StepsFigure(steps, ""), RenderOptions{}, Path("elapsed.png"));
  ASSERT_TRUE(layout.ok()) << layout.status().message();
  bool saw_hours = false;
  for (const TextBox& t : layout->texts) {
    if (t.role == TextRole::kTimeTick) saw_hours |= t.text == "12h";
    if (t.role == TextRole::kAxisTitle) {
      EXPECT_EQ(t.text, "time since the start");
    }
  }
  EXPECT_TRUE(saw_hours);
}

// Missing rows (the daemon was stopped, the source was down) break the line
// rather than bridge the gap with a straight segment.
TEST_F(RenderTest, GapsInTheDataBreakTheLine) {
  Figure f;
  f.title = "gap";
  Panel panel;
  panel.title = "Load (units/s)";
  Line line{"load", kLoadColor, {}, {}, 0.3};
  for (int i = 0; i < 100; ++i) {
    if (i >= 40 && i < 60) continue;  // twenty minutes without rows
    line.t.push_back(1735689600 + 60.0 * i);
    line.y.push_back(50);
  }
  panel.lines.push_back(line);
  f.panels.push_back(panel);
  auto layout = RenderPng(f, RenderOptions{}, Path("gap.png"));
  ASSERT_TRUE(layout.ok()) << layout.status().message();
  auto image = ReadPng(Path("gap.png"));
  ASSERT_TRUE(image.ok());
  const Rect& area = layout->panels[0];
  const double w = area.x1 - area.x0;
  auto strip = [&](double from, double to) {
    return Rect{area.x0 + w * from, area.y0, area.x0 + w * to, area.y1};
  };
  EXPECT_GT(Count(*image, strip(0.1, 0.3), Rgb(kLoadColor), 10), 50);
  EXPECT_EQ(Count(*image, strip(0.45, 0.55), Rgb(kLoadColor), 10), 0);
  EXPECT_GT(Count(*image, strip(0.7, 0.9), Rgb(kLoadColor), 10), 50);
}

TEST_F(RenderTest, BadSizesAndPathsAreErrors) {
  const Figure figure = StepsFigure(SyntheticSteps(), "");
  auto tiny = RenderPng(figure, RenderOptions{100, 100}, Path("tiny.png"));
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.status().message().find("out of range"), std::string::npos);
  std::ofstream(Path("file")) << "not a folder";
  const std::string bad = Path("file") + "/chart.png";
  auto unwritable = RenderPng(figure, RenderOptions{}, bad);
  ASSERT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.status().message().find("cannot write " + bad), std::string::npos)
      << unwritable.status().message();
  auto unreadable = ReadPng(Path("file"));
  ASSERT_FALSE(unreadable.ok());
  EXPECT_NE(unreadable.status().message().find("cannot read PNG"), std::string::npos);
}

}  // namespace
}  // namespace prescale::plot
