#include "server/api_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace prescale {
namespace {

using nlohmann::json;

// Non-finite numbers are not JSON: null says "no value" the same way nullopt does.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json Optional(const std::optional<double>& v) { return v ? Number(*v) : json(nullptr); }

json Time(TimePoint t) { return Number(ToEpochSeconds(t)); }

json IsoTime(TimePoint t) {
  std::string iso = FormatIsoTime(t);
  return iso.empty() ? json(nullptr) : json(std::move(iso));
}

// Decoding: a field's error carries the field's name. Thrown inside this file only
// and turned into a Status by Decode().
class FieldError : public std::runtime_error {
 public:
  FieldError(const char* key, const std::string& what)
      : std::runtime_error("field '" + std::string(key) + "': " + what) {}
};

// nlohmann's messages start with "[json.exception.type_error.302] ": drop the tag.
std::string Untagged(const char* what) {
  std::string s(what);
  if (!s.empty() && s.front() == '[') {
    if (auto end = s.find("] "); end != std::string::npos) s.erase(0, end + 2);
  }
  return s;
}

const json& Field(const json& j, const char* key) {
  if (!j.is_object()) throw FieldError(key, "the value is not an object");
  auto it = j.find(key);
  if (it == j.end()) throw FieldError(key, "missing");
  return *it;
}

template <class T>
T Get(const json& j, const char* key) {
  const json& v = Field(j, key);
  try {
    return v.get<T>();
  } catch (const json::exception& e) {
    throw FieldError(key, Untagged(e.what()));
  }
}

template <class Int>
Int GetInt(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_number_integer()) throw FieldError(key, "must be an integer");
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
      throw FieldError(key, "out of range");
    }
    return static_cast<Int>(u);
  }
  auto i = v.get<std::int64_t>();
  if (i < std::numeric_limits<Int>::min() || i > std::numeric_limits<Int>::max()) {
    throw FieldError(key, "out of range");
  }
  return static_cast<Int>(i);
}

// A number or null; null reads as nullopt.
std::optional<double> GetOptional(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (v.is_null()) return std::nullopt;
  if (!v.is_number()) throw FieldError(key, "must be a number or null");
  return v.get<double>();
}

// A number, where null (a non-finite value on the way out) reads as NaN.
double GetDouble(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) throw FieldError(key, "must be a number");
  return v.get<double>();
}

// null (never) reads as epoch 0.
TimePoint GetTime(const json& j, const char* key) {
  std::optional<double> s = GetOptional(j, key);
  return s ? FromEpochSeconds(*s) : TimePoint();
}

Reason GetReason(const json& j) {
  auto name = Get<std::string>(j, "reason");
  std::optional<Reason> r = ReasonFromName(name);
  if (!r) throw FieldError("reason", "unknown reason '" + name + "'");
  return *r;
}

Action GetAction(const json& j) {
  auto name = Get<std::string>(j, "action");
  std::optional<Action> a = ActionFromName(name);
  if (!a) throw FieldError("action", "unknown action '" + name + "'");
  return *a;
}

// Runs `read` and turns this file's and nlohmann's exceptions into an error Status.
template <class T, class Read>
Result<T> Decode(const char* what, Read read) {
  try {
    return read();
  } catch (const FieldError& e) {
    return Status::Error(std::string(what) + ": " + e.what());
  } catch (const json::exception& e) {
    return Status::Error(std::string(what) + ": " + Untagged(e.what()));
  }
}

}  // namespace

nlohmann::json SnapshotToJson(const GroupSnapshot& s) {
  const bool ticked = s.last_tick != TimePoint();
  return json{
      {"name", s.name},
      {"policy", s.policy},
      {"source", s.source},
      {"actuator", s.actuator},
      {"dry_run", s.dry_run},
      {"interval_s", Number(s.interval.count())},
      {"min", s.min},
      {"max", s.max},
      {"last_tick", ticked ? Time(s.last_tick) : json(nullptr)},
      {"last_tick_iso", ticked ? IsoTime(s.last_tick) : json(nullptr)},
      {"current", s.current},
      {"ready", s.ready},
      {"desired", s.desired},
      {"load_per_s", Optional(s.load_per_s)},
      {"cpu_utilization", Optional(s.cpu_utilization)},
      {"memory_utilization", Optional(s.memory_utilization)},
      {"forecast", Optional(s.forecast)},
      {"forecast_upper", Optional(s.forecast_upper)},
      {"anomaly_score", Number(s.anomaly_score)},
      {"anomaly", s.anomaly},
      {"action", ActionName(s.action)},
      {"reason", ReasonName(s.reason)},
      {"message", s.message},
      {"error", s.error.empty() ? json(nullptr) : json(s.error)},
      {"ticks", s.ticks},
      {"actions", s.actions},
      {"missing_data", s.missing_data},
      {"source_errors", s.source_errors},
      {"actuator_errors", s.actuator_errors},
      {"series", s.series},
  };
}

nlohmann::json SnapshotsToJson(const std::vector<GroupSnapshot>& snapshots) {
  json out = json::array();
  for (const GroupSnapshot& s : snapshots) out.push_back(SnapshotToJson(s));
  return out;
}

nlohmann::json HistoryPointToJson(const HistoryPoint& p) {
  return json{
      {"time", Time(p.time)},
      {"time_iso", IsoTime(p.time)},
      {"load_per_s", Optional(p.load_per_s)},
      {"cpu_utilization", Optional(p.cpu_utilization)},
      {"forecast", Optional(p.forecast)},
      {"forecast_upper", Optional(p.forecast_upper)},
      {"ready", p.ready},
      {"desired", p.desired},
      {"anomaly", p.anomaly},
      {"anomaly_score", Number(p.anomaly_score)},
      {"action", ActionName(p.action)},
      {"reason", ReasonName(p.reason)},
  };
}

nlohmann::json HistoryToJson(const std::vector<HistoryPoint>& points) {
  json out = json::array();
  for (const HistoryPoint& p : points) out.push_back(HistoryPointToJson(p));
  return out;
}

nlohmann::json DecisionToJson(const DecisionRecord& d) {
  return json{
      {"time", Time(d.time)},
      {"time_iso", IsoTime(d.time)},
      {"group", d.group},
      {"current", d.current},
      {"ready", d.ready},
      {"desired", d.desired},
      {"action", ActionName(d.action)},
      {"reason", ReasonName(d.reason)},
      {"message", d.message},
      {"applied", d.applied},
      {"load_per_s", Optional(d.load_per_s)},
      {"cpu_utilization", Optional(d.cpu_utilization)},
      {"forecast", Optional(d.forecast)},
      {"forecast_upper", Optional(d.forecast_upper)},
      {"anomaly", d.anomaly},
      {"error", d.error.empty() ? json(nullptr) : json(d.error)},
  };
}

nlohmann::json DecisionsToJson(const std::vector<DecisionRecord>& decisions) {
  json out = json::array();
  for (const DecisionRecord& d : decisions) out.push_back(DecisionToJson(d));
  return out;
}

nlohmann::json ErrorJson(std::string_view message) { return json{{"error", message}}; }

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<GroupSnapshot> SnapshotFromJson(const nlohmann::json& j) {
  return Decode<GroupSnapshot>("snapshot", [&j] {
    GroupSnapshot s;
    s.name = Get<std::string>(j, "name");
    s.policy = Get<std::string>(j, "policy");
    s.source = Get<std::string>(j, "source");
    s.actuator = Get<std::string>(j, "actuator");
    s.dry_run = Get<bool>(j, "dry_run");
    s.interval = Duration(GetDouble(j, "interval_s"));
    s.min = GetInt<int>(j, "min");
    s.max = GetInt<int>(j, "max");
    s.last_tick = GetTime(j, "last_tick");
    s.current = GetInt<int>(j, "current");
    s.ready = GetInt<int>(j, "ready");
    s.desired = GetInt<int>(j, "desired");
    s.load_per_s = GetOptional(j, "load_per_s");
    s.cpu_utilization = GetOptional(j, "cpu_utilization");
    s.memory_utilization = GetOptional(j, "memory_utilization");
    s.forecast = GetOptional(j, "forecast");
    s.forecast_upper = GetOptional(j, "forecast_upper");
    s.anomaly_score = GetDouble(j, "anomaly_score");
    s.anomaly = Get<bool>(j, "anomaly");
    s.action = GetAction(j);
    s.reason = GetReason(j);
    s.message = Get<std::string>(j, "message");
    const json& error = Field(j, "error");
    s.error = error.is_null() ? "" : Get<std::string>(j, "error");
    s.ticks = GetInt<std::int64_t>(j, "ticks");
    s.actions = GetInt<std::int64_t>(j, "actions");
    s.missing_data = GetInt<std::int64_t>(j, "missing_data");
    s.source_errors = GetInt<std::int64_t>(j, "source_errors");
    s.actuator_errors = GetInt<std::int64_t>(j, "actuator_errors");
    s.series = Get<std::string>(j, "series");
    return s;
  });
}

Result<HistoryPoint> HistoryPointFromJson(const nlohmann::json& j) {
  return Decode<HistoryPoint>("history point", [&j] {
    HistoryPoint p;
    p.time = FromEpochSeconds(GetDouble(j, "time"));
    p.load_per_s = GetOptional(j, "load_per_s");
    p.cpu_utilization = GetOptional(j, "cpu_utilization");
    p.forecast = GetOptional(j, "forecast");
    p.forecast_upper = GetOptional(j, "forecast_upper");
    p.ready = GetInt<int>(j, "ready");
    p.desired = GetInt<int>(j, "desired");
    p.anomaly = Get<bool>(j, "anomaly");
    p.anomaly_score = GetDouble(j, "anomaly_score");
    p.action = GetAction(j);
    p.reason = GetReason(j);
    return p;
  });
}

std::optional<double> ParseEpochSeconds(std::string_view text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<Reason> ReasonFromName(std::string_view name) {
  // ReasonName() is the one table of names; walk the enum until it runs out.
  for (int i = 0;; ++i) {
    auto r = static_cast<Reason>(i);
    std::string_view n = ReasonName(r);
    if (n == "Unknown") return std::nullopt;
    if (n == name) return r;
  }
}

std::optional<Action> ActionFromName(std::string_view name) {
  for (int i = 0;; ++i) {
    auto a = static_cast<Action>(i);
    std::string_view n = ActionName(a);
    if (n == "unknown") return std::nullopt;
    if (n == name) return a;
  }
}

}  // namespace prescale
