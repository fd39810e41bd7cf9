#include "config/daemon_config.h"

#include <charconv>
#include <cmath>
#include <set>

#include "config/yaml_util.h"
#include "prescale/actuator.h"

namespace prescale {
namespace {

using config::CheckKeys;
using config::ErrorAt;
using config::ReadPluginSection;

// Typed reads of scalar values: each error points at the value and names the key.
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}

  template <class T>
  bool Get(const YAML::Node& map, const char* key, T& out) {
    YAML::Node n = map[key];
    if (!n || n.IsNull()) return true;
    if (!n.IsScalar()) return Fail(n, std::string("'") + key + "' expects a single value");
    const std::string& s = n.Scalar();
    if constexpr (std::is_same_v<T, std::string>) {
      out = s;
      return true;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (s == "true" || s == "yes" || s == "on") return out = true, true;
      if (s == "false" || s == "no" || s == "off") return out = false, true;
      return Fail(n, std::string("'") + key + "' expects true or false, got '" + s + "'");
    } else {
      T v{};
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end != s.data() + s.size()) {
        return Fail(n, std::string("'") + key + "' expects " +
                           (std::is_integral_v<T> ? "a whole number" : "a number") + ", got '" +
                           s + "'");
      }
      out = v;
      return true;
    }
  }
  // A positive number of seconds.
  bool Seconds(const YAML::Node& map, const char* key, Duration& out, bool allow_zero) {
    double v = out.count();
    if (!Get(map, key, v)) return false;
    if (!(allow_zero ? v >= 0 : v > 0) || !std::isfinite(v)) {
      return Fail(map[key], std::string("'") + key + "' must be " +
                                (allow_zero ? "zero or more" : "more than zero") +
                                " seconds, got " + map[key].Scalar());
    }
    out = Duration(v);
    return true;
  }
  bool Fail(const YAML::Node& n, const std::string& what) {
    if (status_.ok()) status_ = ErrorAt(path_, n, what);
    return false;
  }
  bool Check(const Status& s) {
    if (!s.ok() && status_.ok()) status_ = s;
    return s.ok();
  }
  const Status& status() const { return status_; }

 private:
  const std::string& path_;
  Status status_;
};

bool ValidName(const std::string& name);

void ReadGlobal(Reader& r, const std::string& path, const YAML::Node& g, GlobalConfig& out) {
  if (!g) return;
  if (!g.IsMap()) {
    r.Fail(g, "'global' expects a mapping");
    return;
  }
  if (!r.Check(CheckKeys(path, g, "global",
                         {"interval_s", "listen", "log_level", "outputs", "history_points",
                          "model_save_s", "predict_model", "api", "ha"}))) {
    return;
  }
  r.Seconds(g, "interval_s", out.interval, false);
  r.Get(g, "listen", out.listen);
  r.Get(g, "log_level", out.log_level);
  if (out.log_level != "debug" && out.log_level != "info" && out.log_level != "warn" &&
      out.log_level != "error") {
    r.Fail(g["log_level"], "'log_level' must be debug, info, warn or error, got '" +
                               out.log_level + "'");
  }
  r.Get(g, "history_points", out.history_points);
  r.Seconds(g, "model_save_s", out.model_save, true);
  r.Get(g, "predict_model", out.predict_model);
  if (out.history_points < 10) r.Fail(g["history_points"], "'history_points' must be >= 10");
  if (YAML::Node o = g["outputs"]) {
    if (!o.IsMap()) {
      r.Fail(o, "'outputs' expects a mapping");
      return;
    }
    if (!r.Check(CheckKeys(path, o, "global.outputs",
                           {"metrics_csv", "anomalies_log", "decisions_jsonl", "log_file",
                            "state_db"}))) {
      return;
    }
    r.Get(o, "metrics_csv", out.outputs.metrics_csv);
    r.Get(o, "anomalies_log", out.outputs.anomalies_log);
    r.Get(o, "decisions_jsonl", out.outputs.decisions_jsonl);
    r.Get(o, "log_file", out.outputs.log_file);
    r.Get(o, "state_db", out.outputs.state_db);
  }
  if (YAML::Node a = g["api"]) {
    if (!a.IsMap()) {
      r.Fail(a, "'api' expects a mapping");
      return;
    }
    if (!r.Check(CheckKeys(path, a, "global.api",
                           {"token_file", "allow_unauthenticated", "max_body_bytes",
                            "timeout_s"}))) {
      return;
    }
    r.Get(a, "token_file", out.api.token_file);
    r.Get(a, "allow_unauthenticated", out.api.allow_unauthenticated);
    r.Get(a, "max_body_bytes", out.api.max_body_bytes);
    if (out.api.max_body_bytes < 1024) {
      r.Fail(a["max_body_bytes"], "'max_body_bytes' must be at least 1024");
    }
    r.Seconds(a, "timeout_s", out.api.timeout, false);
  }
  if (YAML::Node h = g["ha"]) {
    if (!h.IsMap()) {
      r.Fail(h, "'ha' expects a mapping");
      return;
    }
    if (!r.Check(CheckKeys(path, h, "global.ha",
                           {"etcd", "cluster", "member", "lease_ttl_s", "shard"}))) {
      return;
    }
    YAML::Node e = h["etcd"];
    if (e && e.IsScalar()) {
      out.ha.etcd.push_back(e.Scalar());
    } else if (e && e.IsSequence()) {
      for (const YAML::Node& url : e) {
        if (!url.IsScalar()) {
          r.Fail(url, "'etcd' expects URLs such as http://127.0.0.1:2379");
          return;
        }
        out.ha.etcd.push_back(url.Scalar());
      }
    } else {
      r.Fail(e ? e : h, "'ha' needs 'etcd': a URL or a list of URLs such as http://127.0.0.1:2379");
      return;
    }
    for (const std::string& url : out.ha.etcd) {
      if (url.rfind("http://", 0) != 0 || url.size() <= 7 || url.find('/', 7) != std::string::npos) {
        r.Fail(e, "'etcd' URL '" + url + "' must be http://host:port (the client URL)");
        return;
      }
    }
    r.Get(h, "cluster", out.ha.cluster);
    if (!ValidName(out.ha.cluster)) {
      r.Fail(h["cluster"], "'cluster' must be 1-64 letters, digits, '-', '_' or '.'");
    }
    r.Get(h, "member", out.ha.member);
    if (!out.ha.member.empty() && !ValidName(out.ha.member)) {
      r.Fail(h["member"], "'member' must be 1-64 letters, digits, '-', '_' or '.'");
    }
    r.Seconds(h, "lease_ttl_s", out.ha.lease_ttl, false);
    if (out.ha.lease_ttl.count() < 2 || out.ha.lease_ttl.count() != std::floor(out.ha.lease_ttl.count())) {
      r.Fail(h["lease_ttl_s"], "'lease_ttl_s' must be a whole number of seconds, at least 2");
    }
    r.Get(h, "shard", out.ha.shard);
  }
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

void ReadGroup(Reader& r, const std::string& path, const YAML::Node& g, const GlobalConfig& global,
               GroupConfig& out) {
  out.mark = config::MarkOf(path, g);
  if (!g.IsMap()) {
    r.Fail(g, "each group expects a mapping");
    return;
  }
  if (!r.Check(CheckKeys(path, g, "group",
                         {"name", "interval_s", "source", "aggregation", "capacity_per_instance",
                          "boot_delay_s", "forecaster", "detector", "policy", "actuator", "min",
                          "max", "initial", "cooldown_s", "dry_run"}))) {
    return;
  }
  GroupSpec& s = out.spec;
  s.interval = global.interval;
  if (!g["name"]) {
    r.Fail(g, "group needs a 'name'");
    return;
  }
  r.Get(g, "name", s.name);
  if (!ValidName(s.name)) {
    r.Fail(g["name"], "group name '" + s.name +
                          "' must be 1-64 letters, digits, '-', '_' or '.'");
  }
  r.Seconds(g, "interval_s", s.interval, false);
  r.Seconds(g, "boot_delay_s", s.boot_delay, true);
  r.Seconds(g, "cooldown_s", s.cooldown, true);
  r.Get(g, "capacity_per_instance", s.capacity_per_instance);
  if (g["capacity_per_instance"] && !(s.capacity_per_instance > 0)) {
    r.Fail(g["capacity_per_instance"], "'capacity_per_instance' must be more than zero");
  }
  s.limits = Limits{1, 10};
  r.Get(g, "min", s.limits.min);
  r.Get(g, "max", s.limits.max);
  if (s.limits.min < 0) r.Fail(g["min"], "'min' must be zero or more");
  if (s.limits.max < 1) r.Fail(g["max"], "'max' must be at least 1");
  if (s.limits.min > s.limits.max) {
    r.Fail(g["min"] ? g["min"] : g["max"],
           "'min' (" + std::to_string(s.limits.min) + ") is above 'max' (" +
               std::to_string(s.limits.max) + ")");
  }
  out.initial = s.limits.min;
  r.Get(g, "initial", out.initial);
  if (out.initial < s.limits.min || out.initial > s.limits.max) {
    r.Fail(g["initial"], "'initial' must be within [min, max]");
  }
  r.Get(g, "dry_run", out.dry_run);
  std::string agg = "mean";
  r.Get(g, "aggregation", agg);
  if (agg == "mean") {
    out.aggregation = Aggregation::kMean;
  } else if (agg == "max") {
    out.aggregation = Aggregation::kMax;
  } else if (agg == "min") {
    out.aggregation = Aggregation::kMin;
  } else {
    r.Fail(g["aggregation"], "'aggregation' must be mean, max or min, got '" + agg + "'");
  }
  if (!g["source"]) r.Fail(g, "group '" + s.name + "' needs a 'source'");
  r.Check(ReadPluginSection(path, g["source"], "source", out.source));
  r.Check(ReadPluginSection(path, g["forecaster"], "forecaster", out.forecaster));
  r.Check(ReadPluginSection(path, g["detector"], "detector", out.detector));
  r.Check(ReadPluginSection(path, g["policy"], "policy", out.policy));
  r.Check(ReadPluginSection(path, g["actuator"], "actuator", out.actuator));
  if (out.policy.type.empty()) out.policy.type = "predictive";
  if (out.actuator.type.empty()) out.actuator.type = "simulated";
}

Result<DaemonConfig> FromNode(const YAML::Node& root, const std::string& path) {
  if (!root.IsMap()) return Status::Error(path + ": expected a mapping with 'global' and 'groups'");
  if (Status s = CheckKeys(path, root, "top level", {"global", "groups"}); !s.ok()) return s;
  DaemonConfig c;
  c.path = path;
  Reader r(path);
  ReadGlobal(r, path, root["global"], c.global);
  YAML::Node groups = root["groups"];
  if (!groups || !groups.IsSequence() || groups.size() == 0) {
    return groups ? ErrorAt(path, groups, "'groups' expects a non-empty list")
                  : Status::Error(path + ": needs a 'groups' list with at least one group");
  }
  std::set<std::string> names;
  for (const auto& g : groups) {
    if (!r.status().ok()) break;
    GroupConfig gc;
    ReadGroup(r, path, g, c.global, gc);
    if (r.status().ok() && !names.insert(gc.spec.name).second) {
      r.Fail(g["name"], "group name '" + gc.spec.name + "' is used twice");
    }
    c.groups.push_back(std::move(gc));
  }
  if (!r.status().ok()) return r.status();
  return c;
}

}  // namespace

Result<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  auto root = config::LoadYamlFile(path);
  if (!root.ok()) return root.status();
  return FromNode(*root, path);
}

Result<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& name) {
  auto root = config::LoadYamlText(text, name);
  if (!root.ok()) return root.status();
  return FromNode(*root, name);
}

Status ValidateDaemonConfig(const DaemonConfig& c) {
  for (const GroupConfig& g : c.groups) {
    std::string where = g.mark.ToString() + ": group '" + g.spec.name + "'";
    SourceContext sctx{g.spec.name, g.spec.interval, g.aggregation};
    if (!Sources().Contains(g.source.type)) {
      return Status::Error(g.source.mark.ToString() + ": " + Sources().UnknownMessage(g.source.type));
    }
    auto src = Sources().Create(g.source.type, g.source.params, sctx);
    if (!src.ok()) return src.status().WithContext(where);
    if (!Actuators().Contains(g.actuator.type)) {
      return Status::Error(g.actuator.mark.ToString() + ": " +
                           Actuators().UnknownMessage(g.actuator.type));
    }
    ActuatorContext actx{g.spec.name, g.spec.interval, g.spec.boot_delay, g.initial, TimePoint()};
    auto act = Actuators().Create(g.actuator.type, g.actuator.params, actx);
    if (!act.ok()) return act.status().WithContext(where);
    auto parts = Controller::BuildParts(g.spec, g.policy, g.forecaster, g.detector);
    if (!parts.ok()) return parts.status();
    auto needs = parts->policy->Needs();
    if (needs.forecast_signal == Signal::kLoad && g.spec.capacity_per_instance <= 0) {
      return Status::Error(where + ": policy '" + g.policy.type +
                           "' sizes for load, so it needs 'capacity_per_instance' (units/s "
                           "one instance serves)");
    }
  }
  return Status::Ok();
}

const std::string& DefaultDaemonConfigYaml() {
  static const std::string yaml = R"(# prescale run's built-in default (print it with `prescale run --print-default`).
global:
  interval_s: 1
  listen: 127.0.0.1:8080
  log_level: info
groups:
  # A web service's daily cycle with noise, 1440x faster than real time (a day per
  # minute), on a simulated cluster whose instances take 3 s (3 minutes of workload
  # time) to boot.
  - name: web
    source:
      type: synthetic
      base_per_s: 200
      amplitude: 0.6
      noise: 0.08
      time_scale: 1440
      spike_every_s: 28800     # a 40-minute incident every 8 hours of workload time
      spike_duration_s: 2400
      spike_height: 2.0
    capacity_per_instance: 20
    boot_delay_s: 3
    policy: {type: predictive}
    detector: {type: surprise}
    actuator: {type: simulated}
    min: 2
    max: 30
    initial: 10
  # This machine, read from /proc, with seed 2's rules deciding in dry run: it logs
  # what it would do and changes nothing.
  - name: host
    source: {type: procfs}
    policy: {type: seed2}
    detector: {type: surprise}
    actuator: {type: simulated}
    min: 1
    max: 4
    initial: 1
    dry_run: true
)";
  return yaml;
}

}  // namespace prescale
