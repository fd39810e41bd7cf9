#include "daemon/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace prescale {
namespace {

namespace fs = std::filesystem;

class StateStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::path(testing::TempDir()) /
            ("state_store_" + std::to_string(getpid()) + "_" +
             testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    Remove();
  }
  void TearDown() override { Remove(); }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
  }

  static StoredGroup Group(const std::string& tag, bool with_models) {
    StoredGroup g;
    g.group = "web";
    g.policy_type = "predictive";
    g.forecaster_type = "auto";
    g.detector_type = "surprise";
    g.state.controller = "controller " + tag;
    g.state.policy = "policy " + tag;
    if (with_models) {
      g.state.forecaster = "forecaster " + tag;
      g.state.detector = "detector " + tag;
    }
    g.with_models = with_models;
    return g;
  }

  // Saves each round in turn (a round a second apart) through one store, then closes it.
  void Save(const std::vector<StoredGroup>& rounds) {
    auto store = StateStore::Open(path_.string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    TimePoint t = t0_;
    for (const StoredGroup& g : rounds) {
      ASSERT_TRUE((*store)->SaveAll({g}, t).ok());
      t += Duration(1);
    }
  }

  StoredGroup Load() {
    auto store = StateStore::Open(path_.string());
    EXPECT_TRUE(store.ok()) << store.status().message();
    auto g = (*store)->Load("web");
    EXPECT_TRUE(g.ok()) << g.status().message();
    EXPECT_TRUE(g->has_value());
    return g->value_or(StoredGroup{});
  }

  fs::path path_;
  const TimePoint t0_ = FromEpochSeconds(1'700'000'000);
};

TEST_F(StateStoreTest, SavesAndLoadsEveryPart) {
  Save({Group("1", true)});
  const StoredGroup g = Load();
  EXPECT_EQ(g.policy_type, "predictive");
  EXPECT_EQ(g.forecaster_type, "auto");
  EXPECT_EQ(g.detector_type, "surprise");
  EXPECT_EQ(g.state.controller, "controller 1");
  EXPECT_EQ(g.state.policy, "policy 1");
  EXPECT_EQ(g.state.forecaster, "forecaster 1");
  EXPECT_EQ(g.state.detector, "detector 1");
}

TEST_F(StateStoreTest, DecisionStateAloneKeepsTheModels) {
  Save({Group("1", true), Group("2", false)});
  const StoredGroup g = Load();
  EXPECT_EQ(g.state.policy, "policy 2");
  EXPECT_EQ(g.state.controller, "controller 2");
  EXPECT_EQ(g.state.forecaster, "forecaster 1");
  EXPECT_EQ(g.state.detector, "detector 1");
  // When the models were saved, not the decision state: a restart feeds the models
  // the intervals since as missing values.
  ASSERT_TRUE(g.models_saved_at.has_value());
  EXPECT_EQ(ToEpochSeconds(*g.models_saved_at), ToEpochSeconds(t0_));
}

TEST_F(StateStoreTest, DecisionStateBeforeAnyModelsLeavesThemEmpty) {
  Save({Group("1", false)});
  const StoredGroup g = Load();
  EXPECT_EQ(g.state.policy, "policy 1");
  EXPECT_TRUE(g.state.forecaster.empty());
  EXPECT_TRUE(g.state.detector.empty());
}

// A state.db written before the models had a table of their own still restores them.
TEST_F(StateStoreTest, ReadsTheModelsOfAnOlderStore) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const char* old_layout =
      "CREATE TABLE group_state (grp TEXT PRIMARY KEY, saved_at REAL NOT NULL,"
      " policy_type TEXT, policy TEXT, forecaster_type TEXT, forecaster TEXT,"
      " detector_type TEXT, detector TEXT, controller TEXT);"
      "INSERT INTO group_state VALUES ('web', 1.0, 'predictive', 'p', 'auto', 'f', 'surprise',"
      " 'd', 'c');";
  ASSERT_EQ(sqlite3_exec(db, old_layout, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  StoredGroup g = Load();
  EXPECT_EQ(g.state.policy, "p");
  EXPECT_EQ(g.state.forecaster, "f");
  EXPECT_EQ(g.state.detector, "d");
  EXPECT_EQ(g.state.controller, "c");
  // The next whole save moves the models to their table; a decision save then keeps them.
  Save({Group("2", true), Group("3", false)});
  g = Load();
  EXPECT_EQ(g.state.policy, "policy 3");
  EXPECT_EQ(g.state.forecaster, "forecaster 2");
}

TEST_F(StateStoreTest, UnknownGroupIsNothing) {
  auto store = StateStore::Open(path_.string());
  ASSERT_TRUE(store.ok());
  auto g = (*store)->Load("nope");
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->has_value());
}

}  // namespace
}  // namespace prescale
