#include "app/detect_command.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

namespace prescale::app {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::stringstream ls(line);
    for (std::string f; std::getline(ls, f, ',');) fields.push_back(f);
    rows.push_back(fields);
  }
  return rows;
}

class DetectCommandTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("detect_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  // Five days at 5-minute steps from 2014-04-01, a daily wave, optionally a spike.
  static std::string Series(int spike_at = -1, int rows = 5 * 288) {
    std::ostringstream s;
    s << "timestamp,value\n";
    for (int i = 0; i < rows; ++i) {
      const double v = 50 + 20 * std::sin(2 * std::numbers::pi * i / 288) + (i * 7919 % 13) * 0.3 +
                       (i == spike_at ? 200 : 0);
      s << NabTimestamp(1396310400 + 300.0 * i) << "," << v << "\n";
    }
    return s.str();
  }

  int Run(DetectFlags f, std::string* messages = nullptr) {
    std::ostringstream out, err;
    const int code = RunDetect(f, out, err);
    if (messages) *messages = out.str() + err.str();
    return code;
  }

  fs::path dir_;
};

TEST_F(DetectCommandTest, BadInputNamesTheProblemAndExitsTwo) {
  const std::string good = Write("good.csv", Series());
  Write("nab/empty/.keep", "");
  struct Case {
    const char* name;
    std::function<void(DetectFlags&)> set;
    std::string want;  // a piece of the message
  };
  const Case cases[] = {
      {"no mode", [](DetectFlags& f) { f.out = "x.csv"; }, "give either --input"},
      {"both modes",
       [&](DetectFlags& f) {
         f.input = good;
         f.nab = dir_.string();
         f.out = "x";
       },
       "not both"},
      {"no out", [&](DetectFlags& f) { f.input = good; }, "--input needs --out"},
      {"missing file",
       [&](DetectFlags& f) {
         f.input = (dir_ / "absent.csv").string();
         f.out = (dir_ / "o.csv").string();
       },
       "absent.csv: cannot open"},
      {"bad csv",
       [&](DetectFlags& f) {
         f.input =
             Write("bad.csv", "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,x\n");
         f.out = (dir_ / "o.csv").string();
       },
       "bad.csv:3: value 'x' is not a number"},
      {"time backwards",
       [&](DetectFlags& f) {
         f.input = Write("back.csv", "timestamp,value\n600,1\n300,1\n");
         f.out = (dir_ / "o.csv").string();
       },
       "back.csv:3: time goes backwards"},
      {"unknown detector",
       [&](DetectFlags& f) {
         f.input = good;
         f.out = (dir_ / "o.csv").string();
         f.detector = "surprize";
       },
       "unknown anomaly detector 'surprize' (did you mean 'surprise'?)"},
      {"bad setting in config",
       [&](DetectFlags& f) {
         f.input = good;
         f.out = (dir_ / "o.csv").string();
         f.config = Write("c.yaml", "detector:\n  type: surprise\n  threshold: 2\n");
       },
       "'threshold' must be > 0 and < 1, got 2"},
      {"nab not a directory",
       [&](DetectFlags& f) {
         f.nab = good;
         f.out = (dir_ / "r").string();
       },
       "not a directory"},
      {"nab without files",
       [&](DetectFlags& f) {
         f.nab = (dir_ / "nab").string();
         f.out = (dir_ / "r").string();
       },
       "no <category>/<file>.csv files"},
      {"bad labels",
       [&](DetectFlags& f) {
         f.input = good;
         f.out = (dir_ / "o.csv").string();
         f.labels = Write("l.json", "{\"a/b.csv\": [[\"2014-04-01\"]]}");
       },
       "expected each window as"},
      {"labels not json",
       [&](DetectFlags& f) {
         f.input = good;
         f.out = (dir_ / "o.csv").string();
         f.labels = Write("l2.json", "{nope");
       },
       "not JSON"},
      {"bad name",
       [&](DetectFlags& f) {
         f.nab = dir_.string();
         f.out = (dir_ / "r").string();
         f.name = "a/b";
       },
       "--name must be"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DetectFlags f;
    c.set(f);
    std::string messages;
    EXPECT_EQ(Run(f, &messages), 2);
    EXPECT_NE(messages.find(c.want), std::string::npos) << messages;
  }
}

TEST_F(DetectCommandTest, UnwritableOutputExitsOne) {
  DetectFlags f;
  f.input = Write("good.csv", Series());
  f.out = (dir_ / "no" / "such" / "dir" / "o.csv").string();
  std::string messages;
  EXPECT_EQ(Run(f, &messages), 1);
  EXPECT_NE(messages.find("cannot write"), std::string::npos) << messages;
}

TEST_F(DetectCommandTest, WritesOneNabRowPerInputRow) {
  // Irregular spacing, a repeated timestamp, a negative value, epoch seconds and CRLF.
  const std::string text =
      "timestamp,value\r\n"
      "1396310400,10\r\n"
      "1396310700,11\r\n"
      "1396310700,12\r\n"
      "1396311600,-3.5\r\n"
      "2014-04-01 00:25:00,9\r\n";
  DetectFlags f;
  f.input = Write("irregular.csv", text);
  f.out = (dir_ / "out.csv").string();
  ASSERT_EQ(Run(f), 0);
  const auto rows = ReadCsv(f.out);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"timestamp", "value", "anomaly_score", "label"}));
  const char* stamps[] = {"2014-04-01 00:00:00", "2014-04-01 00:05:00", "2014-04-01 00:05:00",
                          "2014-04-01 00:20:00", "2014-04-01 00:25:00"};
  const char* values[] = {"10", "11", "12", "-3.5", "9"};
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(rows[i + 1].size(), 4u);
    EXPECT_EQ(rows[i + 1][0], stamps[i]);
    EXPECT_EQ(rows[i + 1][1], values[i]);
    const double score = std::stod(rows[i + 1][2]);
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 1);
    EXPECT_EQ(rows[i + 1][3], "0");
  }
}

TEST_F(DetectCommandTest, ScoresAPlantedSpikeAndNothingElse) {
  constexpr int kSpike = 4 * 288 + 40;
  DetectFlags f;
  f.input = Write("spike.csv", Series(kSpike));
  f.out = (dir_ / "out.csv").string();
  std::string messages;
  ASSERT_EQ(Run(f, &messages), 0) << messages;
  const auto rows = ReadCsv(f.out);
  std::vector<int> alerts;
  for (std::size_t i = 1 + 288; i < rows.size(); ++i) {
    if (std::stod(rows[i][2]) >= 0.5) alerts.push_back(static_cast<int>(i) - 1);
  }
  EXPECT_EQ(alerts, std::vector<int>{kSpike});
}

TEST_F(DetectCommandTest, NabLayoutBecomesResultsLayoutWithLabels) {
  Write("nab/data/catA/one.csv", Series());
  Write("nab/data/catA/two.csv", Series(700));
  Write("nab/data/catB/three.csv", Series(-1, 500));
  Write("nab/data/catB/notes.txt", "not a series");
  Write("nab/labels/combined_windows.json",
        "{\"catA/two.csv\": [[\"2014-04-03 09:00:00.000000\", \"2014-04-03 10:00:00.000000\"]],"
        " \"catA/one.csv\": [], \"catB/three.csv\": []}");
  DetectFlags f;
  f.nab = (dir_ / "nab" / "data").string();
  f.out = (dir_ / "results").string();
  f.name = "mine";
  std::string messages;
  ASSERT_EQ(Run(f, &messages), 0) << messages;
  EXPECT_NE(messages.find("3 file(s)"), std::string::npos) << messages;
  for (const char* rel : {"catA/mine_one.csv", "catA/mine_two.csv", "catB/mine_three.csv"}) {
    EXPECT_TRUE(fs::exists(dir_ / "results" / rel)) << rel;
  }
  EXPECT_FALSE(fs::exists(dir_ / "results" / "catB" / "mine_notes.txt"));
  // The window 09:00 .. 10:00 on day 3 covers rows 2*288 + 108 .. 2*288 + 120.
  const auto rows = ReadCsv((dir_ / "results" / "catA" / "mine_two.csv").string());
  ASSERT_EQ(rows.size(), 5u * 288 + 1);
  for (int i = 0; i < 5 * 288; ++i) {
    const bool inside = i >= 2 * 288 + 108 && i <= 2 * 288 + 120;
    ASSERT_EQ(rows[static_cast<std::size_t>(i) + 1][3], inside ? "1" : "0") << "row " << i;
  }
}

TEST(DetectTraceTest, AGapIsFedAsMissingValuesSoTheSeasonHolds) {
  // Rows 100..159 of a 5-minute series are absent from the file: the detector must
  // see 60 missing values there, exactly as if they had been fed one by one.
  Trace trace;
  trace.step_s = 300;
  std::vector<std::optional<double>> fed;
  for (int i = 0; i < 3 * 288; ++i) {
    const double v = 50 + 20 * std::sin(2 * std::numbers::pi * i / 288) + (i % 5);
    if (i >= 100 && i < 160) {
      fed.push_back(std::nullopt);
      continue;
    }
    trace.timestamps_s.push_back(300.0 * i);
    trace.values.push_back(v);
    fed.push_back(v);
  }
  Result<std::vector<AnomalyResult>> got = DetectTrace(trace, PluginSpec{"surprise", {}, {}});
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), trace.size());
  auto direct = Detectors().Create("surprise", Params(), DetectorContext{Duration(300)});
  ASSERT_TRUE(direct.ok());
  std::size_t row = 0;
  for (const std::optional<double>& v : fed) {
    const AnomalyResult want = (*direct)->Update(v);
    if (!v) continue;
    EXPECT_EQ((*got)[row].score, want.score) << "row " << row;
    EXPECT_EQ((*got)[row].anomaly, want.anomaly) << "row " << row;
    ++row;
  }
}

TEST(NabTimestampTest, FormatsUtcAsNabDoes) {
  EXPECT_EQ(NabTimestamp(1396310400), "2014-04-01 00:00:00");
  EXPECT_EQ(NabTimestamp(1309478401), "2011-07-01 00:00:01");
  EXPECT_EQ(NabTimestamp(0.25), "1970-01-01 00:00:00.250000");
}

#if defined(PRESCALE_BINARY) && defined(PRESCALE_SHARED_DIR)
// The binary on three of NAB's own files (one irregularly spaced, one with repeated
// timestamps, one with negative values), then the shared scorer on its output.
TEST(DetectBinaryTest, NabFilesComeOutAsTheScorerReadsThem) {
  const fs::path nab = fs::path(PRESCALE_SHARED_DIR) / "nab";
  const char* const kFiles[] = {"realTraffic/speed_7578.csv",
                                "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv",
                                "artificialWithAnomaly/art_daily_flatmiddle.csv"};
  for (const char* rel : kFiles) {
    if (!fs::exists(nab / "data" / rel)) {
      GTEST_SKIP() << "No NAB corpus at " << nab.string() << "; skipping, which is fine.";
    }
  }
  const fs::path dir = fs::path(testing::TempDir()) / "detect_binary_nab";
  fs::remove_all(dir);
  for (const char* rel : kFiles) {
    fs::create_directories(dir / "data" / fs::path(rel).parent_path());
    fs::copy_file(nab / "data" / rel, dir / "data" / rel);
  }
  const std::string cmd = std::string(PRESCALE_BINARY) + " detect --nab " +
                          (dir / "data").string() + " --out " + (dir / "results").string() +
                          " --labels " + (nab / "labels" / "combined_windows.json").string() +
                          " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  ASSERT_EQ(WEXITSTATUS(rc), 0);

  for (const char* rel : kFiles) {
    SCOPED_TRACE(rel);
    const auto data = ReadCsv((nab / "data" / rel).string());
    const fs::path out = dir / "results" / fs::path(rel).parent_path() /
                         ("prescale_" + fs::path(rel).filename().string());
    const auto results = ReadCsv(out.string());
    ASSERT_EQ(results.size(), data.size());  // one row per data row, plus the header
    EXPECT_EQ(results[0],
              (std::vector<std::string>{"timestamp", "value", "anomaly_score", "label"}));
    int labelled = 0;
    for (std::size_t i = 1; i < data.size(); ++i) {
      ASSERT_EQ(results[i].size(), 4u) << "row " << i;
      // The scorer pairs rows by position and warns when timestamps differ.
      ASSERT_EQ(results[i][0], data[i][0]) << "row " << i;
      ASSERT_EQ(std::stod(results[i][1]), std::stod(data[i][1])) << "row " << i;
      const double score = std::stod(results[i][2]);
      ASSERT_TRUE(score >= 0 && score <= 1) << "row " << i;
      labelled += results[i][3] == "1";
    }
    EXPECT_GT(labelled, 0);  // each of these files has a window
  }

  // The scorer itself, when Debian's python3 with numpy is here.
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "No /usr/bin/python3 with numpy; the format checks above passed.";
  }
  {
    std::ofstream list(dir / "files.txt");
    for (const char* rel : kFiles) list << rel << "\n";
  }
  const fs::path report = dir / "score.txt";
  const std::string score_cmd =
      "/usr/bin/python3 " + (fs::path(PRESCALE_SHARED_DIR) / "bench" / "nab_score.py").string() +
      " --data " + (nab / "data").string() + " --labels " +
      (nab / "labels" / "combined_windows.json").string() + " --profiles " +
      (nab / "config" / "profiles.json").string() + " --results " + (dir / "results").string() +
      " --detector prescale --files-from " + (dir / "files.txt").string() + " >" + report.string() +
      " 2>&1";
  const int src = std::system(score_cmd.c_str());
  std::ifstream in(report);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(src) && WEXITSTATUS(src) == 0) << text;
  EXPECT_NE(text.find("3 files, "), std::string::npos) << text;
  EXPECT_NE(text.find("standard"), std::string::npos) << text;
  EXPECT_EQ(text.find("warning"), std::string::npos) << text;
  fs::remove_all(dir);
}
#endif

}  // namespace
}  // namespace prescale::app
