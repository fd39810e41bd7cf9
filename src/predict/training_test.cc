#include "predict/training.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "predict/predict_test_util.h"

namespace prescale::predict {
namespace {

namespace fs = std::filesystem;

constexpr char kHeader[] =
    "cpu_usage,memory_usage,network_traffic,power_consumption,num_executed_instructions,"
    "execution_time,energy_efficiency,task_type,task_priority,task_status,label\n";

std::string WriteCsv(const std::string& name, const std::string& text) {
  const std::string path = (fs::temp_directory_path() / ("prescale_training_" + name)).string();
  std::ofstream(path) << text;
  return path;
}

TEST(TrainingTest, ReadsALabelledCsvInAnyColumnOrder) {
  const std::string path =
      WriteCsv("ok.csv", std::string(kHeader) +
                             "45.5,60.2,122.1,35.6,1200000000,0.8,0.92,compute,high,completed,1\n"
                             "90,95,1,50,5e9,1.2,0.5,compute,high,running,High\n"
                             "5,6,0.5,21,1e8,0.3,0.2,io,low,waiting,Low\n");
  auto rows = ReadLabelledCsv(path);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].label, DemandClass::kMedium);
  EXPECT_EQ((*rows)[1].label, DemandClass::kHigh);
  EXPECT_EQ((*rows)[2].features.task_type, "io");
  EXPECT_DOUBLE_EQ((*rows)[1].features.num_executed_instructions, 5e9);
  fs::remove(path);
}

TEST(TrainingTest, CsvErrorsNameTheLine) {
  const std::string ok = "45.5,60.2,122.1,35.6,1200000000,0.8,0.92,compute,high,completed,1\n";
  struct Case {
    const char* name;
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"empty", "", "empty file"},
      {"no label",
       "cpu_usage,memory_usage,network_traffic,power_consumption,"
       "num_executed_instructions,execution_time,energy_efficiency,task_type,"
       "task_priority\n",
       ":1: no column 'label'"},
      {"no input", "cpu_usage,label\n", ":1: no column 'memory_usage'"},
      {"not a number", std::string(kHeader) + ok + "abc,60,1,1,1,1,1,io,low,x,0\n",
       ":3: cpu_usage 'abc' is not a number"},
      {"bad label", std::string(kHeader) + "1,60,1,1,1,1,1,io,low,x,7\n",
       ":2: label '7' is not 0, 1, 2, Low, Medium or High"},
      {"bad category", std::string(kHeader) + "1,60,1,1,1,1,1,gpu,low,x,0\n",
       ":2: feature task_type: unknown category 'gpu'"},
      {"short row", std::string(kHeader) + "1,60\n", ":2: 2 fields, the header has 11"},
      {"header only", kHeader, "no rows after the header"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteCsv("bad.csv", c.text);
    auto rows = ReadLabelledCsv(path);
    ASSERT_FALSE(rows.ok()) << c.name;
    EXPECT_NE(rows.status().message().find(c.message), std::string::npos)
        << c.name << ": " << rows.status().message();
    fs::remove(path);
  }
}

TEST(TrainingTest, HeldOutRowsGiveTheConfusionMatrix) {
  TrainOptions o;
  o.params.rounds = 8;
  o.params.max_depth = 3;
  auto trained = TrainDemandModel(test::CpuRuleRows(), o);
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  const Evaluation& e = trained->held_out;
  std::int64_t total = 0;
  for (const auto& row : e.confusion) {
    for (std::int64_t n : row) total += n;
  }
  EXPECT_EQ(total, e.rows);
  EXPECT_EQ(e.rows, trained->model->info().training.test_rows);
  EXPECT_GT(e.accuracy, 0.9);  // the rule is exact in the CPU column
  EXPECT_DOUBLE_EQ(trained->model->info().training.test_accuracy, e.accuracy);
  const std::string table = FormatEvaluation(e);
  EXPECT_NE(table.find("held-out accuracy"), std::string::npos) << table;
  EXPECT_NE(table.find("Medium"), std::string::npos) << table;
}

TEST(TrainingTest, ChronologicalSplitHoldsOutTheEnd) {
  TrainOptions o;
  o.params.rounds = 2;
  o.split = Split::kChronological;
  o.test_fraction = 0.25;
  auto trained = TrainDemandModel(test::CpuRuleRows(400), o);
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(trained->model->info().training.test_rows, 100);
  EXPECT_EQ(trained->model->info().training.split, "chronological");
}

TEST(TrainingTest, BadOptionsAndTooFewRowsAreErrors) {
  TrainOptions o;
  o.test_fraction = 1.5;
  EXPECT_FALSE(TrainDemandModel(test::CpuRuleRows(), o).ok());
  o = TrainOptions{};
  o.params.rounds = 0;
  EXPECT_FALSE(TrainDemandModel(test::CpuRuleRows(), o).ok());
  auto few = TrainDemandModel(test::CpuRuleRows(5), TrainOptions{});
  ASSERT_FALSE(few.ok());
  EXPECT_NE(few.status().message().find("too few labelled rows"), std::string::npos);
}

}  // namespace
}  // namespace prescale::predict
