#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "actuators/simulated_cluster.h"

namespace prescale {
namespace {

// The trace as a metric source: row t's load, and the CPU it puts on the instances
// the cluster has ready in interval t.
class TraceReplaySource final : public MetricSource {
 public:
  TraceReplaySource(const Trace& trace, const SimulatedCluster& cluster, double capacity,
                    TimePoint origin, Duration step)
      : trace_(trace), cluster_(cluster), capacity_(capacity), origin_(origin), step_(step) {}

  std::string_view name() const override { return "trace"; }

  Observation Read(TimePoint now) override {
    Observation o;
    o.time = now;
    auto row = std::llround((now - origin_) / step_);
    if (row < 0 || row >= static_cast<long long>(trace_.size())) {
      o.error = "no trace row at this time";
      return o;
    }
    double load = trace_.values[row];
    o.load_per_s = load;
    int ready = cluster_.ready();
    o.cpu_utilization = ready > 0 ? std::min(1.0, load / (ready * capacity_)) : 1.0;
    return o;
  }

 private:
  const Trace& trace_;
  const SimulatedCluster& cluster_;
  double capacity_;
  TimePoint origin_;
  Duration step_;
};

class StepCollector final : public Recorder {
 public:
  StepCollector(const Trace& trace, std::vector<SimulationStep>& steps)
      : trace_(trace), steps_(steps) {}

  void Record(const GroupSpec&, const StepRecord& r) override {
    SimulationStep s;
    std::size_t t = steps_.size();
    s.timestamp_s = trace_.timestamps_s[t];
    s.load = trace_.values[t];
    s.ready = r.before.ready;
    s.booting = r.before.booting();
    s.desired = r.decision.desired;
    s.cpu_utilization = r.observation->cpu_utilization.value_or(0);
    if (const ForecastResult* f = r.SizingForecast(); f != nullptr && f->horizon() > 0) {
      s.forecast = f->point[0];
      s.forecast_upper = f->PeakUpper();
    }
    s.model = r.decision.model;
    s.sizing = r.decision.sizing;
    s.anomaly = r.anomaly.anomaly;
    s.anomaly_score = r.anomaly.score;
    s.action = r.decision.action;
    s.reason = r.decision.reason;
    s.series = r.series;
    steps_.push_back(s);
  }

 private:
  const Trace& trace_;
  std::vector<SimulationStep>& steps_;
};

Status CheckOptions(const SimulationOptions& o) {
  if (!(o.capacity_per_instance > 0) || !std::isfinite(o.capacity_per_instance)) {
    return Status::Error("--capacity must be a positive number of units/s per instance");
  }
  if (!(o.boot_delay.count() >= 0) || !std::isfinite(o.boot_delay.count())) {
    return Status::Error("--boot-delay must be >= 0 seconds");
  }
  if (o.limits.min < 0) return Status::Error("--min must be >= 0");
  if (o.limits.max < 1) return Status::Error("--max must be >= 1");
  if (o.limits.min > o.limits.max) {
    return Status::Error(fmt::format("--min ({}) must not exceed --max ({})", o.limits.min,
                                     o.limits.max));
  }
  if (o.initial && *o.initial < 0) return Status::Error("--initial must be >= 0");
  return Status::Ok();
}

}  // namespace

double DefaultCapacity(const Trace& trace) {
  std::vector<double> v = trace.values;
  if (v.empty()) return 1;
  std::size_t k = static_cast<std::size_t>(0.995 * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return std::max(v[k] / 20, 1e-9);
}

Result<SimulationResult> Simulate(const Trace& trace, const SimulationOptions& options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (trace.size() == 0) return Status::Error("trace " + trace.name + " has no rows");

  SimulationResult result;
  result.step_s = trace.step_s;
  const Duration step(trace.step_s);
  std::vector<int> demand = Demand(trace.values, options.capacity_per_instance);
  result.initial = options.initial.value_or(options.limits.Clamp(demand[0]));

  GroupSpec group;
  group.name = trace.name;
  group.limits = options.limits;
  group.interval = step;
  group.boot_delay = options.boot_delay;
  group.capacity_per_instance = options.capacity_per_instance;
  group.cooldown = options.cooldown;

  auto parts =
      Controller::BuildParts(group, options.policy, options.forecaster, options.detector, "none");
  if (!parts.ok()) return parts.status();
  result.policy = std::string(parts->policy->name());

  // The decision for row t is made at the end of interval t.
  const TimePoint first = FromEpochSeconds(trace.timestamps_s[0]) + step;
  SimulatedCluster cluster(step, options.boot_delay, result.initial, first);
  result.boot_steps = cluster.boot_steps();
  TraceReplaySource source(trace, cluster, options.capacity_per_instance, first, step);
  result.steps.reserve(trace.size());
  StepCollector collector(trace, result.steps);
  Controller controller(group, source, cluster, std::move(parts.value()), &collector);

  for (std::size_t t = 0; t < trace.size(); ++t) {
    controller.Step(first + static_cast<double>(t) * step);
  }
  result.stats = controller.stats();

  std::vector<int> ready(trace.size()), booting(trace.size());
  for (std::size_t t = 0; t < trace.size(); ++t) {
    ready[t] = result.steps[t].ready;
    booting[t] = result.steps[t].booting;
    result.steps[t].demand = demand[t];
  }
  result.metrics = Score(demand, ready, booting, trace.step_s);
  result.metrics.oracle_inst_hours =
      OracleInstanceHours(demand, result.boot_steps, options.limits, result.initial, trace.step_s);
  result.metrics.cost_vs_oracle = result.metrics.inst_hours / result.metrics.oracle_inst_hours;
  return result;
}

Status WriteStepsCsv(const SimulationResult& result, const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!f) return Status::Error("cannot write " + path);
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf),
                 "timestamp,load,demand,ready,booting,desired,cpu_utilization,forecast,anomaly,"
                 "reason,forecast_upper,anomaly_score,action,series,model\n");
  for (const SimulationStep& s : result.steps) {
    fmt::format_to(std::back_inserter(buf),
                   "{},{},{},{},{},{},{:.4f},{:.6g},{},{},{:.6g},{:.3f},{},{},{}{}{}\n",
                   s.timestamp_s, s.load, s.demand, s.ready, s.booting, s.desired,
                   s.cpu_utilization, s.forecast, s.anomaly ? 1 : 0, ReasonName(s.reason),
                   s.forecast_upper, s.anomaly_score, ActionName(s.action),
                   s.series == Signal::kCpu ? "cpu" : "load", s.model,
                   s.model.empty() || s.sizing.empty() ? "" : ": ",
                   s.model.empty() ? std::string_view() : s.sizing);
    if (buf.size() > (1 << 16)) {
      std::fwrite(buf.data(), 1, buf.size(), f.get());
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), f.get());
  if (std::ferror(f.get())) return Status::Error("error writing " + path);
  return Status::Ok();
}

}  // namespace prescale
