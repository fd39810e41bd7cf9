#include "sources/csv_replay.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prescale {
namespace {

namespace fs = std::filesystem;

// Three rows a minute apart: the replay lasts 180 s at speed 1 (the last row holds
// for one step).
constexpr std::string_view kTrace =
    "timestamp,value,note\n"
    "1000,10,a\n"
    "1060,20,b\n"
    "1120,30,c\n";

const TimePoint kStart = FromEpochSeconds(1'700'000'000);

// A trace file in a fresh temporary directory, removed at the end of the test.
class CsvReplayTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "prescale-replay-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "trace.csv").string();
    Write(kTrace);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Write(std::string_view text) { std::ofstream(path_, std::ios::binary) << text; }

  Result<std::unique_ptr<MetricSource>> Make(
      std::vector<std::pair<std::string, std::string>> settings) {
    Params p("source 'csv-replay'");
    p.Set("path", path_);
    for (auto& [k, v] : settings) p.Set(k, v);
    return Sources().Create("csv-replay", p, SourceContext{"web"});
  }

  fs::path dir_;
  std::string path_;
};

struct ReplayCase {
  const char* name;
  std::string speed;
  std::string loop;
  double seconds_after_start;  // of the Read, after the first Read at kStart
  std::optional<double> want_load;
  std::string_view want_error;  // substring; "" = none
};

const ReplayCase kReplayCases[] = {
    {"FirstRowAtTheStart", "1", "false", 0, 10, ""},
    {"RowHoldsUntilTheNext", "1", "false", 59.9, 10, ""},
    {"NextRowOnItsTimestamp", "1", "false", 60, 20, ""},
    {"LastRowHoldsForOneStep", "1", "false", 179.9, 30, ""},
    {"PastTheEndWithoutLoop", "1", "false", 180, std::nullopt, "trace ended"},
    {"FarPastTheEnd", "1", "false", 1e6, std::nullopt, "trace ended"},
    {"LoopStartsOver", "1", "true", 180, 10, ""},
    {"LoopSecondPass", "1", "true", 180 + 70, 20, ""},
    {"LoopManyPasses", "1", "true", 180 * 1000 + 125, 30, ""},
    {"SpeedCompressesTime", "60", "false", 1, 20, ""},
    {"SpeedReachesTheEndSooner", "60", "false", 3, std::nullopt, "trace ended"},
    {"SlowMotion", "0.5", "false", 119.9, 10, ""},
    {"ClockSteppedBackReadsTheFirstRow", "1", "false", -30, 10, ""},
};

class CsvReplayCaseTest : public CsvReplayTest, public testing::WithParamInterface<ReplayCase> {};

TEST_P(CsvReplayCaseTest, ReadsTheRowInForce) {
  const ReplayCase& c = GetParam();
  auto source = Make({{"speed", c.speed}, {"loop", c.loop}});
  ASSERT_TRUE(source.ok()) << source.status().message();
  Observation first = (*source)->Read(kStart);  // starts the replay
  EXPECT_EQ(first.load_per_s, 10);

  const TimePoint now = kStart + Duration(c.seconds_after_start);
  Observation o = (*source)->Read(now);
  EXPECT_EQ(o.time, now);
  EXPECT_EQ(o.load_per_s, c.want_load);
  EXPECT_FALSE(o.cpu_utilization);
  if (c.want_error.empty()) {
    EXPECT_EQ(o.error, "");
  } else {
    EXPECT_NE(o.error.find(c.want_error), std::string::npos) << o.error;
    EXPECT_NE(o.error.find("for group web"), std::string::npos) << o.error;
    EXPECT_NE(o.error.find(path_), std::string::npos) << o.error;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CsvReplayCaseTest, testing::ValuesIn(kReplayCases),
                         [](const testing::TestParamInfo<ReplayCase>& info) {
                           return std::string(info.param.name);
                         });

TEST_F(CsvReplayTest, TheStartIsTheFirstReadNotConstruction) {
  auto source = Make({});
  ASSERT_TRUE(source.ok()) << source.status().message();
  const TimePoint late = kStart + Duration(3600);
  EXPECT_EQ((*source)->Read(late).load_per_s, 10);
  EXPECT_EQ((*source)->Read(late + Duration(60)).load_per_s, 20);
}

TEST_F(CsvReplayTest, ARowHoldsAcrossAGap) {
  Write("timestamp,value\n0,1\n60,2\n600,3\n");
  auto source = Make({});
  ASSERT_TRUE(source.ok()) << source.status().message();
  (*source)->Read(kStart);
  EXPECT_EQ((*source)->Read(kStart + Duration(599)).load_per_s, 2);
  EXPECT_EQ((*source)->Read(kStart + Duration(600)).load_per_s, 3);
}

TEST_F(CsvReplayTest, ABadFileIsAFactoryErrorWithTheTraceMessage) {
  Write("timestamp,value\n0,1\n60,abc\n");
  auto source = Make({});
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find(path_ + ":3: value 'abc' is not a number"),
            std::string::npos)
      << source.status().message();
}

TEST_F(CsvReplayTest, AMissingFileIsAFactoryError) {
  fs::remove(path_);
  auto source = Make({});
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("cannot open: No such file"), std::string::npos)
      << source.status().message();
}

struct FactoryErrorCase {
  const char* name;
  std::vector<std::pair<std::string, std::string>> params;
  std::string_view complaint;
};

const FactoryErrorCase kFactoryErrorCases[] = {
    {"UnknownKey", {{"speeed", "2"}}, "'speeed' is not a known key (did you mean 'speed'?)"},
    {"ZeroSpeed", {{"speed", "0"}}, "'speed' must be above 0"},
    {"NegativeSpeed", {{"speed", "-1"}}, "'speed' must be between 0 and"},
    {"LoopNotABool", {{"loop", "sometimes"}}, "'loop' expects true or false"},
};

class CsvReplayFactoryErrorTest : public CsvReplayTest,
                                  public testing::WithParamInterface<FactoryErrorCase> {};

TEST_P(CsvReplayFactoryErrorTest, NamesTheKey) {
  auto s = Make(GetParam().params);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(GetParam().complaint), std::string::npos)
      << s.status().message();
}

INSTANTIATE_TEST_SUITE_P(Cases, CsvReplayFactoryErrorTest, testing::ValuesIn(kFactoryErrorCases),
                         [](const testing::TestParamInfo<FactoryErrorCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(CsvReplayFactoryTest, PathIsRequired) {
  auto s = Sources().Create("csv-replay", Params("source 'csv-replay'"), SourceContext{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "source 'csv-replay': 'path' is required: the trace file to replay");
}

}  // namespace
}  // namespace prescale
