// Save and Load of the built-in detectors: a restored detector scores on bit for bit
// where the saved one was, and a short, garbled or mismatched record fails with a
// message and leaves the detector as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "prescale/anomaly_detector.h"
#include "prescale/params.h"
#include "prescale/state_codec.h"

namespace prescale {
namespace {

using ::testing::HasSubstr;

constexpr int kFurther = 200;  // values fed to both detectors after the restore

struct DetectorCase {
  std::string test_name;
  std::string detector;
  std::vector<std::pair<std::string, std::string>> params;
};

std::ostream& operator<<(std::ostream& os, const DetectorCase& c) { return os << c.test_name; }

const DetectorCase kCases[] = {
    {"ZScore", "zscore", {}},
    {"ZScoreSmallWindow", "zscore", {{"window", "5"}, {"min_points", "3"}}},
    {"Mad", "mad", {}},
    {"MadSmallWindow", "mad", {{"window", "5"}, {"min_points", "3"}}},
    {"None", "none", {}},
    {"Surprise", "surprise", {}},
    {"SurpriseNoDaily", "surprise", {{"daily", "false"}}},
};

// Values seen before the save: none, below min_points, around it, around the first
// full window (and zscore's first recompute), inside the constant stretch and after.
const int kCounts[] = {0, 1, 2, 5, 9, 10, 11, 30, 59, 60, 61, 70, 85, 150, 400};

std::unique_ptr<AnomalyDetector> Make(const DetectorCase& c) {
  Params params;
  for (const auto& [key, value] : c.params) params.Set(key, value);
  Result<std::unique_ptr<AnomalyDetector>> d = Detectors().Create(c.detector, params, {});
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? std::move(d).value() : nullptr;
}

// A seeded series: a daily wave of 24 steps with noise, spikes, missing values, a
// NaN now and then, and a constant stretch (t in [62, 82)) for the run of equal
// values.
class Series {
 public:
  explicit Series(unsigned seed) : random_(seed) {}

  std::optional<double> Next() {
    const int t = t_++;
    const double noise = std::uniform_real_distribution<double>(-5, 5)(random_);
    if (t % 11 == 10) return std::nullopt;
    if (t % 37 == 5) return std::nan("");
    if (t >= 62 && t < 82) return 100.0;
    double y = 100 + 40 * std::sin(2 * 3.14159265358979 * t / 24) + noise;
    if (t % 53 == 7) y *= 3;
    return y;
  }

 private:
  std::mt19937 random_;
  int t_ = 0;
};

std::string SaveText(const AnomalyDetector& d) {
  StateWriter w;
  d.Save(w);
  return w.text();
}

Status LoadText(AnomalyDetector& d, const std::string& text) {
  StateReader r(text);
  return d.Load(r);
}

std::vector<std::string> Tokens(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  return tokens;
}

std::string Join(const std::vector<std::string>& tokens, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += (i == 0 ? "" : " ") + tokens[i];
  return text;
}

// Feeds the same further values to both; every result is identical, bit for bit.
void ExpectSameFuture(AnomalyDetector& a, AnomalyDetector& b, Series& series) {
  for (int i = 0; i < kFurther; ++i) {
    const std::optional<double> v = series.Next();
    const AnomalyResult ra = a.Update(v);
    const AnomalyResult rb = b.Update(v);
    EXPECT_EQ(ra.score, rb.score) << "further value " << i;
    EXPECT_EQ(ra.anomaly, rb.anomaly) << "further value " << i;
    if (::testing::Test::HasFailure()) return;
  }
}

class DetectorStateTest : public ::testing::TestWithParam<DetectorCase> {
 protected:
  // A detector that has seen `n` values of the series.
  std::unique_ptr<AnomalyDetector> Trained(int n, Series& series) {
    std::unique_ptr<AnomalyDetector> d = Make(GetParam());
    for (int i = 0; i < n && d; ++i) (void)d->Update(series.Next());
    return d;
  }

  // `d` still holds `good` (its record is unchanged), and it scores on exactly like
  // a detector restored from `good`.
  void ExpectUnchanged(AnomalyDetector& d, const std::string& good) {
    EXPECT_EQ(SaveText(d), good);
    std::unique_ptr<AnomalyDetector> twin = Make(GetParam());
    ASSERT_TRUE(LoadText(*twin, good).ok());
    Series further(99);
    ExpectSameFuture(d, *twin, further);
  }
};

TEST_P(DetectorStateTest, RestoredDetectorContinuesBitForBit) {
  for (int n : kCounts) {
    SCOPED_TRACE("after " + std::to_string(n) + " values");
    Series series(7);
    std::unique_ptr<AnomalyDetector> original = Trained(n, series);
    ASSERT_NE(original, nullptr);
    const std::string text = SaveText(*original);
    std::unique_ptr<AnomalyDetector> restored = Make(GetParam());
    const Status loaded = LoadText(*restored, text);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    EXPECT_EQ(SaveText(*restored), text);
    ExpectSameFuture(*original, *restored, series);
    if (HasFailure()) return;
  }
}

TEST_P(DetectorStateTest, LoadReplacesWhatAUsedDetectorHeld) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> original = Trained(200, series);
  Series other(8);
  std::unique_ptr<AnomalyDetector> used = Trained(77, other);
  ASSERT_TRUE(LoadText(*used, SaveText(*original)).ok());
  ExpectSameFuture(*original, *used, series);
}

INSTANTIATE_TEST_SUITE_P(Builtins, DetectorStateTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.test_name; });

// The bad-record tests, for the detectors that have a record.
class DetectorBadStateTest : public DetectorStateTest {};

TEST_P(DetectorBadStateTest, EmptyRecordFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  const Status s = LoadText(*d, "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), GetParam().detector + ": saved state: record ends early");
  ExpectUnchanged(*d, good);
}

TEST_P(DetectorBadStateTest, EveryTruncatedRecordFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  const std::vector<std::string> tokens = Tokens(good);
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Status s = LoadText(*d, Join(tokens, k));
    ASSERT_FALSE(s.ok()) << "cut after " << k << " of " << tokens.size() << " numbers";
    EXPECT_THAT(s.message(), HasSubstr("record ends early")) << "cut after " << k;
  }
  ExpectUnchanged(*d, good);
}

TEST_P(DetectorBadStateTest, ANonNumberAnywhereFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  std::vector<std::string> tokens = Tokens(good);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string kept = tokens[i];
    tokens[i] = i % 2 == 0 ? "x1" : "--3";
    const Status s = LoadText(*d, Join(tokens, tokens.size()));
    ASSERT_FALSE(s.ok()) << "number " << i;
    EXPECT_THAT(s.message(), HasSubstr("'" + tokens[i] + "' is not a")) << "number " << i;
    tokens[i] = kept;
  }
  ExpectUnchanged(*d, good);
}

TEST_P(DetectorBadStateTest, WrongVersionFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  std::vector<std::string> tokens = Tokens(good);
  // The format version comes first (1 for most detectors, 2 for surprise).
  const std::string version = tokens[0];
  ASSERT_TRUE(version == "1" || version == "2") << version;
  const std::string next = std::to_string(std::stoi(version) + 1);
  tokens[0] = next;
  const Status s = LoadText(*d, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), GetParam().detector + ": saved state has format version " + next +
                             ", this build reads version " + version);
  ExpectUnchanged(*d, good);
}

TEST_P(DetectorBadStateTest, TrailingDataFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  const Status s = LoadText(*d, good + " 0");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("unexpected data at the end"));
  ExpectUnchanged(*d, good);
}

INSTANTIATE_TEST_SUITE_P(Builtins, DetectorBadStateTest,
                         ::testing::Values(kCases[0], kCases[1], kCases[2], kCases[3], kCases[5],
                                           kCases[6]),
                         [](const auto& info) { return info.param.test_name; });

// The window detectors' own layout: a capacity, then the window's values.
class WindowBadStateTest : public DetectorStateTest {};

TEST_P(WindowBadStateTest, OtherWindowFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  DetectorCase other{"", GetParam().detector, {{"window", "30"}}};
  std::unique_ptr<AnomalyDetector> saved = Make(other);
  Series more(8);
  for (int i = 0; i < 100; ++i) (void)saved->Update(more.Next());
  const Status s = LoadText(*d, SaveText(*saved));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), GetParam().detector +
                             ": saved state is for a window of 30 values, this detector has " +
                             Tokens(good)[1]);
  ExpectUnchanged(*d, good);
}

TEST_P(WindowBadStateTest, NonFiniteWindowValueFails) {
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  std::vector<std::string> tokens = Tokens(good);
  // Layout: version, capacity, the window's size, then its values.
  tokens[4] = "nan";
  const Status s = LoadText(*d, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("window value 1 is not finite"));
  ExpectUnchanged(*d, good);
}

// Any number in any place either loads or fails cleanly, and the detector then runs
// on without crashing (the sanitizer builds catch what a release build would not).
TEST_P(DetectorBadStateTest, OutOfRangeNumbersNeverBreakTheDetector) {
  const char* const kOdd[] = {
      "-1", "0", "1", "2", "5", "60", "1e300", "-1e300", "nan", "inf", "9223372036854775807"};
  Series series(7);
  std::unique_ptr<AnomalyDetector> d = Trained(100, series);
  const std::string good = SaveText(*d);
  std::vector<std::string> tokens = Tokens(good);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    // A daily detector's record is mostly arrays of a day's values (four of 1,440 at
    // the default step), each value checked alike: their middles are sampled, so that
    // the test stays O(record) loads rather than O(record^2) (35 s, minutes under ASan).
    if (i >= 200 && i + 200 < tokens.size() && i % 17 != 0) continue;
    const std::string kept = tokens[i];
    for (const char* odd : kOdd) {
      tokens[i] = odd;
      const Status s = LoadText(*d, Join(tokens, tokens.size()));
      if (!s.ok()) {
        EXPECT_FALSE(s.message().empty());
        EXPECT_EQ(SaveText(*d), good) << "number " << i << " = " << odd << ": " << s.message();
        continue;
      }
      for (int step = 0; step < 70; ++step) {
        const AnomalyResult r = d->Update(100.0 + step % 7);
        EXPECT_TRUE(r.score >= 0 && r.score <= 1) << "number " << i << " = " << odd;
      }
      ASSERT_TRUE(LoadText(*d, good).ok());
    }
    tokens[i] = kept;
  }
  ExpectUnchanged(*d, good);
}

INSTANTIATE_TEST_SUITE_P(Builtins, WindowBadStateTest,
                         ::testing::Values(kCases[0], kCases[1], kCases[2], kCases[3]),
                         [](const auto& info) { return info.param.test_name; });

TEST(SurpriseStateTest, OtherSeasonFails) {
  // A record saved at 5-minute steps (288 a day) does not load at 1-minute steps.
  Params params;
  auto at = [&](double step_s) {
    Result<std::unique_ptr<AnomalyDetector>> d =
        Detectors().Create("surprise", params, DetectorContext{Duration(step_s)});
    EXPECT_TRUE(d.ok());
    return std::move(d).value();
  };
  std::unique_ptr<AnomalyDetector> five = at(300);
  Series series(7);
  for (int i = 0; i < 100; ++i) (void)five->Update(series.Next());
  std::unique_ptr<AnomalyDetector> one = at(60);
  const std::string good = SaveText(*one);
  const Status s = LoadText(*one, SaveText(*five));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "surprise: saved state is for a daily season of 288 steps, this detector has 1440");
  EXPECT_EQ(SaveText(*one), good);
}

TEST(SurpriseStateTest, InfiniteProfileValueFails) {
  std::unique_ptr<AnomalyDetector> d = Make({"", "surprise", {}});
  Series series(7);
  for (int i = 0; i < 100; ++i) (void)d->Update(series.Next());
  const std::string good = SaveText(*d);
  std::vector<std::string> tokens = Tokens(good);
  // Layout: version, season, count, last value, the burst and daily means, the daily
  // flag, then the profile's length and its values.
  ASSERT_EQ(tokens[1], "1440");
  ASSERT_EQ(tokens[7], "1440");
  ASSERT_NE(tokens[8], "nan");
  tokens[8] = "inf";
  const Status s = LoadText(*d, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("a daily profile value is infinite"));
  EXPECT_EQ(SaveText(*d), good);
}

TEST(NoneDetectorStateTest, SavesNothingAndLoadsOnlyAnEmptyRecord) {
  std::unique_ptr<AnomalyDetector> none = Make({"", "none", {}});
  EXPECT_EQ(SaveText(*none), "");
  EXPECT_TRUE(LoadText(*none, "").ok());

  Status s = LoadText(*none, "1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "none: saved state: unexpected data at the end");

  // Another detector's record is not this one's.
  std::unique_ptr<AnomalyDetector> zscore = Make({"", "zscore", {}});
  s = LoadText(*none, SaveText(*zscore));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(none->Update(5.0).score, 0.0);
}

TEST(ZScoreStateTest, UpdatesSinceRecomputeOutOfRangeFails) {
  std::unique_ptr<AnomalyDetector> d = Make({"", "zscore", {{"window", "5"}}});
  for (int i = 0; i < 7; ++i) (void)d->Update(1.0 * i);
  const std::string good = SaveText(*d);
  std::vector<std::string> tokens = Tokens(good);
  // Layout: version, capacity 5, size 5, 5 values, shift, sum, sum of squares, updates.
  ASSERT_EQ(tokens.size(), 12u);
  ASSERT_EQ(tokens[11], "2");
  tokens[11] = "5";
  const Status s = LoadText(*d, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "zscore: saved state: 5 updates since the last recompute, out of range");
  EXPECT_EQ(SaveText(*d), good);
}

}  // namespace
}  // namespace prescale
