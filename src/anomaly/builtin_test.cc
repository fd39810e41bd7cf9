// The detector registry: names, defaults and how bad settings are reported.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "prescale/anomaly_detector.h"
#include "prescale/params.h"

namespace prescale {
namespace {

Params MakeParams(std::vector<std::pair<std::string, std::string>> values) {
  Params params;
  for (auto& [key, value] : values) params.Set(key, value);
  return params;
}

TEST(Detectors, ListsTheBuiltIns) {
  EXPECT_EQ(Detectors().Names(), (std::vector<std::string>{"mad", "none", "surprise", "zscore"}));
}

TEST(Detectors, UnknownNameListsKnownOnesAndSuggests) {
  Result<std::unique_ptr<AnomalyDetector>> d = Detectors().Create("zscor", Params(), {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("unknown anomaly detector 'zscor'"), std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find("did you mean 'zscore'?"), std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find("known: mad, none, surprise, zscore"), std::string::npos)
      << d.status().message();
}

class DetectorsCreateTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DetectorsCreateTest, CreatesWithDefaultsUnderItsName) {
  Result<std::unique_ptr<AnomalyDetector>> d = Detectors().Create(GetParam(), Params(), {});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ((*d)->name(), GetParam());
  AnomalyResult r = (*d)->Update(std::nullopt);
  EXPECT_EQ(r.score, 0);
  EXPECT_FALSE(r.anomaly);
}

INSTANTIATE_TEST_SUITE_P(Names, DetectorsCreateTest,
                         ::testing::Values("surprise", "zscore", "mad", "none"));

TEST(Detectors, NoneNeverFlags) {
  Result<std::unique_ptr<AnomalyDetector>> d = Detectors().Create("none", Params(), {});
  ASSERT_TRUE(d.ok());
  for (double v : {0.0, 1.0, 1e300, -1e300, 0.0, 0.0}) {
    AnomalyResult r = (*d)->Update(v);
    EXPECT_EQ(r.score, 0);
    EXPECT_FALSE(r.anomaly);
  }
}

// Settings reach the detector: a window of 4 with min_points 3 scores the 4th value,
// and a low threshold flags what the default would not.
class DetectorsSettingsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DetectorsSettingsTest, SettingsTakeEffect) {
  Result<std::unique_ptr<AnomalyDetector>> d = Detectors().Create(
      GetParam(), MakeParams({{"window", "4"}, {"min_points", "3"}, {"threshold", "0.5"}}), {});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_FALSE((*d)->Update(1).anomaly);
  EXPECT_FALSE((*d)->Update(2).anomaly);
  EXPECT_FALSE((*d)->Update(3).anomaly);
  AnomalyResult r = (*d)->Update(4);  // about 1.2 to 1.5 sigma out
  EXPECT_GT(r.score, 0);
  EXPECT_TRUE(r.anomaly);
}

TEST_P(DetectorsSettingsTest, DefaultMinPointsFollowsASmallWindow) {
  // min_points defaults to 10, but with window 5 and no min_points given it becomes 5
  // rather than an error about a value nobody wrote.
  Result<std::unique_ptr<AnomalyDetector>> d =
      Detectors().Create(GetParam(), MakeParams({{"window", "5"}}), {});
  ASSERT_TRUE(d.ok()) << d.status().message();
  for (double v : {1.0, 2.0, 1.0, 2.0, 1.0}) EXPECT_FALSE((*d)->Update(v).anomaly);
  EXPECT_TRUE((*d)->Update(100).anomaly);
}

INSTANTIATE_TEST_SUITE_P(Names, DetectorsSettingsTest, ::testing::Values("zscore", "mad"));

struct BadParamsCase {
  std::string name;
  std::string detector;
  std::vector<std::pair<std::string, std::string>> params;
  std::string message;  // a substring of the error
  friend std::ostream& operator<<(std::ostream& os, const BadParamsCase& c) { return os << c.name; }
};

class DetectorsBadParamsTest : public ::testing::TestWithParam<BadParamsCase> {};

TEST_P(DetectorsBadParamsTest, ErrorNamesTheKey) {
  const BadParamsCase& c = GetParam();
  Result<std::unique_ptr<AnomalyDetector>> d =
      Detectors().Create(c.detector, MakeParams(c.params), {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(c.message), std::string::npos) << d.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, DetectorsBadParamsTest,
    ::testing::Values(
        BadParamsCase{"WindowTooSmall",
                      "zscore",
                      {{"window", "1"}},
                      "anomaly detector 'zscore': 'window' must be >= 3, got 1"},
        BadParamsCase{"WindowTooLarge",
                      "mad",
                      {{"window", "2000000"}},
                      "'window' must be <= 1000000, got 2000000"},
        BadParamsCase{"WindowNotANumber",
                      "mad",
                      {{"window", "sixty"}},
                      "'window' expects a whole number, got 'sixty'"},
        BadParamsCase{
            "WindowFraction", "zscore", {{"window", "60.5"}}, "'window' expects a whole number"},
        BadParamsCase{
            "ThresholdZero", "zscore", {{"threshold", "0"}}, "'threshold' must be > 0, got 0"},
        BadParamsCase{"ThresholdNegative",
                      "mad",
                      {{"threshold", "-3.5"}},
                      "anomaly detector 'mad': 'threshold' must be > 0, got -3.5"},
        BadParamsCase{"ThresholdNotANumber",
                      "zscore",
                      {{"threshold", "high"}},
                      "'threshold' expects a number, got 'high'"},
        BadParamsCase{
            "MinPointsTooSmall", "mad", {{"min_points", "1"}}, "'min_points' must be >= 2, got 1"},
        BadParamsCase{"MinPointsAboveWindow",
                      "zscore",
                      {{"window", "20"}, {"min_points", "30"}},
                      "'min_points' must be <= 'window' (20), got 30"},
        BadParamsCase{"MisspeltKey",
                      "zscore",
                      {{"windw", "60"}},
                      "'windw' is not a known key (did you mean 'window'?)"},
        BadParamsCase{"OtherDetectorsKey", "mad", {{"alpha", "0.5"}}, "'alpha' is not a known key"},
        BadParamsCase{
            "NoneTakesNoSettings", "none", {{"window", "60"}}, "'window' is not a known key"},
        BadParamsCase{"SurpriseThresholdOne",
                      "surprise",
                      {{"threshold", "1"}},
                      "'threshold' must be > 0 and < 1, got 1"},
        BadParamsCase{"SurpriseMemoryTooShort",
                      "surprise",
                      {{"memory", "10"}},
                      "'memory' must be between 100 and 1e+07, got 10"},
        BadParamsCase{"SurpriseDailyNotABool", "surprise", {{"daily", "maybe"}}, "'daily'"},
        BadParamsCase{
            "SurpriseHasNoWindow", "surprise", {{"window", "60"}}, "'window' is not a known key"}),
    [](const ::testing::TestParamInfo<BadParamsCase>& p) { return p.param.name; });

// The daily profile follows the step: 4 to 20000 steps a day, else none.
TEST(Detectors, SurpriseLearnsADayOnlyForStepsThatMakeOne) {
  struct Case {
    double step_s;
    bool daily;
    std::int64_t season;
  };
  for (const Case& c : {Case{300, true, 288}, Case{60, true, 1440}, Case{3600, true, 24},
                        Case{1, true, 0}, Case{86400, true, 0}, Case{300, false, 0}}) {
    Result<std::unique_ptr<AnomalyDetector>> d =
        Detectors().Create("surprise", MakeParams({{"daily", c.daily ? "true" : "false"}}),
                           DetectorContext{Duration(c.step_s)});
    ASSERT_TRUE(d.ok()) << d.status().message();
    StateWriter w;
    (*d)->Save(w);
    // The record starts with the format version and the season length.
    const std::string& text = w.text();
    const std::size_t space = text.find(' ');
    EXPECT_EQ(std::stoll(text.substr(space + 1, text.find(' ', space + 1) - space - 1)), c.season)
        << "step " << c.step_s;
  }
}

TEST(Detectors, ErrorCarriesTheFilePosition) {
  Params params;
  params.Set("window", "2", SourceMark{.file = "prescale.yaml", .line = 12, .column = 5});
  Result<std::unique_ptr<AnomalyDetector>> d = Detectors().Create("mad", params, {});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "prescale.yaml:12:5: anomaly detector 'mad': 'window' must be >= 3, got 2");
}

}  // namespace
}  // namespace prescale
