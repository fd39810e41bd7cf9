#include "app/simulate_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <map>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "config/plugin_file.h"
#include "prescale/forecaster.h"
#include "prescale/policy.h"
#include "sim/backtest.h"
#include "sources/synthetic.h"

namespace prescale::app {
namespace {

// Sets `key` on a policy that knows it; a policy without the setting is told on
// stderr rather than failing, so one sweep can run every policy.
void SetPolicyNumber(PluginSpec& policy, const std::string& key, double value, const char* flag,
                     std::ostream& err) {
  // `classifier` hands these to its `predictive` fallback.
  static const char* kHas[] = {"hpa", "target-tracking", "predictive", "classifier"};
  bool has = std::find(std::begin(kHas), std::end(kHas), policy.type) != std::end(kHas);
  if (key == "slo_underprovision_pct") {
    has = policy.type == "predictive" || policy.type == "classifier";
  }
  if (!has) {
    fmt::print(err, "simulate: note: policy '{}' has no {}; {} ignored\n", policy.type, key, flag);
    return;
  }
  policy.params.Set(key, fmt::format("{}", value), SourceMark{flag, 0, 0});
}

// One row per origin t: its timestamp, the value h steps later, and every
// forecaster's forecast of it (empty before the warm-up ends).
Status WriteForecastsCsv(const Trace& trace, const BacktestReport& report, int h,
                         const std::string& path) {
  std::ofstream csv(path);
  csv << "timestamp,actual";
  for (std::size_t i = 1; i < report.scores.size(); ++i) csv << ',' << report.scores[i].forecaster;
  csv << '\n';
  const std::size_t rows = trace.size() - static_cast<std::size_t>(h);
  for (std::size_t t = 0; t < rows; ++t) {
    csv << fmt::format("{},{}", trace.timestamps_s[t], trace.values[t + h]);
    for (const std::vector<double>& column : report.forecasts) {
      if (std::isnan(column[t])) {
        csv << ',';
      } else {
        csv << fmt::format(",{}", column[t]);
      }
    }
    csv << '\n';
  }
  if (!csv) return Status::Error("cannot write " + path);
  return Status::Ok();
}

// "predictive sized with: holt-winters daily: forecast + headroom 61.2%, ..." (the
// share of steps each model and sizing set the decision), or "" for a policy that
// sizes with no forecast.
std::string SizedWith(const std::string& policy, const SimulationResult& r) {
  std::map<std::string, std::size_t> count;
  for (const SimulationStep& s : r.steps) {
    if (!s.model.empty()) ++count[std::string(s.model) + ": " + std::string(s.sizing)];
  }
  if (count.empty()) return "";
  std::vector<std::pair<std::size_t, std::string>> by_share;
  for (const auto& [what, n] : count) by_share.emplace_back(n, what);
  std::sort(by_share.rbegin(), by_share.rend());
  std::string line = policy + " sized with:";
  for (const auto& [n, what] : by_share) {
    line += fmt::format("\n  {:5.1f}%  {}", 100.0 * n / r.steps.size(), what);
  }
  return line + "\n";
}

void PrintSummary(std::ostream& err, const SimulationResult& r, const std::string& name) {
  const ElasticityMetrics& m = r.metrics;
  fmt::print(err,
             "{}: policy {} over {} steps of {:g}s: tau_U {:.2f}% theta_U {:.2f}% "
             "tau_O {:.2f}% theta_O {:.2f}% adaptations {} inst-hours {:.1f} "
             "cost/oracle {:.3f}\n",
             name, r.policy, r.steps.size(), r.step_s, m.tau_u, m.theta_u, m.tau_o, m.theta_o,
             m.adaptations, m.inst_hours, m.cost_vs_oracle);
}

}  // namespace

std::string SummaryJson(const SimulationResult& r, const SimulationOptions& o,
                        const std::string& trace_name) {
  const ElasticityMetrics& m = r.metrics;
  nlohmann::ordered_json j;
  j["trace"] = trace_name;
  j["policy"] = r.policy;
  j["steps"] = r.steps.size();
  j["step_s"] = r.step_s;
  j["capacity_per_instance"] = o.capacity_per_instance;
  j["boot_delay_s"] = o.boot_delay.count();
  j["boot_steps"] = r.boot_steps;
  j["min"] = o.limits.min;
  j["max"] = o.limits.max;
  j["initial"] = r.initial;
  j["theta_U"] = m.theta_u;
  j["theta_O"] = m.theta_o;
  j["tau_U"] = m.tau_u;
  j["tau_O"] = m.tau_o;
  j["upsilon"] = m.upsilon;
  j["adaptations"] = m.adaptations;
  j["inst_hours"] = m.inst_hours;
  j["demand_hours"] = m.demand_hours;
  j["cost_vs_demand"] = m.cost_vs_demand;
  j["oracle_inst_hours"] = m.oracle_inst_hours;
  j["cost_vs_oracle"] = m.cost_vs_oracle;
  j["missing_data_steps"] = r.stats.missing_data;
  j["actions"] = r.stats.actions;
  return j.dump(2) + "\n";
}

int RunSimulate(const SimulateFlags& f, std::ostream& err) {
  auto fail = [&](const Status& s) {
    fmt::print(err, "simulate: {}\n", s.message());
    return 2;
  };
  auto trace = ReadTrace(f.trace);
  if (!trace.ok()) return fail(trace.status());

  SimulationOptions o;
  std::optional<GroupConfig> group;
  if (!f.config.empty()) {
    auto file = LoadPluginFile(f.config, f.group);
    if (!file.ok()) return fail(file.status());
    o.policy = file->policy;
    o.forecaster = file->forecaster;
    o.detector = file->detector;
    group = file->group;
  }
  if (!f.policy.empty() && f.policy != o.policy.type) {
    o.policy = PluginSpec{f.policy, Params("policy '" + f.policy + "'"), SourceMark{"--policy"}};
  }
  if (o.policy.type.empty()) o.policy.type = "predictive";
  if (!f.forecaster.empty()) o.forecaster = PluginSpec{f.forecaster, Params(), {}};
  if (!f.detector.empty()) o.detector = PluginSpec{f.detector, Params(), {}};
  if (f.target_utilization) {
    if (!(*f.target_utilization > 0 && *f.target_utilization <= 1)) {
      return fail(Status::Error(
          fmt::format("--target-utilization must be in (0, 1], got {}", *f.target_utilization)));
    }
    SetPolicyNumber(o.policy, "target_utilization", *f.target_utilization,
                    "--target-utilization", err);
  }
  if (f.slo_underprovision_pct) {
    SetPolicyNumber(o.policy, "slo_underprovision_pct", *f.slo_underprovision_pct,
                    "--slo-underprovision", err);
  }
  // Flags win; then the config's group (as `run` would decide); then defaults.
  const GroupSpec* spec = group ? &group->spec : nullptr;
  if (f.capacity) {
    o.capacity_per_instance = *f.capacity;
  } else if (spec && spec->capacity_per_instance > 0) {
    o.capacity_per_instance = spec->capacity_per_instance;
  } else {
    o.capacity_per_instance = DefaultCapacity(*trace);
  }
  o.boot_delay = Duration(f.boot_delay_s.value_or(spec ? spec->boot_delay.count() : 180));
  o.limits = Limits{f.min.value_or(spec ? spec->limits.min : 1),
                    f.max.value_or(spec ? spec->limits.max : 1000)};
  if (spec) o.cooldown = spec->cooldown;
  o.initial = f.initial;

  auto result = Simulate(*trace, o);
  if (!result.ok()) return fail(result.status());
  if (!f.out.empty()) {
    if (Status s = WriteStepsCsv(*result, f.out); !s.ok()) return fail(s);
  }
  if (!f.summary.empty()) {
    std::ofstream js(f.summary);
    js << SummaryJson(*result, o, f.trace);
    if (!js) return fail(Status::Error("cannot write " + f.summary));
  }
  PrintSummary(err, *result, f.trace);
  return 0;
}

int RunBacktest(const BacktestFlags& f, std::ostream& out, std::ostream& err) {
  auto fail = [&](const Status& s) {
    fmt::print(err, "backtest: {}\n", s.message());
    return 2;
  };
  auto trace = ReadTrace(f.trace);
  if (!trace.ok()) return fail(trace.status());
  if (!(f.boot_delay_s >= 0)) return fail(Status::Error("--boot-delay must be >= 0 seconds"));
  const int horizon =
      static_cast<int>(std::ceil(f.boot_delay_s / trace->step_s - 1e-9)) + 1;

  // 1. Forecasters at the provisioning horizon: every one registered, with its
  //    defaults; the ensemble also member by member.
  std::vector<PluginSpec> specs;
  for (const std::string& name : Forecasters().Names()) specs.push_back(PluginSpec{name, {}, {}});
  BacktestOptions options{horizon, 0, 0};
  options.keep_forecasts = !f.forecasts.empty();
  auto report = ScoreForecasters(*trace, specs, options);
  if (!report.ok()) return fail(report.status());
  if (!f.forecasts.empty()) {
    if (Status s = WriteForecastsCsv(*trace, *report, horizon, f.forecasts); !s.ok()) return fail(s);
  }
  fmt::print(out, "{}: {} steps of {:g} s; provisioning horizon {} steps (boot {:g} s + one step)\n",
             f.trace, trace->size(), trace->step_s, horizon, f.boot_delay_s);
  if (!report->season.empty()) {
    fmt::print(out, "season found by 'auto': {} (autocorrelation {:.2f} at a day, {:.2f} at a week)\n",
               report->season, report->daily_correlation, report->weekly_correlation);
  }
  fmt::print(out, "\n{:<30}{:>9}{:>13}{:>9}{:>13}\n", "forecaster", "points", "MAE", "MASE",
             "us/update");
  for (const ForecastScore& s : report->scores) {
    const std::string name = s.member ? "  " + s.forecaster.substr(s.forecaster.find('/') + 1)
                                      : s.forecaster;
    const std::string timing = s.seconds_per_update > 0
                                   ? fmt::format("{:.3f}", s.seconds_per_update * 1e6)
                                   : std::string();
    fmt::print(out, "{:<30}{:>9}{:>13.4g}{:>9.3f}{:>13}\n", name, s.points, s.mae, s.mase, timing);
  }
  fmt::print(out, "MASE < 1: better than seasonal-naive at the same horizon. Indented rows are\n"
                  "the members of 'auto', which predictive sizes with.\n\n");

  // 2. Every policy through the capacity model, with its defaults; for each, the
  //    models its decisions were sized on.
  SimulationOptions o;
  o.capacity_per_instance = f.capacity ? *f.capacity : DefaultCapacity(*trace);
  o.boot_delay = Duration(f.boot_delay_s);
  o.limits = Limits{f.min, f.max};
  fmt::print(out, "{:<16}{:>9}{:>10}{:>9}{:>10}{:>8}{:>13}\n", "policy", "tau_U%", "theta_U%",
             "tau_O%", "theta_O%", "adapt", "cost/oracle");
  std::string explained;
  for (const std::string& name : Policies().Names()) {
    o.policy = PluginSpec{name, Params("policy '" + name + "'"), {}};
    auto r = Simulate(*trace, o);
    if (!r.ok()) return fail(r.status());
    const ElasticityMetrics& m = r->metrics;
    fmt::print(out, "{:<16}{:>9.2f}{:>10.2f}{:>9.2f}{:>10.2f}{:>8}{:>13.3f}\n", name, m.tau_u,
               m.theta_u, m.tau_o, m.theta_o, m.adaptations, m.cost_vs_oracle);
    explained += SizedWith(name, *r);
  }
  fmt::print(out, "\n{}", explained);
  fmt::print(out, "capacity {:.6g} units/s per instance, limits [{}, {}]\n",
             o.capacity_per_instance, f.min, f.max);
  return 0;
}

int RunDemo(std::ostream& out, std::ostream& err, const std::string& out_dir) {
  // Three days at one-minute steps, starting at midnight UTC, with one 20-minute
  // spike in the afternoon of the second day.
  const double start = 1735689600;  // 2025-01-01T00:00:00Z
  SyntheticConfig c;
  c.base_per_s = 200;
  c.spike_times = {FromEpochSeconds(start + 86400 + 14 * 3600)};
  c.spike_duration = Duration(1200);
  c.spike_height = 0.8;
  const Trace trace = SampleTrace(SyntheticWorkload(c), start, 60, 3 * 1440,
                                  "synthetic (daily cycle, noise, one spike)");

  if (!out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    const std::string path = (std::filesystem::path(out_dir) / "demo-trace.csv").string();
    std::ofstream csv(path);
    csv << "timestamp,value\n";
    for (std::size_t i = 0; i < trace.size(); ++i) {
      csv << fmt::format("{},{}\n", trace.timestamps_s[i], trace.values[i]);
    }
    if (!csv) {
      fmt::print(err, "demo: cannot write {}\n", path);
      return 1;
    }
  }
  fmt::print(out, "prescale demo: {} steps of 60 s, capacity 20 units/s per instance, "
                  "boot delay 180 s\n\n", trace.size());
  fmt::print(out, "{:<12}{:>9}{:>9}{:>9}{:>9}{:>8}{:>12}{:>13}\n", "policy", "tau_U%",
             "theta_U%", "tau_O%", "theta_O%", "adapt", "inst-hours", "cost/oracle");
  for (const char* name : {"predictive", "hpa"}) {
    SimulationOptions o;
    o.capacity_per_instance = 20;
    o.policy.type = name;
    auto r = Simulate(trace, o);
    if (!r.ok()) {
      fmt::print(err, "demo: {}\n", r.status().message());
      return 1;
    }
    if (!out_dir.empty()) {
      const std::string path =
          (std::filesystem::path(out_dir) / fmt::format("demo-{}.csv", name)).string();
      if (Status s = WriteStepsCsv(*r, path); !s.ok()) {
        fmt::print(err, "demo: {}\n", s.message());
        return 1;
      }
    }
    const ElasticityMetrics& m = r->metrics;
    fmt::print(out, "{:<12}{:>9.2f}{:>9.2f}{:>9.2f}{:>9.2f}{:>8}{:>12.1f}{:>13.3f}\n", name,
               m.tau_u, m.theta_u, m.tau_o, m.theta_o, m.adaptations, m.inst_hours,
               m.cost_vs_oracle);
  }
  fmt::print(out,
             "\ntau_U: share of time with fewer ready instances than the load needs (lower is "
             "better);\ncost/oracle: instance-hours over those of an oracle that knows the "
             "future.\n");
  return 0;
}

}  // namespace prescale::app
