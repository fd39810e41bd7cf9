#include "sources/trace.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace prescale {
namespace {

using namespace std::string_view_literals;

// 2014-04-01T00:00:00Z, the example date of the contract.
constexpr double kApril1st2014 = 1396310400;

// ---------------------------------------------------------------- bad input

struct ErrorCase {
  const char* name;
  std::string_view text;
  int line;                                 // the 1-based line the message must name
  std::vector<std::string_view> complaint;  // substrings the message must contain
};

const ErrorCase kErrorCases[] = {
    {"EmptyFile", "", 1, {"file is empty", "'timestamp,value'"}},
    {"OnlyBlankLines", "\n   \r\n\t\n", 1, {"file is empty"}},
    {"OnlyBom", "\xEF\xBB\xBF", 1, {"file is empty"}},
    {"Utf16", "\xFF\xFEt\0i\0"sv, 1, {"UTF-16"}},
    {"HeaderMissingTimestamp",
     "time,value\n0,1\n",
     1,
     {"missing the 'timestamp' column", "header was 'time,value'"}},
    {"HeaderMissingValue",
     "timestamp,load\n0,1\n",
     1,
     {"missing the 'value' column", "header was 'timestamp,load'"}},
    {"HeaderWithOneColumn", "timestamp\n0\n", 1, {"missing the 'value' column", "'timestamp'"}},
    {"HeaderColumnsSwapped",
     "value,timestamp\n1,0\n",
     1,
     {"missing the 'timestamp' and 'value' columns", "header was 'value,timestamp'"}},
    {"HeaderIsCaseSensitive", "Timestamp,Value\n0,1\n", 1, {"'timestamp' and 'value' columns"}},
    {"HeaderLineAbsent", "0,1\n60,2\n", 1, {"'timestamp' and 'value'", "header line missing?"}},
    {"HeaderAfterBlankLines", "\n\ntime,value\n0,1\n", 3, {"missing the 'timestamp' column"}},
    {"RowWithOneField", "timestamp,value\n0,1\n60\n", 3, {"row has 1 field", "at least 2"}},
    {"TimestampNotATimestamp",
     "timestamp,value\nabc,1\n",
     2,
     {"timestamp 'abc' is not a timestamp"}},
    {"TimestampImpossibleDate",
     "timestamp,value\n2014-02-30 00:00:00,1\n",
     2,
     {"timestamp '2014-02-30 00:00:00' is not a timestamp"}},
    {"TimestampEmpty", "timestamp,value\n,1\n", 2, {"timestamp is empty"}},
    {"TimestampNaN", "timestamp,value\nnan,1\n", 2, {"timestamp 'nan' is not a timestamp"}},
    {"ValueNotANumber", "timestamp,value\n0,1\n60,abc\n", 3, {"value 'abc' is not a number"}},
    {"ValueWithTrailingJunk", "timestamp,value\n0,12abc\n", 2, {"value '12abc' is not a number"}},
    {"ValueEmpty", "timestamp,value\n0,\n", 2, {"value is empty"}},
    {"ValueNaN", "timestamp,value\n0,nan\n", 2, {"value 'nan' is not finite"}},
    {"ValueInf", "timestamp,value\n0,inf\n", 2, {"value 'inf' is not finite"}},
    {"ValueMinusInfinity", "timestamp,value\n0,-infinity\n", 2, {"'-infinity' is not finite"}},
    {"ValueOverflows", "timestamp,value\n0,1e400\n", 2, {"value '1e400' is out of range"}},
    {"ValueNegative", "timestamp,value\n0,1\n60,-3.5\n", 3, {"value '-3.5' is negative"}},
    {"TimeGoesBackwards",
     "timestamp,value\n0,1\n60,1\n30,1\n",
     4,
     {"time goes backwards", "timestamp '30' is before the previous timestamp '60' (line 3)"}},
    {"TimeRepeats",
     "timestamp,value\n0,1\n60,1\n60,1\n",
     4,
     {"time repeats", "timestamp '60' equals the previous timestamp '60' (line 3)"}},
    {"TimeRepeatsAcrossZones",
     "timestamp,value\n2014-04-01T02:00:00+02:00,1\n2014-04-01T00:00:00Z,1\n",
     3,
     {"time repeats", "'2014-04-01T00:00:00Z' equals", "'2014-04-01T02:00:00+02:00' (line 2)"}},
    {"TimeGoesBackwardsAcrossBlankLines",
     "timestamp,value\n60,1\n\n\n0,1\n",
     5,
     {"time goes backwards", "(line 2)"}},
    {"HeaderButNoRows", "timestamp,value\n", 1, {"header but no data rows"}},
    {"HeaderButOnlyBlankRows", "timestamp,value\r\n\r\n   \r\n", 1, {"header but no data rows"}},
    {"LineNumbersCountBlankLines", "timestamp,value\n\n0,1\n\n60,x\n", 5, {"value 'x'"}},
    {"LineNumbersWithCrlfAndBom",
     "\xEF\xBB\xBFtimestamp,value\r\n0,1\r\n60,-1\r\n",
     3,
     {"value '-1' is negative"}},
};

// gtest would otherwise print the case as a dump of its bytes.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ParseTraceErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseTraceErrorTest, NamesFileLineAndComplaint) {
  const ErrorCase& c = GetParam();
  Result<Trace> trace = ParseTrace(c.text, "data.csv");
  ASSERT_FALSE(trace.ok());
  const std::string message = trace.status().message();
  EXPECT_EQ(message.rfind("trace data.csv:" + std::to_string(c.line) + ": ", 0), 0u) << message;
  for (std::string_view part : c.complaint) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "message: " << message << "\nshould contain: " << part;
  }
}

INSTANTIATE_TEST_SUITE_P(BadInput, ParseTraceErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(ParseTraceTest, QuotesLongFieldsShortened) {
  const std::string junk(500, 'x');
  Result<Trace> trace = ParseTrace("timestamp,value\n0," + junk + "\n", "data.csv");
  ASSERT_FALSE(trace.ok());
  EXPECT_LT(trace.status().message().size(), 200u) << trace.status().message();
  EXPECT_NE(trace.status().message().find("xxx...' is not a number"), std::string::npos)
      << trace.status().message();
}

// ---------------------------------------------------------------- good input

struct GoodCase {
  const char* name;
  std::string_view text;
  std::vector<double> timestamps_s;
  std::vector<double> values;
  double step_s;
};

const GoodCase kGoodCases[] = {
    {"EpochIntegers",
     "timestamp,value\n804571200,42\n804571260,61\n804571320,0\n",
     {804571200, 804571260, 804571320},
     {42, 61, 0},
     60},
    {"FractionalEpochs",
     "timestamp,value\n12.25,1.5\n12.75,2.5e3\n13.25,3\n",
     {12.25, 12.75, 13.25},
     {1.5, 2500, 3},
     0.5},
    {"ExponentEpochs",
     "timestamp,value\n1.5e9,1\n1.50000006e9,2\n",
     {1.5e9, 1.5e9 + 60},
     {1, 2},
     60},
    {"IsoWithSpace",
     "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2\n",
     {kApril1st2014, kApril1st2014 + 300},
     {1, 2},
     300},
    {"IsoWithTAndZ",
     "timestamp,value\n2014-04-01T00:00:00Z,1\n2014-04-01T01:00:00Z,2\n",
     {kApril1st2014, kApril1st2014 + 3600},
     {1, 2},
     3600},
    {"IsoWithFraction",
     "timestamp,value\n2014-04-01T00:00:00.250Z,1\n2014-04-01T00:00:00.750Z,2\n",
     {kApril1st2014 + 0.25, kApril1st2014 + 0.75},
     {1, 2},
     0.5},
    {"IsoWithOffsets",
     "timestamp,value\n2014-04-01T02:00:00+02:00,1\n2014-03-31T19:01:00-05:00,2\n",
     {kApril1st2014, kApril1st2014 + 60},
     {1, 2},
     60},
    {"IsoDates",
     "timestamp,value\n2014-04-01,1\n2014-04-02,2\n",
     {kApril1st2014, kApril1st2014 + 86400},
     {1, 2},
     86400},
    {"Crlf", "timestamp,value\r\n0,1\r\n60,2\r\n", {0, 60}, {1, 2}, 60},
    {"Bom", "\xEF\xBB\xBFtimestamp,value\n0,1\n60,2\n", {0, 60}, {1, 2}, 60},
    {"ExtraColumns",
     "timestamp,value,host,region\n0,1,a,eu\n60,2,b\n120,3,c,us,more\n",
     {0, 60, 120},
     {1, 2, 3},
     60},
    {"BlankLinesAnywhere", "\n\ntimestamp,value\n\n0,1\n   \n\t\r\n60,2\n\n", {0, 60}, {1, 2}, 60},
    {"SpacesAroundFields", " timestamp , value \n 0 , 1 \n\t60\t,\t2\t\n", {0, 60}, {1, 2}, 60},
    {"NoFinalNewline", "timestamp,value\n0,1\n60,2", {0, 60}, {1, 2}, 60},
    {"PlusSignAndNegativeZero", "timestamp,value\n0,+5\n60,-0\n", {0, 60}, {5, 0}, 60},
    {"SingleRowStepIsAMinute", "timestamp,value\n100,7\n", {100}, {7}, 60},
    {"StepIsMedianOfIrregularSpacings",
     "timestamp,value\n0,1\n60,1\n120,1\n240,1\n",
     {0, 60, 120, 240},
     {1, 1, 1, 1},
     60},
    {"StepIgnoresOneLongGap",
     "timestamp,value\n0,1\n300,1\n600,1\n90000,1\n90300,1\n",
     {0, 300, 600, 90000, 90300},
     {1, 1, 1, 1, 1},
     300},
    {"StepOfEvenCountIsMeanOfMiddleTwo",
     "timestamp,value\n0,1\n60,1\n180,1\n",
     {0, 60, 180},
     {1, 1, 1},
     90},
};

void PrintTo(const GoodCase& c, std::ostream* os) { *os << c.name; }

class ParseTraceGoodTest : public ::testing::TestWithParam<GoodCase> {};

TEST_P(ParseTraceGoodTest, ParsesRowsAndStep) {
  const GoodCase& c = GetParam();
  Result<Trace> trace = ParseTrace(c.text, "good.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  EXPECT_EQ(trace->name, "good.csv");
  ASSERT_EQ(trace->size(), c.values.size());
  ASSERT_EQ(trace->timestamps_s.size(), c.timestamps_s.size());
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    EXPECT_DOUBLE_EQ(trace->timestamps_s[i], c.timestamps_s[i]) << "row " << i;
    EXPECT_DOUBLE_EQ(trace->values[i], c.values[i]) << "row " << i;
  }
  EXPECT_DOUBLE_EQ(trace->step_s, c.step_s);
}

INSTANTIATE_TEST_SUITE_P(GoodInput, ParseTraceGoodTest, ::testing::ValuesIn(kGoodCases),
                         [](const ::testing::TestParamInfo<GoodCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(ParseTraceTest, KeepsHeaderColumnsTrimmed) {
  Result<Trace> trace = ParseTrace("\xEF\xBB\xBF timestamp ,value, host\r\n0,1,a\r\n", "t.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  EXPECT_EQ(trace->columns, (std::vector<std::string>{"timestamp", "value", "host"}));
}

TEST(ParseTraceTest, NegativeZeroBecomesZero) {
  Result<Trace> trace = ParseTrace("timestamp,value\n0,-0\n", "t.csv");
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  EXPECT_FALSE(std::signbit(trace->values[0]));
}

// A metric (NAB's art_daily_flatmiddle goes to -22; two of its AWS files repeat a
// timestamp) parses with the metric format, and only with it.
TEST(ParseTraceTest, MetricFormatAcceptsNegativeValuesAndRepeatedTimes) {
  const std::string text =
      "timestamp,value\n"
      "2014-04-01 00:00:00,-22\n"
      "2014-04-01 00:05:00,3.5\n"
      "2014-04-01 00:05:00,4\n"
      "2014-04-01 00:10:00,-0.25\n"
      "2014-04-01 00:20:00,1\n";
  EXPECT_FALSE(ParseTrace(text, "t.csv").ok());
  EXPECT_FALSE(ParseTrace(text, "t.csv", TraceFormat{.allow_negative = true}).ok());
  EXPECT_FALSE(ParseTrace(text, "t.csv", TraceFormat{.allow_repeated_time = true}).ok());
  Result<Trace> trace =
      ParseTrace(text, "t.csv", TraceFormat{.allow_negative = true, .allow_repeated_time = true});
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  EXPECT_EQ(trace->values, (std::vector<double>{-22, 3.5, 4, -0.25, 1}));
  EXPECT_EQ(trace->timestamps_s[1], trace->timestamps_s[2]);
  EXPECT_EQ(trace->step_s, 300);  // the median of the distinct spacings 300, 300, 600
}

TEST(ParseTraceTest, MetricFormatStillRejectsTimeGoingBackwards) {
  Result<Trace> trace =
      ParseTrace("timestamp,value\n60,1\n0,-1\n", "t.csv",
                 TraceFormat{.allow_negative = true, .allow_repeated_time = true});
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().message(),
            "trace t.csv:3: time goes backwards: timestamp '0' is before the previous timestamp "
            "'60' (line 2); timestamps must not decrease");
}

// ---------------------------------------------------------------- ParseTimestamp

struct TimestampCase {
  const char* name;
  std::string_view text;
  std::optional<double> want;
};

const TimestampCase kTimestampCases[] = {
    {"EpochInteger", "804571200", 804571200},
    {"EpochExponent", "1.5e9", 1.5e9},
    {"EpochFraction", "12.25", 12.25},
    {"EpochZero", "0", 0},
    {"EpochNegative", "-60", -60},
    {"SurroundingSpaces", "  60\t", 60},
    {"IsoDate", "2014-04-01", kApril1st2014},
    {"IsoSpace", "2014-04-01 00:00:00", kApril1st2014},
    {"IsoT", "2014-04-01T00:00:00", kApril1st2014},
    {"IsoZ", "2014-04-01T00:00:00Z", kApril1st2014},
    {"IsoLowercase", "2014-04-01t00:00:00z", kApril1st2014},
    {"IsoNoSeconds", "2014-04-01T00:01", kApril1st2014 + 60},
    {"IsoFraction", "2014-04-01T00:00:00.250Z", kApril1st2014 + 0.25},
    {"IsoPlusOffset", "2014-04-01T02:00:00+02:00", kApril1st2014},
    {"IsoMinusOffset", "2014-03-31T19:30:00-04:30", kApril1st2014},
    {"IsoCompactOffset", "2014-04-01T02:00:00+0200", kApril1st2014},
    {"IsoHourOffset", "2014-04-01T02:00:00+02", kApril1st2014},
    {"IsoLeapDay", "2016-02-29T00:00:00Z", 1456704000},
    {"IsoBeforeEpoch", "1969-12-31T23:59:59Z", -1},
    {"IsoLastSecondOfDay", "2014-04-01T23:59:59Z", kApril1st2014 + 86399},
    {"Empty", "", std::nullopt},
    {"Word", "abc", std::nullopt},
    {"NaN", "nan", std::nullopt},
    {"Infinity", "inf", std::nullopt},
    {"Hex", "0x10", std::nullopt},
    {"TrailingJunk", "12abc", std::nullopt},
    {"NotALeapYear", "2015-02-29", std::nullopt},
    {"MonthThirteen", "2014-13-01", std::nullopt},
    {"DayZero", "2014-04-00", std::nullopt},
    {"SingleDigitMonth", "2014-4-01", std::nullopt},
    {"Hour24", "2014-04-01T24:00:00Z", std::nullopt},
    {"Minute60", "2014-04-01T00:60:00Z", std::nullopt},
    {"LeapSecond", "2014-04-01T23:59:60Z", std::nullopt},
    {"EmptyFraction", "2014-04-01T00:00:00.Z", std::nullopt},
    {"UnknownZone", "2014-04-01T00:00:00 UTC", std::nullopt},
    {"BadOffset", "2014-04-01T00:00:00+2", std::nullopt},
    {"OffsetTooLarge", "2014-04-01T00:00:00+24:00", std::nullopt},
    {"ZoneOnDateAlone", "2014-04-01Z", std::nullopt},
    {"OnlyHour", "2014-04-01T00", std::nullopt},
    {"TrailingAfterZone", "2014-04-01T00:00:00Zx", std::nullopt},
};

void PrintTo(const TimestampCase& c, std::ostream* os) { *os << c.name; }

class ParseTimestampTest : public ::testing::TestWithParam<TimestampCase> {};

TEST_P(ParseTimestampTest, Parses) {
  const TimestampCase& c = GetParam();
  const std::optional<double> got = ParseTimestamp(c.text);
  if (!c.want) {
    EXPECT_FALSE(got) << "'" << c.text << "' parsed as " << *got;
    return;
  }
  ASSERT_TRUE(got) << "'" << c.text << "' did not parse";
  EXPECT_DOUBLE_EQ(*got, *c.want);
}

INSTANTIATE_TEST_SUITE_P(Forms, ParseTimestampTest, ::testing::ValuesIn(kTimestampCases),
                         [](const ::testing::TestParamInfo<TimestampCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

// ---------------------------------------------------------------- ReadTrace

// Writes `text` to a file under the test's temporary directory; returns its path.
std::string WriteTempFile(const std::string& file_name, std::string_view text) {
  const std::string path = ::testing::TempDir() + "prescale_trace_test_" + file_name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return path;  // the read that follows reports it
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

TEST(ReadTraceTest, ReadsAFileAndNamesTraceByPath) {
  const std::string path = WriteTempFile("good.csv", "timestamp,value\n0,1\n60,2\n");
  Result<Trace> trace = ReadTrace(path);
  std::remove(path.c_str());
  ASSERT_TRUE(trace.ok()) << trace.status().message();
  EXPECT_EQ(trace->name, path);
  EXPECT_EQ(trace->size(), 2u);
  EXPECT_DOUBLE_EQ(trace->step_s, 60);
}

TEST(ReadTraceTest, ErrorsNameThePath) {
  const std::string path = WriteTempFile("bad.csv", "timestamp,value\n0,1\n0,2\n");
  Result<Trace> trace = ReadTrace(path);
  std::remove(path.c_str());
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().message().rfind("trace " + path + ":3: time repeats", 0), 0u)
      << trace.status().message();
}

TEST(ReadTraceTest, MissingFileIsAnErrorNamingIt) {
  const std::string path = ::testing::TempDir() + "prescale_no_such_trace.csv";
  Result<Trace> trace = ReadTrace(path);
  ASSERT_FALSE(trace.ok());
  EXPECT_NE(trace.status().message().find("trace " + path + ": cannot open"), std::string::npos)
      << trace.status().message();
}

TEST(ReadTraceTest, DirectoryIsAnErrorNamingIt) {
  const std::string path = ::testing::TempDir();
  Result<Trace> trace = ReadTrace(path);
  ASSERT_FALSE(trace.ok());
  EXPECT_NE(trace.status().message().find(path), std::string::npos) << trace.status().message();
}

// ---------------------------------------------------------------- shared traces

TEST(ReadTraceTest, ParsesEverySharedTrace) {
#ifdef PRESCALE_SHARED_DIR
  const std::filesystem::path dir = std::filesystem::path(PRESCALE_SHARED_DIR) / "traces";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    GTEST_SKIP() << "No shared traces at " << dir.string() << "; skipping, which is fine.";
  }
  // Rows and step of the traces described in shared/traces/TRACES.md.
  const std::map<std::string, std::pair<std::size_t, double>> known = {
      {"nasa_http_1995_per_min.csv", {89280, 60}},
      {"wikipedia_en_2016_01_per_hour.csv", {744, 3600}},
      {"alibaba_2018_cluster_cpu_5min.csv", {2304, 300}},
      {"bitbrains_vm303_cpu_5min.csv", {26208, 300}},
      {"aws_elb_request_count_5min.csv", {4040, 300}},
      {"planetlab_busiest_vm_cpu_5min.csv", {576, 300}},
  };
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    SCOPED_TRACE(entry.path().string());
    Result<Trace> trace = ReadTrace(entry.path().string());
    ASSERT_TRUE(trace.ok()) << trace.status().message();
    ++parsed;
    EXPECT_GT(trace->size(), 0u);
    EXPECT_GT(trace->step_s, 0);
    EXPECT_EQ(trace->timestamps_s.size(), trace->values.size());
    auto it = known.find(entry.path().filename().string());
    if (it != known.end()) {
      EXPECT_EQ(trace->size(), it->second.first);
      EXPECT_DOUBLE_EQ(trace->step_s, it->second.second);
    }
  }
  EXPECT_GT(parsed, 0) << "no .csv files in " << dir.string();
#else
  GTEST_SKIP() << "PRESCALE_SHARED_DIR is not defined for this build; skipping.";
#endif
}

}  // namespace
}  // namespace prescale
