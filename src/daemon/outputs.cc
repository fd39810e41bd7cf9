#include "daemon/outputs.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "features/seed2_features.h"

namespace prescale {
namespace {

// Opens `path` for appending, creating its folder; writes `header` if it is new,
// and ends a last line that a crash left torn. Unbuffered: Flush() writes whole
// ticks with one write() each.
Result<std::FILE*> OpenAppend(const std::string& path, const char* header) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  bool torn = false;
  if (std::FILE* r = std::fopen(path.c_str(), "r")) {
    if (std::fseek(r, -1, SEEK_END) == 0) torn = std::fgetc(r) != '\n';
    std::fclose(r);
  }
  bool fresh = !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Status::Error("cannot open " + path + ": " + std::strerror(errno));
  std::setvbuf(f, nullptr, _IONBF, 0);
  if (torn) std::fputs("\n", f);
  if (fresh && header) std::fputs(header, f);
  return f;
}

std::string Num(const std::optional<double>& v, double scale = 1, const char* spec = "{:.4g}") {
  return v ? fmt::format(fmt::runtime(spec), *v * scale) : "";
}

nlohmann::json OrNull(const std::optional<double>& v, double scale = 1) {
  return v ? nlohmann::json(*v * scale) : nlohmann::json(nullptr);
}

// How the logs name the series the detector and forecaster worked on.
const char* SeriesName(const StepRecord& s) {
  return s.series == Signal::kCpu ? "CPU usage" : "load";
}

}  // namespace

Result<std::unique_ptr<Outputs>> Outputs::Open(const OutputPaths& paths) {
  std::unique_ptr<Outputs> o(new Outputs());
  auto m = OpenAppend(paths.metrics_csv,
                      "timestamp,group,cpu_pct,memory_pct,load_per_s,network_in_bytes_per_s,"
                      "network_out_bytes_per_s,instances,ready,desired,forecast,forecast_upper,"
                      "anomaly_score,anomaly,action,reason,series\n");
  if (!m.ok()) return m.status();
  o->files_[kMetrics] = *m;
  auto a = OpenAppend(paths.anomalies_log, nullptr);
  if (!a.ok()) return a.status();
  o->files_[kAnomalies] = *a;
  auto d = OpenAppend(paths.decisions_jsonl, nullptr);
  if (!d.ok()) return d.status();
  o->files_[kDecisions] = *d;
  return o;
}

Outputs::~Outputs() {
  FlushAll();
  for (std::FILE* f : files_) {
    if (f) std::fclose(f);
  }
}

void Outputs::Flush(const std::string& group) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(group);
  if (it == pending_.end()) return;
  for (int i = 0; i < kFiles; ++i) {
    std::string& text = it->second.text[i];
    if (files_[i] && !text.empty()) std::fwrite(text.data(), 1, text.size(), files_[i]);
    text.clear();
  }
}

void Outputs::FlushAll() {
  std::vector<std::string> groups;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, pending] : pending_) groups.push_back(name);
  }
  for (const std::string& g : groups) Flush(g);
}

void LogStep(const GroupInfo& g, const StepRecord& s, Logger& log) {
  const Observation& o = *s.observation;
  const Decision& d = s.decision;
  if (!o.error.empty()) log.Warn(g.name, "Metrics missing: " + o.error);
  if (o.cpu_utilization)
    log.Info(g.name, fmt::format("Collected CPU: {:.1f}%", *o.cpu_utilization * 100));
  if (o.load_per_s) log.Info(g.name, fmt::format("Collected load: {:.1f}/s", *o.load_per_s));
  if (auto next = s.NextForecast()) {
    if (s.series == Signal::kLoad) {
      log.Info(g.name, fmt::format("Predicted load: {:.1f}/s (peak upper {:.1f}/s)", *next,
                                   *s.PeakForecast()));
    } else {
      log.Info(g.name, fmt::format("Predicted CPU: {:.1f}%", *next * 100));
    }
  }
  if (const ClassifierVerdict* v = s.classification) {
    // Seed 2's log line: "PREDICTION: 0 (Low) - Confidence: ...".
    if (v->ok()) {
      const DemandClass c = v->classification->demand_class;
      log.Info(g.name, fmt::format("PREDICTION: {} ({}) - Confidence: {:.3f}", static_cast<int>(c),
                                   DemandClassName(c), v->classification->confidence));
    } else {
      log.Warn(g.name, "Prediction failed, the predictive fallback decides: " + v->error);
    }
  }
  if (s.anomaly.anomaly) {
    log.Warn(g.name,
             fmt::format("Anomaly detected in {}! (score {:.3f})", SeriesName(s), s.anomaly.score));
  }
  const int from = s.before.desired;
  if (!s.error.ok()) log.Error(g.name, "Actuator error: " + s.error.message());
  if (d.action == Action::kScaleUp || d.action == Action::kScaleDown) {
    const char* verb = d.action == Action::kScaleUp ? "SCALING UP" : "SCALING DOWN";
    std::string line = fmt::format("{}: {} -> {} instances ({})", verb, from, d.desired, d.message);
    if (g.dry_run) line = "DRY RUN, would be " + line;
    if (s.acted) log.Info(g.name, line);
    if (s.shadow) log.Info(g.name, "FOLLOWER, not acting: would be " + line);
  } else if (d.reason == Reason::kCooldown || d.reason == Reason::kAtMaximum ||
             d.reason == Reason::kMixedPredictions || d.reason == Reason::kMissingData ||
             d.reason == Reason::kAnomaly) {
    log.Info(g.name, std::string(d.message));
  } else {
    log.Debug(g.name, fmt::format("Holding at {} ({}: {})", from, ReasonName(d.reason), d.message));
  }
}

void Outputs::Write(const GroupInfo& g, const StepRecord& s, Logger& log) {
  const Observation& o = *s.observation;
  const Decision& d = s.decision;
  const double t = ToEpochSeconds(s.time);
  const std::optional<double> forecast = s.NextForecast();
  const std::optional<double> upper = s.PeakForecast();

  std::lock_guard lock(mu_);
  std::string* pending = pending_[g.name].text;
  // 1. metrics.csv
  fmt::format_to(std::back_inserter(pending[kMetrics]),
                 "{:.3f},{},{},{},{},{},{},{},{},{},{},{},{:.4f},{},{},{},{}\n", t, g.name,
                 Num(o.cpu_utilization, 100, "{:.2f}"), Num(o.memory_utilization, 100, "{:.2f}"),
                 Num(o.load_per_s), Num(o.network_in_bytes_per_s), Num(o.network_out_bytes_per_s),
                 o.instances ? std::to_string(*o.instances) : "", s.before.ready, d.desired,
                 Num(forecast), Num(upper), s.anomaly.score, s.anomaly.anomaly ? 1 : 0,
                 ActionName(d.action), ReasonName(d.reason),
                 s.series == Signal::kCpu ? "cpu" : "load");

  // 2. anomalies.log
  if (s.anomaly.anomaly) {
    const bool load = s.series == Signal::kLoad;
    double value = s.series_value.value_or(0) * (load ? 1 : 100);
    fmt::format_to(std::back_inserter(pending[kAnomalies]),
                   "{} group={} metric={} value={:.4g} score={:.4f} detector={}\n",
                   FormatIsoTime(s.time), g.name, load ? "load_per_s" : "cpu_pct", value,
                   s.anomaly.score, g.detector);
  }

  // 3. decisions.jsonl
  nlohmann::ordered_json j;
  j["time"] = t;
  j["time_iso"] = FormatIsoTime(s.time);
  j["group"] = g.name;
  j["current"] = s.before.desired;
  j["ready"] = s.before.ready;
  j["desired"] = d.desired;
  j["action"] = ActionName(d.action);
  j["reason"] = ReasonName(d.reason);
  j["message"] = d.message;
  j["policy"] = g.policy;
  j["applied"] = s.acted && !g.dry_run;
  j["dry_run"] = g.dry_run;
  if (s.shadow) j["follower"] = s.shadow_reason;
  j["forecast"] = OrNull(forecast);
  j["forecast_upper"] = OrNull(upper);
  // The model the size came from, and how (predictive's candidate).
  j["model"] = d.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.model);
  j["sizing"] = d.sizing.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.sizing);
  j["recommendation"] = d.recommendation;
  j["error"] = s.error.ok() ? nlohmann::json(nullptr) : nlohmann::json(s.error.message());
  nlohmann::ordered_json in;
  in["load_per_s"] = OrNull(o.load_per_s);
  in["cpu_pct"] = OrNull(o.cpu_utilization, 100);
  in["memory_pct"] = OrNull(o.memory_utilization, 100);
  in["anomaly"] = s.anomaly.anomaly;
  in["anomaly_score"] = s.anomaly.score;
  in["source_error"] = o.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.error);
  // The features the classifier saw when the policy used one, else computed here.
  std::optional<Seed2Features> own;
  if (!s.features) own = ComputeSeed2Features(o, g.limits.min, g.limits.max);
  if (const Seed2Features* f = s.features ? s.features : (own ? &*own : nullptr)) {
    in["features"] = {f->cpu_usage,
                      f->memory_usage,
                      f->network_traffic,
                      f->power_consumption,
                      f->num_executed_instructions,
                      f->execution_time,
                      f->energy_efficiency,
                      f->task_type,
                      f->task_priority};
  }
  if (const ClassifierVerdict* v = s.classification) {
    if (v->ok()) {
      in["classification"] = {{"prediction", static_cast<int>(v->classification->demand_class)},
                              {"predicted_class", DemandClassName(v->classification->demand_class)},
                              {"confidence", v->classification->confidence}};
    } else {
      in["classification"] = {{"error", v->error}};
    }
  }
  j["inputs"] = std::move(in);
  pending[kDecisions] += j.dump();
  pending[kDecisions] += '\n';

  // 4. The human log.
  LogStep(g, s, log);
}

}  // namespace prescale
