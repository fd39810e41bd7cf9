#include "daemon/daemon.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon/state_store.h"

namespace prescale {
namespace {

namespace fs = std::filesystem;

class DaemonTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("daemon_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  DaemonConfig Config(const std::string& groups_yaml, const std::string& global_yaml = "") {
    std::string yaml = "global:\n  interval_s: 10\n  listen: ''\n" + global_yaml + "  outputs:\n";
    for (const char* k :
         {"metrics_csv", "anomalies_log", "decisions_jsonl", "log_file", "state_db"}) {
      yaml += std::string("    ") + k + ": " + (dir_ / k).string() + "\n";
    }
    yaml += "groups:\n" + groups_yaml;
    auto c = ParseDaemonConfig(yaml, "test.yaml");
    EXPECT_TRUE(c.ok()) << c.status().message();
    return *c;
  }

  std::unique_ptr<Daemon> Make(const DaemonConfig& c) {
    auto d = Daemon::Create(c, clock_, log_, nullptr);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? std::move(d.value()) : nullptr;
  }

  void Ticks(Daemon& d, int n, double step_s = 10) {
    for (int i = 0; i < n; ++i) {
      d.TickDue();
      clock_.Advance(Duration(step_s));
    }
  }

  static std::size_t Lines(const fs::path& p) {
    std::ifstream in(p);
    std::size_t n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  }

  fs::path dir_;
  SimulatedClock clock_{FromEpochSeconds(1'700'000'000)};
  Logger log_{clock_, LogLevel::kInfo, nullptr};
};

const char kHpaGroup[] =
    "  - name: web\n"
    "    source: {type: synthetic, base_per_s: 100, amplitude: 0, noise: 0}\n"
    "    capacity_per_instance: 10\n"
    "    boot_delay_s: 0\n"
    "    policy: {type: hpa, target_utilization: 0.5}\n"
    "    min: 1\n    max: 50\n    initial: 2\n";

TEST_F(DaemonTest, TicksEveryIntervalAndWritesTheFiles) {
  auto d = Make(Config(kHpaGroup));
  ASSERT_NE(d, nullptr);
  Ticks(*d, 5);
  auto g = d->Group("web");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->ticks, 5);
  // 100/s at 10/s per instance and target 0.5 needs 20.
  EXPECT_EQ(g->desired, 20);
  EXPECT_EQ(Lines(dir_ / "metrics_csv"), 1u + 5u);  // header + a row per tick
  EXPECT_EQ(Lines(dir_ / "decisions_jsonl"), 5u);
  auto h = d->History("web", TimePoint());
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->size(), 5u);
  EXPECT_FALSE(d->History("nope", TimePoint()).has_value());
  auto since = d->History("web", (*h)[2].time);
  EXPECT_EQ(since->size(), 2u);
}

// The decision log keeps what changed: the first decision, every action, and a hold
// whose reason is new; not a hold that repeats.
TEST_F(DaemonTest, DecisionLogKeepsActionsAndChangesOfReason) {
  auto d = Make(Config(std::string(kHpaGroup) + "    cooldown_s: 100\n"));
  ASSERT_NE(d, nullptr);
  Ticks(*d, 6);
  const std::vector<DecisionRecord> log = d->Decisions(TimePoint(), 100);
  ASSERT_FALSE(log.empty());
  // Newest first.
  for (std::size_t i = 1; i < log.size(); ++i) EXPECT_GE(log[i - 1].time, log[i].time);
  const DecisionRecord& first = log.back();
  EXPECT_EQ(first.group, "web");
  EXPECT_EQ(first.action, Action::kScaleUp);  // from 2 towards 20 (100/s at 10/s, target 0.5)
  EXPECT_EQ(first.current, 2);
  EXPECT_GT(first.desired, 2);
  EXPECT_TRUE(first.applied);
  EXPECT_FALSE(first.message.empty());
  EXPECT_EQ(first.load_per_s, 100.0);
  // Six ticks of one steady load: fewer lines than ticks, and a hold is logged only
  // when its reason is new.
  EXPECT_LT(log.size(), 6u);
  for (std::size_t i = 0; i + 1 < log.size(); ++i) {
    if (log[i].action == Action::kHold) {
      EXPECT_NE(log[i].reason, log[i + 1].reason);
    }
  }
  EXPECT_EQ(d->Decisions(first.time, 100).size(), log.size() - 1);
  EXPECT_EQ(d->Decisions(TimePoint(), 1).size(), 1u);
}

TEST_F(DaemonTest, UnhealthyWhenAGroupStopsTicking) {
  auto d = Make(Config(kHpaGroup));
  Ticks(*d, 2);
  std::string why;
  EXPECT_TRUE(d->Healthy(clock_.Now(), &why));
  EXPECT_FALSE(d->Healthy(clock_.Now() + Duration(31), &why));
  EXPECT_NE(why.find("'web' has not ticked"), std::string::npos) << why;
}

// The state DB carries cooldowns across a restart: a new daemon on the same files
// must not act inside the cooldown that the old one started.
TEST_F(DaemonTest, RestartKeepsTheCooldown) {
  std::string group = std::string(kHpaGroup) + "    cooldown_s: 100\n";
  DaemonConfig c = Config(group);
  {
    auto d = Make(c);
    Ticks(*d, 1);  // scales 2 -> 20 at t0
    EXPECT_EQ(d->Group("web")->actions, 1);
  }
  // The simulated cluster restarts from `initial` (2): the new daemon wants 20
  // again at once, but its restored cooldown forbids acting before t0 + 100 s.
  auto d = Make(c);
  Ticks(*d, 9);  // t0+10 .. t0+90
  EXPECT_EQ(d->Group("web")->actions, 0);
  EXPECT_EQ(d->Group("web")->reason, Reason::kCooldown);
  Ticks(*d, 2);  // reaches t0+100
  EXPECT_EQ(d->Group("web")->actions, 1);
}

// The decision state is saved after every tick; the models, most of the bytes, every
// model_save_s of the group's time, and all of it when the daemon stops.
TEST_F(DaemonTest, ModelsAreSavedEveryModelSaveAndAtStop) {
  const std::string group =
      "  - name: web\n"
      "    source: {type: synthetic, base_per_s: 100, noise: 0.2, seed: 3}\n"
      "    capacity_per_instance: 10\n"
      "    min: 1\n    max: 50\n    initial: 2\n";
  DaemonConfig c = Config(group, "  model_save_s: 100\n");
  auto stored = [&] {
    auto store = StateStore::Open((dir_ / "state_db").string());
    EXPECT_TRUE(store.ok()) << store.status().message();
    auto g = (*store)->Load("web");
    EXPECT_TRUE(g.ok() && g->has_value());
    return **g;
  };
  auto d = Make(c);
  Ticks(*d, 1);  // t0: the first save is whole
  const StoredGroup first = stored();
  EXPECT_FALSE(first.state.forecaster.empty());
  EXPECT_FALSE(first.state.detector.empty());
  Ticks(*d, 5);  // t0+10 .. t0+50: the decision state only
  const StoredGroup later = stored();
  EXPECT_EQ(later.state.forecaster, first.state.forecaster);
  EXPECT_EQ(later.state.detector, first.state.detector);
  EXPECT_EQ(later.forecaster_type, first.forecaster_type);
  EXPECT_NE(later.state.policy, first.state.policy);  // it learned from 5 more ticks
  Ticks(*d, 5);                                       // ... t0+100: the models again
  const StoredGroup again = stored();
  EXPECT_NE(again.state.forecaster, first.state.forecaster);
  Ticks(*d, 2);
  EXPECT_EQ(stored().state.forecaster, again.state.forecaster);
  d.reset();  // stops: everything is saved
  EXPECT_NE(stored().state.forecaster, again.state.forecaster);
}

// The models saved at a stop (stamped with the last tick, t0+40), restored at t0+150:
// the ten intervals between (t0+50 .. t0+140) reach them as missing values.
TEST_F(DaemonTest, RestartFeedsTheModelsTheIntervalsTheyMissed) {
  const std::string group =
      "  - name: web\n"
      "    source: {type: synthetic, base_per_s: 100, noise: 0.2, seed: 3}\n"
      "    capacity_per_instance: 10\n"
      "    min: 1\n    max: 50\n    initial: 2\n";
  const DaemonConfig c = Config(group);
  auto d = Make(c);
  Ticks(*d, 5);  // t0 .. t0+40; the clock is at t0+50
  d.reset();     // saves everything
  clock_.Advance(Duration(100));
  std::FILE* console = std::tmpfile();
  ASSERT_NE(console, nullptr);
  {
    Logger log(clock_, LogLevel::kInfo, console);
    auto restarted = Daemon::Create(c, clock_, log, nullptr);
    ASSERT_TRUE(restarted.ok()) << restarted.status().message();
  }
  std::rewind(console);
  std::string text;
  for (int ch; (ch = std::fgetc(console)) != EOF;) text += static_cast<char>(ch);
  std::fclose(console);
  EXPECT_NE(text.find("The models were saved 11 interval(s) ago: 10 fed to them as missing "
                      "values"),
            std::string::npos)
      << text;
}

TEST_F(DaemonTest, ReloadKeepsStateOfGroupsThatStay) {
  std::string group = std::string(kHpaGroup) + "    cooldown_s: 100\n";
  auto d = Make(Config(group));
  Ticks(*d, 1);
  DaemonConfig next = Config(group +
                             "  - name: extra\n    source: synthetic\n"
                             "    capacity_per_instance: 10\n    policy: hpa\n");
  ASSERT_TRUE(d->Reload(next).ok());
  ASSERT_EQ(d->Groups().size(), 2u);
  Ticks(*d, 3);
  EXPECT_EQ(d->Group("extra")->ticks, 3);
  EXPECT_EQ(d->Group("web")->ticks, 3);  // a new controller, with the old one's state
  // A bad config is refused and the running one stays.
  DaemonConfig bad = next;
  bad.groups[0].policy.type = "nope";
  EXPECT_FALSE(d->Reload(bad).ok());
  EXPECT_EQ(d->Groups().size(), 2u);
}

TEST_F(DaemonTest, DryRunNeverChangesTheGroup) {
  auto d = Make(Config(std::string(kHpaGroup) + "    dry_run: true\n"));
  Ticks(*d, 3);
  auto g = d->Group("web");
  EXPECT_EQ(g->current, 2);  // the simulated cluster was never resized
  EXPECT_EQ(g->ready, 2);
  EXPECT_TRUE(g->dry_run);
  std::ifstream in(dir_ / "decisions_jsonl");
  std::string first;
  std::getline(in, first);
  EXPECT_NE(first.find("\"applied\":false"), std::string::npos) << first;
  EXPECT_NE(first.find("\"dry_run\":true"), std::string::npos) << first;
}

TEST_F(DaemonTest, MissingMetricsHoldAndAreCounted) {
  // csv-replay of a trace that ends: after it, reads fail and the group holds.
  fs::path trace = dir_ / "t.csv";
  std::ofstream(trace) << "timestamp,value\n0,10\n10,10\n20,10\n";
  auto d = Make(Config("  - name: web\n    source: {type: csv-replay, path: " + trace.string() +
                       "}\n    capacity_per_instance: 10\n    policy: hpa\n"
                       "    min: 1\n    max: 10\n    initial: 5\n"));
  ASSERT_NE(d, nullptr);
  Ticks(*d, 8);
  auto g = d->Group("web");
  EXPECT_GT(g->missing_data, 0);
  EXPECT_EQ(g->reason, Reason::kMissingData);
  EXPECT_EQ(g->action, Action::kHold);
}

// On the worker pool a slow group (a scaling command that takes a second) does not
// hold up the others, and skips its next tick while it is still running.
TEST_F(DaemonTest, SlowGroupDoesNotHoldUpOthers) {
  std::string slow =
      "  - name: slow\n"
      "    source: {type: synthetic, base_per_s: 100, amplitude: 0, noise: 0}\n"
      "    capacity_per_instance: 10\n"
      "    policy: {type: hpa, target_utilization: 0.5}\n"
      "    actuator: {type: exec, command: 'sleep 1 # {desired}', timeout_s: 10}\n"
      "    min: 1\n    max: 50\n    initial: 2\n";
  auto made = Daemon::Create(Config(std::string(kHpaGroup) + slow), clock_, log_, nullptr, 2);
  ASSERT_TRUE(made.ok()) << made.status().message();
  Daemon& d = **made;
  EXPECT_EQ(d.TickDue(), 2);
  // The fast group finishes while the slow one's command is still running.
  for (int i = 0; i < 10'000'000 && d.TickRunning("web"); ++i) std::this_thread::yield();
  EXPECT_FALSE(d.TickRunning("web"));
  EXPECT_TRUE(d.TickRunning("slow"));
  EXPECT_EQ(d.Group("web")->ticks, 1);
  EXPECT_EQ(d.Group("slow")->ticks, 0);
  clock_.Advance(Duration(10));
  EXPECT_EQ(d.TickDue(), 1);  // only "web": "slow" skips, still running
  d.WaitIdle();
  EXPECT_EQ(d.Group("slow")->ticks, 1);
  EXPECT_EQ(d.Group("slow")->desired, 6);  // 2 -> 6: HPA's scale-up limit
  EXPECT_EQ(d.Group("web")->ticks, 2);
}

}  // namespace
}  // namespace prescale
