#include "config/daemon_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/run_command.h"

namespace prescale {
namespace {

const char kGood[] = R"(global:
  interval_s: 5
  listen: 127.0.0.1:0
groups:
  - name: web
    source: {type: synthetic, base_per_s: 100}
    capacity_per_instance: 10
    policy: {type: hpa, target_utilization: 0.6}
    min: 2
    max: 8
  - name: host
    source: procfs
    policy: seed2
    dry_run: true
)";

TEST(DaemonConfigTest, ReadsAGoodFile) {
  auto c = ParseDaemonConfig(kGood, "good.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->groups.size(), 2u);
  const GroupConfig& web = c->groups[0];
  EXPECT_EQ(web.spec.name, "web");
  EXPECT_EQ(web.spec.interval, Duration(5));  // from global
  EXPECT_EQ(web.spec.limits.min, 2);
  EXPECT_EQ(web.spec.limits.max, 8);
  EXPECT_EQ(web.policy.type, "hpa");
  EXPECT_EQ(web.actuator.type, "simulated");  // the default
  EXPECT_EQ(c->groups[1].source.type, "procfs");
  EXPECT_TRUE(c->groups[1].dry_run);
  EXPECT_TRUE(ValidateDaemonConfig(*c).ok()) << ValidateDaemonConfig(*c).message();
}

TEST(DaemonConfigTest, TheBuiltInDefaultIsValid) {
  auto c = ParseDaemonConfig(DefaultDaemonConfigYaml(), "<built-in>");
  ASSERT_TRUE(c.ok()) << c.status().message();
  Status s = ValidateDaemonConfig(*c);
  EXPECT_TRUE(s.ok()) << s.message();
}

// Every bad-config case: the message carries file:line:column and says what was
// expected, and `prescale validate` exits 2.
TEST(DaemonConfigTest, BadConfigsNamePlaceAndProblem) {
  struct Case {
    const char* name;
    std::string yaml;
    std::string want;
  };
  const std::string group = "groups:\n  - name: web\n    source: synthetic\n";
  const Case cases[] = {
      {"unknown top-level key", "global: {}\ngroup:\n  - name: web\n",
       "cfg.yaml:2:1: top level: unknown key 'group' (did you mean 'groups'?)"},
      {"unknown group key", group + "    polcy: hpa\n",
       "cfg.yaml:4:5: group: unknown key 'polcy' (did you mean 'policy'?)"},
      {"unknown global key", "global:\n  intervl_s: 3\n" + group,
       "cfg.yaml:2:3: global: unknown key 'intervl_s' (did you mean 'interval_s'?)"},
      {"wrong type", group + "    min: two\n",
       "cfg.yaml:4:10: 'min' expects a whole number, got 'two'"},
      {"wrong bool", group + "    dry_run: perhaps\n",
       "cfg.yaml:4:14: 'dry_run' expects true or false, got 'perhaps'"},
      {"min above max", group + "    min: 5\n    max: 3\n",
       "cfg.yaml:4:10: 'min' (5) is above 'max' (3)"},
      {"zero interval", "global:\n  interval_s: 0\n" + group,
       "cfg.yaml:2:15: 'interval_s' must be more than zero seconds, got 0"},
      {"negative model save", "global:\n  model_save_s: -5\n" + group,
       "cfg.yaml:2:17: 'model_save_s' must be zero or more seconds, got -5"},
      {"negative group interval", group + "    interval_s: -1\n",
       "cfg.yaml:4:17: 'interval_s' must be more than zero seconds"},
      {"unknown policy", group + "    policy: {type: hpx}\n",
       "cfg.yaml:4:20: unknown policy 'hpx' (did you mean 'hpa'?); known: classifier, hpa, "
       "predictive"},
      {"unknown source", "groups:\n  - name: web\n    source: {type: promethus}\n",
       "cfg.yaml:3:20: unknown source 'promethus' (did you mean 'prometheus'?)"},
      {"unknown actuator", group + "    actuator: aws\n", "cfg.yaml:4:15: unknown actuator 'aws'"},
      {"bad policy setting", group + "    policy: {type: hpa, tolerance: lots}\n",
       "cfg.yaml:4:36: policy 'hpa': 'tolerance' expects a number, got 'lots'"},
      {"unknown policy setting", group + "    policy: {type: hpa, tolerence: 0.1}\n",
       "cfg.yaml:4:36: policy 'hpa': 'tolerence' is not a known key (did you mean 'tolerance'?)"},
      {"no groups", "global: {}\n", "needs a 'groups' list"},
      {"duplicate names", group + "  - name: web\n    source: synthetic\n",
       "cfg.yaml:4:11: group name 'web' is used twice"},
      {"missing source", "groups:\n  - name: web\n", "cfg.yaml:2:5: group 'web' needs a 'source'"},
      {"bad aggregation", group + "    aggregation: median\n",
       "cfg.yaml:4:18: 'aggregation' must be mean, max or min, got 'median'"},
      {"not yaml", "groups: [\n", "cfg.yaml:2:1:"},
      {"predictive without capacity", group + "    policy: predictive\n",
       "needs 'capacity_per_instance'"},
  };
  const std::string path = testing::TempDir() + "/cfg.yaml";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    { std::ofstream(path) << c.yaml; }
    std::ostringstream out, err;
    EXPECT_EQ(app::RunValidate(path, out, err), 2);
    // Messages name the file by the path given; compare from "cfg.yaml".
    std::string msg = err.str();
    auto at = msg.find("cfg.yaml");
    std::string tail = at == std::string::npos ? msg : msg.substr(at);
    EXPECT_NE(tail.find(c.want), std::string::npos) << msg;
  }
  std::filesystem::remove(path);
}

TEST(DaemonConfigTest, ValidateAcceptsAGoodFile) {
  const std::string path = testing::TempDir() + "/good.yaml";
  { std::ofstream(path) << kGood; }
  std::ostringstream out, err;
  EXPECT_EQ(app::RunValidate(path, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("OK, 2 group(s)"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace prescale

namespace prescale {
namespace {

// Every commented example in examples/ is a valid config.
TEST(DaemonConfigTest, EveryExampleValidates) {
  const std::filesystem::path dir = std::filesystem::path(PRESCALE_SOURCE_DIR) / "examples";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    ++seen;
    std::ostringstream out, err;
    EXPECT_EQ(app::RunValidate(entry.path().string(), out, err), 0) << err.str();
  }
  EXPECT_GE(seen, 2);
}

}  // namespace
}  // namespace prescale
