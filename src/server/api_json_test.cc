#include "server/api_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace prescale {
namespace {

using nlohmann::json;

GroupSnapshot FullSnapshot() {
  GroupSnapshot s;
  s.name = "web";
  s.policy = "predictive";
  s.source = "prometheus";
  s.actuator = "aws-asg";
  s.dry_run = true;
  s.interval = Duration(60);
  s.min = 2;
  s.max = 20;
  s.last_tick = FromEpochSeconds(1700000000.25);
  s.current = 4;
  s.ready = 3;
  s.desired = 6;
  s.load_per_s = 1234.5;
  s.cpu_utilization = 0.72;
  s.memory_utilization = 0.4;
  s.forecast = 1300;
  s.forecast_upper = 1500;
  s.anomaly_score = 1.5;
  s.anomaly = false;
  s.action = Action::kScaleUp;
  s.reason = Reason::kForecast;
  s.message = "forecast peak needs more";
  s.error = "source timed out";
  s.ticks = 10;
  s.actions = 3;
  s.missing_data = 1;
  s.source_errors = 2;
  s.actuator_errors = 1;
  return s;
}

TEST(ApiJsonTest, SnapshotHasSnakeCaseFieldsNamesAndTimes) {
  const json j = SnapshotToJson(FullSnapshot());
  EXPECT_EQ(j.at("name"), "web");
  EXPECT_EQ(j.at("policy"), "predictive");
  EXPECT_EQ(j.at("source"), "prometheus");
  EXPECT_EQ(j.at("actuator"), "aws-asg");
  EXPECT_EQ(j.at("dry_run"), true);
  EXPECT_EQ(j.at("interval_s"), 60.0);
  EXPECT_EQ(j.at("min"), 2);
  EXPECT_EQ(j.at("max"), 20);
  EXPECT_EQ(j.at("last_tick"), 1700000000.25);
  EXPECT_EQ(j.at("last_tick_iso"), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(j.at("current"), 4);
  EXPECT_EQ(j.at("ready"), 3);
  EXPECT_EQ(j.at("desired"), 6);
  EXPECT_EQ(j.at("load_per_s"), 1234.5);
  EXPECT_EQ(j.at("cpu_utilization"), 0.72);
  EXPECT_EQ(j.at("memory_utilization"), 0.4);
  EXPECT_EQ(j.at("forecast"), 1300.0);
  EXPECT_EQ(j.at("forecast_upper"), 1500.0);
  EXPECT_EQ(j.at("anomaly_score"), 1.5);
  EXPECT_EQ(j.at("anomaly"), false);
  EXPECT_EQ(j.at("action"), "scale_up");
  EXPECT_EQ(j.at("reason"), "Forecast");
  EXPECT_EQ(j.at("message"), "forecast peak needs more");
  EXPECT_EQ(j.at("error"), "source timed out");
  EXPECT_EQ(j.at("ticks"), 10);
  EXPECT_EQ(j.at("actions"), 3);
  EXPECT_EQ(j.at("missing_data"), 1);
  EXPECT_EQ(j.at("source_errors"), 2);
  EXPECT_EQ(j.at("actuator_errors"), 1);
  EXPECT_EQ(j.at("series"), "load");
  EXPECT_EQ(j.size(), 30u) << j.dump(2);
}

TEST(ApiJsonTest, MissingValuesAreNull) {
  GroupSnapshot s;  // never ticked, no metrics, no error
  s.name = "idle";
  s.anomaly_score = std::numeric_limits<double>::quiet_NaN();
  const json j = SnapshotToJson(s);
  for (const char* key :
       {"last_tick", "last_tick_iso", "load_per_s", "cpu_utilization", "memory_utilization",
        "forecast", "forecast_upper", "anomaly_score", "error"}) {
    EXPECT_TRUE(j.at(key).is_null()) << key << " = " << j.at(key);
  }
  EXPECT_EQ(j.at("action"), "hold");
  EXPECT_EQ(j.at("reason"), "WithinTolerance");
  // And the text is valid JSON without NaN in it.
  EXPECT_EQ(json::parse(DumpJson(j)), j);
}

TEST(ApiJsonTest, HistoryPointShape) {
  HistoryPoint p;
  p.time = FromEpochSeconds(60);
  p.load_per_s = 10;
  p.forecast_upper = 12;
  p.ready = 2;
  p.desired = 3;
  p.anomaly = true;
  p.anomaly_score = 4.5;
  p.action = Action::kScaleDown;
  p.reason = Reason::kAtMinimum;
  const json j = HistoryPointToJson(p);
  EXPECT_EQ(j.at("time"), 60.0);
  EXPECT_EQ(j.at("time_iso"), "1970-01-01T00:01:00.000Z");
  EXPECT_EQ(j.at("load_per_s"), 10.0);
  EXPECT_TRUE(j.at("cpu_utilization").is_null());
  EXPECT_TRUE(j.at("forecast").is_null());
  EXPECT_EQ(j.at("forecast_upper"), 12.0);
  EXPECT_EQ(j.at("ready"), 2);
  EXPECT_EQ(j.at("desired"), 3);
  EXPECT_EQ(j.at("anomaly"), true);
  EXPECT_EQ(j.at("anomaly_score"), 4.5);
  EXPECT_EQ(j.at("action"), "scale_down");
  EXPECT_EQ(j.at("reason"), "AtMinimum");
  EXPECT_EQ(j.size(), 12u);
}

TEST(ApiJsonTest, ArraysAndErrors) {
  EXPECT_EQ(SnapshotsToJson({}), json::array());
  EXPECT_EQ(HistoryToJson({}), json::array());
  json two = SnapshotsToJson({FullSnapshot(), GroupSnapshot{}});
  ASSERT_TRUE(two.is_array());
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(two.at(0).at("name"), "web");
  EXPECT_EQ(ErrorJson("no group named 'x'"), (json{{"error", "no group named 'x'"}}));
}

TEST(ApiJsonTest, SnapshotRoundTrips) {
  for (const GroupSnapshot& in : {FullSnapshot(), GroupSnapshot{}}) {
    Result<GroupSnapshot> out = SnapshotFromJson(json::parse(DumpJson(SnapshotToJson(in))));
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->name, in.name);
    EXPECT_EQ(out->dry_run, in.dry_run);
    EXPECT_EQ(out->interval, in.interval);
    EXPECT_EQ(out->max, in.max);
    EXPECT_EQ(out->last_tick, in.last_tick);
    EXPECT_EQ(out->desired, in.desired);
    EXPECT_EQ(out->load_per_s, in.load_per_s);
    EXPECT_EQ(out->cpu_utilization, in.cpu_utilization);
    EXPECT_EQ(out->forecast_upper, in.forecast_upper);
    EXPECT_EQ(out->anomaly_score, in.anomaly_score);
    EXPECT_EQ(out->action, in.action);
    EXPECT_EQ(out->reason, in.reason);
    EXPECT_EQ(out->message, in.message);
    EXPECT_EQ(out->error, in.error);
    EXPECT_EQ(out->actuator_errors, in.actuator_errors);
    // Everything, by re-encoding.
    EXPECT_EQ(SnapshotToJson(*out), SnapshotToJson(in));
  }
}

TEST(ApiJsonTest, HistoryPointRoundTrips) {
  HistoryPoint in;
  in.time = FromEpochSeconds(1700000123.5);
  in.cpu_utilization = 0.5;
  in.desired = 7;
  in.reason = Reason::kCooldown;
  Result<HistoryPoint> out = HistoryPointFromJson(HistoryPointToJson(in));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->time, in.time);
  EXPECT_EQ(out->cpu_utilization, in.cpu_utilization);
  EXPECT_EQ(out->load_per_s, std::nullopt);
  EXPECT_EQ(out->desired, 7);
  EXPECT_EQ(out->reason, Reason::kCooldown);
}

TEST(ApiJsonTest, DecodingErrorsNameTheField) {
  struct Case {
    const char* name;
    std::function<void(json&)> spoil;
    const char* expected;  // a part of the message
  };
  const Case cases[] = {
      {"missing field", [](json& j) { j.erase("desired"); }, "field 'desired': missing"},
      {"wrong type", [](json& j) { j["name"] = 5; }, "field 'name': type must be string"},
      {"fraction for int", [](json& j) { j["min"] = 1.5; }, "field 'min': must be an integer"},
      {"float for int", [](json& j) { j["max"] = 1e12; }, "field 'max': must be an integer"},
      {"int too large", [](json& j) { j["max"] = 4000000000u; }, "field 'max': out of range"},
      {"string for number", [](json& j) { j["load_per_s"] = "12"; }, "field 'load_per_s'"},
      {"unknown reason", [](json& j) { j["reason"] = "Bored"; }, "unknown reason 'Bored'"},
      {"unknown action", [](json& j) { j["action"] = "jump"; }, "unknown action 'jump'"},
  };
  for (const Case& c : cases) {
    json j = SnapshotToJson(FullSnapshot());
    c.spoil(j);
    Result<GroupSnapshot> r = SnapshotFromJson(j);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << r.status().message();
    EXPECT_EQ(r.status().message().rfind("snapshot: ", 0), 0u) << r.status().message();
  }
  EXPECT_FALSE(SnapshotFromJson(json::array()).ok());
  EXPECT_FALSE(HistoryPointFromJson(json{{"time", 1}}).ok());
}

TEST(ApiJsonTest, FormatIsoTime) {
  struct Case {
    double epoch_s;
    const char* iso;
  };
  const Case cases[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {1700000000.25, "2023-11-14T22:13:20.250Z"},
      {1709294400, "2024-03-01T12:00:00.000Z"},
      {-0.25, "1969-12-31T23:59:59.750Z"},
      {0.9996, "1970-01-01T00:00:01.000Z"},  // rounds to the millisecond
      {std::numeric_limits<double>::quiet_NaN(), ""},
      {std::numeric_limits<double>::infinity(), ""},
      {1e20, ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatIsoTime(FromEpochSeconds(c.epoch_s)), c.iso) << c.epoch_s;
  }
}

TEST(ApiJsonTest, ParseEpochSeconds) {
  EXPECT_EQ(ParseEpochSeconds("0"), 0.0);
  EXPECT_EQ(ParseEpochSeconds("1700000000"), 1700000000.0);
  EXPECT_EQ(ParseEpochSeconds("1700000000.5"), 1700000000.5);
  EXPECT_EQ(ParseEpochSeconds("-1"), -1.0);
  EXPECT_EQ(ParseEpochSeconds("1e3"), 1000.0);
  for (const char* bad : {"", "abc", "12abc", " 12", "12 ", "nan", "inf", "1e999", "+-1"}) {
    EXPECT_EQ(ParseEpochSeconds(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ApiJsonTest, NamesParseBack) {
  for (Reason r :
       {Reason::kWithinTolerance, Reason::kForecast, Reason::kStabilized, Reason::kWarmingUp}) {
    EXPECT_EQ(ReasonFromName(ReasonName(r)), r);
  }
  for (Action a : {Action::kHold, Action::kScaleUp, Action::kScaleDown}) {
    EXPECT_EQ(ActionFromName(ActionName(a)), a);
  }
  EXPECT_EQ(ReasonFromName("Unknown"), std::nullopt);
  EXPECT_EQ(ReasonFromName("cooldown"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(ActionFromName("unknown"), std::nullopt);
}

TEST(ApiJsonTest, DumpReplacesInvalidUtf8) {
  const std::string dumped = DumpJson(ErrorJson("no group named '\xff'"));
  EXPECT_EQ(json::parse(dumped).at("error"), "no group named '\xEF\xBF\xBD'");
}

}  // namespace
}  // namespace prescale
