#include "sim/backtest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace prescale {
namespace {

Trace Daily(int days, double noise_amplitude) {
  Trace t;
  t.name = "daily";
  t.step_s = 3600;
  for (int i = 0; i < 24 * days; ++i) {
    t.timestamps_s.push_back(3600.0 * i);
    // A deterministic wiggle stands in for noise.
    double wiggle = noise_amplitude * std::sin(i * 2.3);
    t.values.push_back(100 + 40 * std::sin(2 * std::numbers::pi * i / 24) + wiggle);
  }
  return t;
}

TEST(BacktestTest, SeasonalNaiveScoresOneAndASeasonalModelBeatsIt) {
  Trace t = Daily(20, 5);
  auto scores = ScoreForecasters(t, {PluginSpec{"holt-winters", Params(), {}},
                                     PluginSpec{"linear", Params(), {}}},
                                 BacktestOptions{2, 0, 0});
  ASSERT_TRUE(scores.ok()) << scores.status().message();
  ASSERT_EQ(scores->size(), 3u);
  EXPECT_EQ((*scores)[0].forecaster, "seasonal-naive");
  EXPECT_DOUBLE_EQ((*scores)[0].mase, 1.0);
  EXPECT_EQ((*scores)[1].forecaster, "holt-winters");
  EXPECT_LT((*scores)[1].mase, 1.0);  // it learns the season and smooths the wiggle
  EXPECT_GT((*scores)[2].mase, (*scores)[1].mase);  // a line cannot follow a season
}

TEST(BacktestTest, RefusesTooShortATraceAndUnknownForecasters) {
  Trace t = Daily(1, 0);
  t.values.resize(20);
  t.timestamps_s.resize(20);
  auto short_trace = ScoreForecasters(t, {}, BacktestOptions{4, 24, 0});
  ASSERT_FALSE(short_trace.ok());
  EXPECT_NE(short_trace.status().message().find("too few"), std::string::npos);
  auto unknown = ScoreForecasters(Daily(5, 1), {PluginSpec{"prophet", Params(), {}}},
                                  BacktestOptions{});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("known: auto, holt-winters, linear, naive, percentile, recent-max, seasonal-naive"), std::string::npos);
}

}  // namespace
}  // namespace prescale
