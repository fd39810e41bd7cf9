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
  auto report = ScoreForecasters(t, {PluginSpec{"holt-winters", Params(), {}},
                                     PluginSpec{"linear", Params(), {}}},
                                 BacktestOptions{2, 0, 0});
  ASSERT_TRUE(report.ok()) << report.status().message();
  const std::vector<ForecastScore>& scores = report->scores;
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0].forecaster, "seasonal-naive");
  EXPECT_DOUBLE_EQ(scores[0].mase, 1.0);
  EXPECT_EQ(scores[1].forecaster, "holt-winters");
  EXPECT_LT(scores[1].mase, 1.0);  // it learns the season and smooths the wiggle
  EXPECT_GT(scores[2].mase, scores[1].mase);  // a line cannot follow a season
  EXPECT_TRUE(report->season.empty());  // no ensemble was scored
}

// The ensemble is scored as a whole and member by member, with the season it found
// and the time its updates took on the clock given.
TEST(BacktestTest, ScoresTheEnsembleByMemberAndReportsItsSeason) {
  SimulatedClock clock;
  auto report = ScoreForecasters(Daily(20, 5), {PluginSpec{"auto", Params(), {}}},
                                 BacktestOptions{2, 0, 0, &clock});
  ASSERT_TRUE(report.ok()) << report.status().message();
  const std::vector<ForecastScore>& scores = report->scores;
  ASSERT_EQ(scores.size(), 2u + 5u);
  EXPECT_EQ(scores[1].forecaster, "auto");
  EXPECT_FALSE(scores[1].member);
  EXPECT_EQ(scores[1].seconds_per_update, 0);  // the simulated clock did not move
  EXPECT_EQ(scores[2].forecaster, "auto/holt-winters daily");
  EXPECT_EQ(scores[3].forecaster, "auto/seasonal-naive");
  EXPECT_EQ(scores[6].forecaster, "auto/percentile");
  for (std::size_t i = 2; i < scores.size(); ++i) EXPECT_TRUE(scores[i].member) << i;
  // The primary forecast follows the best member: better than seasonal-naive.
  EXPECT_LT(scores[1].mase, 1.0);
  EXPECT_NEAR(scores[3].mase, 1.0, 1e-12);  // seasonal-naive is the scale itself
  EXPECT_EQ(report->season, "daily");
  EXPECT_GT(report->daily_correlation, 0.9);
}

TEST(BacktestTest, RefusesTooShortATraceAndUnknownForecasters) {
  Trace t = Daily(1, 0);
  t.values.resize(20);
  t.timestamps_s.resize(20);
  auto short_trace = ScoreForecasters(t, {}, BacktestOptions{4, 24, 0, nullptr});
  ASSERT_FALSE(short_trace.ok());
  EXPECT_NE(short_trace.status().message().find("too few"), std::string::npos);
  auto unknown = ScoreForecasters(Daily(5, 1), {PluginSpec{"prophet", Params(), {}}},
                                  BacktestOptions{});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("known: auto, holt-winters, linear, naive, percentile, recent-max, seasonal-naive"), std::string::npos);
}

}  // namespace
}  // namespace prescale
