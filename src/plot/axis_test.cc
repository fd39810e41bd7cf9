#include "plot/axis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace prescale::plot {
namespace {

std::vector<std::string> Labels(const ValueAxis& a) {
  std::vector<std::string> out;
  for (const Tick& t : a.ticks) out.push_back(t.label);
  return out;
}

TEST(ValueAxisTest, NiceStepsCoverTheData) {
  struct Case {
    const char* name;
    double lo, hi;
    int max_ticks;
    bool integer, from_zero;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"load from zero", 83, 520, 7, false, true, {"0", "100", "200", "300", "400", "500", "600"}},
      {"few ticks", 83, 520, 3, false, true, {"0", "500", "1000"}},
      {"quarter steps", 0, 1, 5, false, true, {"0", "0.25", "0.50", "0.75", "1.00"}},
      {"instances", 4, 36, 5, true, true, {"0", "10", "20", "30", "40"}},
      {"one instance", 1, 1, 5, true, true, {"0", "1"}},
      {"integers never step by halves", 0, 2, 9, true, true, {"0", "1", "2"}},
      {"thousands get k", 0, 46000, 6, false, true, {"0", "10k", "20k", "30k", "40k", "50k"}},
      {"millions get M", 3.1e6, 7.9e6, 6, false, false, {"3M", "4M", "5M", "6M", "7M", "8M"}},
      {"negative range", -3, 4, 8, false, true, {"-3", "-2", "-1", "0", "1", "2", "3", "4"}},
      {"flat nonzero", 50, 50, 8, false, false, {"44", "46", "48", "50", "52", "54", "56"}},
      {"nothing", NAN, NAN, 5, false, true, {"0", "0.25", "0.50", "0.75", "1.00"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ValueAxis a = MakeValueAxis(c.lo, c.hi, c.max_ticks, c.integer, c.from_zero);
    EXPECT_EQ(Labels(a), c.want);
    EXPECT_LE(static_cast<int>(a.ticks.size()), c.max_ticks);
    if (std::isfinite(c.lo)) {
      EXPECT_LE(a.lo, c.lo);
      EXPECT_GE(a.hi, c.hi);
    }
  }
}

TEST(ValueAxisTest, NeverMoreTicksThanAsked) {
  for (int max_ticks = 2; max_ticks < 12; ++max_ticks) {
    for (double hi : {0.3, 1.0, 7.0, 13.0, 99.0, 101.0, 1234.5, 9.9e6}) {
      ValueAxis a = MakeValueAxis(0, hi, max_ticks, false, true);
      EXPECT_LE(static_cast<int>(a.ticks.size()), max_ticks) << hi << " " << max_ticks;
      EXPECT_GE(a.ticks.size(), 2u);
    }
  }
}

TEST(FormatTest, ValuesAndDurations) {
  EXPECT_EQ(FormatValue(0, 5, 10), "0");
  EXPECT_EQ(FormatValue(2.5, 2.5, 10), "2.5");
  EXPECT_EQ(FormatValue(12500, 2500, 20000), "12.5k");
  EXPECT_EQ(FormatValue(4.25e6, 0.25e6, 5e6), "4.25M");
  EXPECT_EQ(FormatValue(200e3, 200e3, 1.2e6), "0.2M");  // one suffix on the whole axis
  EXPECT_EQ(FormatValue(5000, 500, 8000), "5000");      // under ten thousand: plain digits
  EXPECT_EQ(FormatElapsed(0), "0");
  EXPECT_EQ(FormatElapsed(45), "45s");
  EXPECT_EQ(FormatElapsed(1800), "30m");
  EXPECT_EQ(FormatElapsed(5400), "1h 30m");
  EXPECT_EQ(FormatElapsed(86400 + 6 * 3600), "1d 6h");
  EXPECT_EQ(FormatElapsed(86400 + 60), "1d");
  EXPECT_EQ(FormatElapsed(-60), "-1m");
}

// A fixed-width font: enough to test placement without cairo.
double Measure(const std::string& s) { return 7.0 * static_cast<double>(s.size()); }

TimeAxisRequest Request(double t0, double t1, double width_px) {
  TimeAxisRequest r;
  r.t0 = t0;
  r.t1 = t1;
  r.x0 = 60;
  r.x1 = 60 + width_px;
  r.min_x = 5;
  r.max_x = 60 + width_px + 20;
  r.min_gap_px = 12;
  r.measure = Measure;
  return r;
}

TEST(TimeTicksTest, LabelsNeverOverlapAtAnyWidthOrSpan) {
  const double start = 1735689600;  // 2025-01-01T00:00:00Z
  for (double span : {45., 600., 3600., 6 * 3600., 86400., 3 * 86400., 31 * 86400., 400 * 86400.,
                      3 * 365 * 86400.}) {
    for (double width : {240., 500., 700., 1400., 3000.}) {
      SCOPED_TRACE(::testing::Message() << "span " << span << " s, width " << width << " px");
      TimeAxisRequest r = Request(start + 17, start + 17 + span, width);
      std::vector<Tick> ticks = MakeTimeTicks(r);
      ASSERT_FALSE(ticks.empty());
      double previous_right = -1e9;
      for (const Tick& t : ticks) {
        EXPECT_GE(t.value, r.t0);
        EXPECT_LE(t.value, r.t1);
        const double x = r.x0 + (t.value - r.t0) / span * width;
        const double half = std::max(Measure(t.label), Measure(t.context)) / 2;
        EXPECT_GE(x - half, r.min_x);
        EXPECT_LE(x + half, r.max_x);
        EXPECT_GE(x - half - previous_right, r.min_gap_px) << t.label;
        previous_right = x + half;
      }
      // The first label says which day (or year) the axis starts in.
      EXPECT_FALSE(ticks.front().context.empty()) << ticks.front().label;
    }
  }
}

TEST(TimeTicksTest, RoundStepsAndConciseLabels) {
  const double start = 1735689600;  // 2025-01-01T00:00:00Z, a Wednesday
  struct Case {
    const char* name;
    double t0, t1, width;
    std::vector<std::string> labels;
    std::vector<std::string> contexts;
  };
  const Case cases[] = {
      {"three days, six-hourly",
       start,
       start + 3 * 86400 - 60,
       1400,
       {"00:00", "06:00", "12:00", "18:00", "00:00", "06:00", "12:00", "18:00", "00:00", "06:00",
        "12:00", "18:00"},
       {"2025-01-01", "", "", "", "2025-01-02", "", "", "", "2025-01-03", "", "", ""}},
      {"an hour, ten-minutely",
       start + 3600,
       start + 7200,
       700,
       {"01:00", "01:10", "01:20", "01:30", "01:40", "01:50", "02:00"},
       {"2025-01-01", "", "", "", "", "", ""}},
      {"a season, monthly",
       start - 40 * 86400,
       start + 80 * 86400,
       300,
       {"Dec", "Jan", "Feb", "Mar"},
       {"2024", "2025", "", ""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Tick> ticks = MakeTimeTicks(Request(c.t0, c.t1, c.width));
    std::vector<std::string> labels, contexts;
    for (const Tick& t : ticks) labels.push_back(t.label), contexts.push_back(t.context);
    EXPECT_EQ(labels, c.labels);
    EXPECT_EQ(contexts, c.contexts);
  }
}

TEST(TimeTicksTest, WeeksStartOnMondayAndElapsedTimeHasNoDates) {
  const double start = 1735689600;  // Wednesday
  TimeAxisRequest r = Request(start, start + 60 * 86400, 500);
  std::vector<Tick> ticks = MakeTimeTicks(r);
  ASSERT_GE(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].label, "Jan 06");  // the first Monday
  r = Request(0, 2 * 86400, 700);
  r.elapsed = true;
  ticks = MakeTimeTicks(r);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_EQ(ticks[0].label, "0");
  EXPECT_EQ(ticks[1].label, "6h");
  for (const Tick& t : ticks) EXPECT_EQ(t.context, "");
}

}  // namespace
}  // namespace prescale::plot
