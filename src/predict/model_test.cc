#include "predict/model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "features/model_features.h"
#include "predict/predict_test_util.h"

namespace prescale::predict {
namespace {

namespace fs = std::filesystem;

class ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("prescale_model_test_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  fs::path dir_;
};

TEST_F(ModelTest, LearnsTheRuleItWasTrainedOn) {
  auto model = test::TrainCpuRuleModel();
  ASSERT_NE(model, nullptr);
  const std::pair<double, DemandClass> cases[] = {
      {5, DemandClass::kLow}, {50, DemandClass::kMedium}, {95, DemandClass::kHigh}};
  for (const auto& [cpu, want] : cases) {
    auto c = model->Classify(test::WithCpu(cpu));
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(c->demand_class, want) << "cpu " << cpu;
    EXPECT_GT(c->confidence, 0.5);
    EXPECT_NEAR(c->probabilities[0] + c->probabilities[1] + c->probabilities[2], 1.0, 1e-5);
  }
}

TEST_F(ModelTest, TrainingIsDeterministic) {
  auto a = test::TrainCpuRuleModel();
  auto b = test::TrainCpuRuleModel();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a->booster().SaveJson(), *b->booster().SaveJson());
}

TEST_F(ModelTest, SavedModelLoadsAndPredictsTheSame) {
  auto model = test::TrainCpuRuleModel();
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->Save(Path("m.json")).ok());
  EXPECT_TRUE(fs::exists(Path("m.meta.json")));
  auto loaded = DemandModel::Load(Path("m.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->info().training.source, "test");
  EXPECT_EQ((*loaded)->info().feature_names, CurrentModelInfo().feature_names);
  for (double cpu : {1.0, 33.3, 74.9, 75.1, 99.0}) {
    auto want = model->Classify(test::WithCpu(cpu));
    auto got = (*loaded)->Classify(test::WithCpu(cpu));
    ASSERT_TRUE(want.ok() && got.ok());
    EXPECT_EQ(got->probabilities, want->probabilities) << cpu;
  }
}

TEST_F(ModelTest, ConcurrentPredictionsAgree) {
  auto model = test::TrainCpuRuleModel();
  ASSERT_NE(model, nullptr);
  const auto want = model->Classify(test::WithCpu(60));
  ASSERT_TRUE(want.ok());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto c = model->Classify(test::WithCpu(60));
        if (!c.ok() || c->probabilities != want->probabilities) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(ModelTest, LoadErrorsSayWhatIsWrong) {
  auto model = test::TrainCpuRuleModel();
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->Save(Path("good.json")).ok());
  std::ifstream meta_in(Path("good.meta.json"));
  std::string meta((std::istreambuf_iterator<char>(meta_in)), {});
  std::ifstream model_in(Path("good.json"));
  std::string booster((std::istreambuf_iterator<char>(model_in)), {});
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  struct Case {
    const char* name;
    std::string model;  // "" = no file
    std::string meta;
    const char* message;
  };
  const Case cases[] = {
      {"no metadata", booster, "", "its metadata: cannot read"},
      {"metadata not JSON", booster, "{", "model metadata"},
      {"not our metadata", booster, R"({"a": 1})", "not a prescale model metadata file"},
      {"other encoding", booster, replace(meta, "seed2-onehot-v1", "seed2-dummies"),
       "encoding 'seed2-dummies', but this prescale encodes 'seed2-onehot-v1'"},
      {"columns reordered", booster,
       replace(meta, "\"feature_names\": [\n    \"cpu_usage\",\n    \"memory_usage\"",
               "\"feature_names\": [\n    \"memory_usage\",\n    \"cpu_usage\""),
       "feature_names[0] is 'memory_usage', expected 'cpu_usage'"},
      {"no booster", "", meta, "cannot read"},
      {"booster not JSON", "binf...", meta, "not an XGBoost JSON model"},
      {"booster broken", "{\"learner\": 1}", meta, "xgboost"},
  };
  for (const Case& c : cases) {
    const std::string path = Path(std::string("case.json"));
    fs::remove(path);
    fs::remove(MetadataPath(path));
    if (!c.model.empty()) Write(path, c.model);
    if (!c.meta.empty()) Write(MetadataPath(path), c.meta);
    auto loaded = DemandModel::Load(path);
    ASSERT_FALSE(loaded.ok()) << c.name;
    EXPECT_NE(loaded.status().message().find(c.message), std::string::npos)
        << c.name << ": " << loaded.status().message();
  }
}

TEST_F(ModelTest, MetadataSitsBesideTheModel) {
  EXPECT_EQ(MetadataPath("models/default.json"), "models/default.meta.json");
  EXPECT_EQ(MetadataPath("model.bin"), "model.bin.meta.json");
}

TEST_F(ModelTest, ArgmaxTiesGoToTheLowerClass) {
  const float p[3] = {0.4f, 0.4f, 0.2f};
  EXPECT_EQ(FromProbabilities(p).demand_class, DemandClass::kLow);
  const float q[3] = {0.1f, 0.2f, 0.7f};
  EXPECT_EQ(FromProbabilities(q).demand_class, DemandClass::kHigh);
  EXPECT_FLOAT_EQ(FromProbabilities(q).confidence, 0.7f);
}

TEST_F(ModelTest, TheBuildsDefaultModelLoads) {
  if (!fs::exists(DefaultModelPath())) GTEST_SKIP() << "no " << DefaultModelPath();
  auto loaded = DemandModel::Load(DefaultModelPath());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->info().training.split, "chronological");
  EXPECT_GT((*loaded)->info().training.test_accuracy, 0.7);
}

}  // namespace
}  // namespace prescale::predict
