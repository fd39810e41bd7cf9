#include "app/predict_commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "config/daemon_config.h"
#include "predict/model.h"
#include "sim/simulator.h"
#include "sources/synthetic.h"

namespace prescale::app {
namespace {

namespace fs = std::filesystem;

class PredictCommandsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::path(testing::TempDir()) /
        ("predict_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Two days of synthetic load at 5-minute steps.
  Trace SyntheticDays(int days = 2) {
    SyntheticConfig c;
    c.base_per_s = 100;
    return SampleTrace(SyntheticWorkload(c), 1735689600, 300, days * 288, "synthetic");
  }
  std::string WriteTrace(const Trace& t) {
    const std::string path = Path("trace.csv");
    std::ofstream out(path);
    out << "timestamp,value\n" << std::fixed << std::setprecision(3);
    for (std::size_t i = 0; i < t.size(); ++i)
      out << t.timestamps_s[i] << "," << t.values[i] << "\n";
    return path;
  }
  // Trains on the trace (capacity 10/s) into model.json; "" on failure.
  std::string TrainedModel(const std::string& trace) {
    TrainFlags f;
    f.trace = trace;
    f.capacity = 10;
    f.rounds = 10;
    f.out = Path("model.json");
    std::ostringstream out, err;
    if (RunTrain(f, out, err) != 0) {
      ADD_FAILURE() << err.str();
      return "";
    }
    return f.out;
  }

  fs::path dir_;
};

TEST_F(PredictCommandsTest, TrainFromATracePrintsTheConfusionMatrixAndWritesTheModel) {
  TrainFlags f;
  f.trace = WriteTrace(SyntheticDays());
  f.capacity = 10;
  f.rounds = 10;
  f.out = Path("m/model.json");
  std::ostringstream out, err;
  ASSERT_EQ(RunTrain(f, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("actual \\ predicted"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("held-out accuracy"), std::string::npos);
  EXPECT_NE(out.str().find("chronological split"), std::string::npos);
  auto model = predict::DemandModel::Load(f.out);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->info().training.source, "trace " + f.trace);
  EXPECT_GT((*model)->info().training.test_accuracy, 0.6);
}

TEST_F(PredictCommandsTest, TrainFromACsv) {
  std::ofstream csv(Path("rows.csv"));
  csv << "cpu_usage,memory_usage,network_traffic,power_consumption,num_executed_instructions,"
         "execution_time,energy_efficiency,task_type,task_priority,label\n";
  for (int i = 0; i < 200; ++i) {
    const double cpu = i % 100;
    csv << cpu << ",50,10,30,1e9,0.5,0.9," << (cpu > 50 ? "compute" : "io") << ",medium,"
        << (cpu > 75 ? 2 : (cpu < 25 ? 0 : 1)) << "\n";
  }
  csv.close();
  TrainFlags f;
  f.csv = Path("rows.csv");
  f.out = Path("csv.json");
  f.rounds = 5;
  std::ostringstream out, err;
  ASSERT_EQ(RunTrain(f, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("random split"), std::string::npos) << out.str();
  EXPECT_TRUE(fs::exists(Path("csv.meta.json")));
}

TEST_F(PredictCommandsTest, TrainRefusesBadInputWithExitTwo) {
  struct Case {
    const char* name;
    TrainFlags flags;
    const char* message;
  };
  TrainFlags none;
  none.out = Path("x.json");
  TrainFlags two = none;
  two.synthetic = true;
  two.csv = "rows.csv";
  TrainFlags no_out;
  no_out.synthetic = true;
  TrainFlags missing = none;
  missing.csv = Path("absent.csv");
  TrainFlags bad_trace = none;
  bad_trace.trace = Path("absent.csv");
  TrainFlags bad_days = none;
  bad_days.synthetic = true;
  bad_days.days = 0;
  const Case cases[] = {
      {"no source", none, "exactly one of --csv FILE, --trace FILE or --synthetic"},
      {"two sources", two, "exactly one of"},
      {"no out", no_out, "--out PATH is required"},
      {"missing csv", missing, "cannot read"},
      {"missing trace", bad_trace, "absent.csv"},
      {"bad days", bad_days, "--days"},
  };
  for (const Case& c : cases) {
    std::ostringstream out, err;
    EXPECT_EQ(RunTrain(c.flags, out, err), 2) << c.name;
    EXPECT_NE(err.str().find(c.message), std::string::npos) << c.name << ": " << err.str();
  }
}

TEST_F(PredictCommandsTest, ServeRefusesAModelThatDoesNotLoad) {
  ServeFlags f;
  f.model = Path("absent.json");
  std::ostringstream out, err;
  EXPECT_EQ(RunServe(f, out, err), 2);
  EXPECT_NE(err.str().find("absent.meta.json"), std::string::npos) << err.str();
}

// simulate --policy classifier: the model decides at every step, and a prefix of
// the trace gives a prefix of the same decisions.
TEST_F(PredictCommandsTest, SimulateWithTheClassifierDecidesOnItsClasses) {
  const Trace trace = SyntheticDays();
  const std::string model = TrainedModel(WriteTrace(trace));
  ASSERT_FALSE(model.empty());
  SimulationOptions o;
  o.capacity_per_instance = 10;
  o.policy.type = "classifier";
  o.policy.params.Set("model", model);
  auto full = Simulate(trace, o);
  ASSERT_TRUE(full.ok()) << full.status().message();
  int ups = 0;
  for (const SimulationStep& s : full->steps) {
    EXPECT_NE(s.reason, Reason::kClassifierFallback);
    ups += s.action == Action::kScaleUp;
  }
  EXPECT_GT(ups, 0);
  Trace head = trace;
  head.timestamps_s.resize(200);
  head.values.resize(200);
  auto part = Simulate(head, o);
  ASSERT_TRUE(part.ok());
  for (std::size_t t = 0; t < 200; ++t) {
    ASSERT_EQ(part->steps[t].desired, full->steps[t].desired) << "step " << t;
  }
}

// A remote predictor nobody answers: every step falls back to predictive, with
// the reason, and decides exactly as predictive alone would.
TEST_F(PredictCommandsTest, SimulateFallsBackToPredictiveWhenThePredictorIsDown) {
  const Trace trace = SyntheticDays(1);
  SimulationOptions o;
  o.capacity_per_instance = 10;
  o.policy.type = "classifier";
  o.policy.params.Set("predictor_url", "http://127.0.0.1:1/predict");
  o.policy.params.Set("timeout_s", "0.5");
  auto fallback = Simulate(trace, o);
  ASSERT_TRUE(fallback.ok()) << fallback.status().message();
  o.policy = PluginSpec{"predictive", Params(), {}};
  auto predictive = Simulate(trace, o);
  ASSERT_TRUE(predictive.ok());
  for (std::size_t t = 0; t < trace.size(); ++t) {
    EXPECT_EQ(fallback->steps[t].reason, Reason::kClassifierFallback) << t;
    ASSERT_EQ(fallback->steps[t].desired, predictive->steps[t].desired) << t;
  }
}

TEST_F(PredictCommandsTest, ABadModelPathFailsWhenTheGroupIsBuilt) {
  SimulationOptions o;
  o.capacity_per_instance = 10;
  o.policy.type = "classifier";
  o.policy.params.Set("model", Path("absent.json"));
  auto r = Simulate(SyntheticDays(1), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("absent.meta.json"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace prescale::app

namespace prescale::app {
namespace {

TEST_F(PredictCommandsTest, ConfigErrorsOfTheClassifierPointIntoTheFile) {
  const std::string path = Path("cfg.yaml");
  std::ofstream(path) << "groups:\n"
                         "  - name: web\n"
                         "    source: {type: synthetic}\n"
                         "    capacity_per_instance: 10\n"
                         "    policy:\n"
                         "      type: classifier\n"
                         "      model: "
                      << Path("absent.json") << "\n";
  auto config = LoadDaemonConfig(path);
  ASSERT_TRUE(config.ok()) << config.status().message();
  Status s = ValidateDaemonConfig(*config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ":7:14: "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("absent.meta.json"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace prescale::app
