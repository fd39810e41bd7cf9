// The built-in metric sources, by name.
#include <cmath>
#include <filesystem>
#include <system_error>

#include "prescale/metric_source.h"
#include "sources/cloudwatch.h"
#include "sources/csv_replay.h"
#include "sources/procfs.h"
#include "sources/prometheus.h"
#include "sources/synthetic.h"

namespace prescale {
namespace {

// The synthetic workload as a source: its load at the sampled time, compressed by
// `time_scale` (24 makes a day pass in an hour, for demos). It knows no CPU.
class SyntheticSource final : public MetricSource {
 public:
  SyntheticSource(SyntheticWorkload workload, double time_scale, TimePoint epoch)
      : workload_(std::move(workload)), time_scale_(time_scale), epoch_(epoch) {}

  std::string_view name() const override { return "synthetic"; }

  Observation Read(TimePoint now) override {
    Observation o;
    o.time = now;
    TimePoint workload_time = epoch_ + (now - epoch_) * time_scale_;
    o.load_per_s = workload_.LoadAt(workload_time);
    return o;
  }

 private:
  SyntheticWorkload workload_;
  double time_scale_;
  TimePoint epoch_;
};

// "synthetic": the synthetic workload's load (sources/synthetic.h).
Result<std::unique_ptr<MetricSource>> MakeSynthetic(const Params& p, const SourceContext&) {
  if (Status s = p.CheckKnown({"base_per_s", "amplitude", "noise", "seed", "time_scale",
                               "spike_every_s", "spike_duration_s", "spike_height"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  SyntheticConfig c;
  c.base_per_s = r.NumberIn("base_per_s", c.base_per_s, 0, 1e12);
  c.amplitude = r.NumberIn("amplitude", c.amplitude, 0, 1);
  c.noise = r.NumberIn("noise", c.noise, 0, 1);
  c.seed = static_cast<std::uint64_t>(r.IntegerIn("seed", 1, 0, 1 << 30));
  double time_scale = r.NumberIn("time_scale", 1, 0.001, 1e6);
  c.spike_every = Duration(r.NumberIn("spike_every_s", 0, 0, 1e9));
  c.spike_duration = Duration(r.NumberIn("spike_duration_s", c.spike_duration.count(), 0, 1e9));
  c.spike_height = r.NumberIn("spike_height", c.spike_height, 0, 1000);
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<MetricSource>(
      std::make_unique<SyntheticSource>(SyntheticWorkload(c), time_scale, TimePoint()));
}

// "procfs": this host's CPU, memory and network (sources/procfs.h).
Result<std::unique_ptr<MetricSource>> MakeProcfs(const Params& p, const SourceContext& context) {
  if (Status s = p.CheckKnown({"proc_root", "capacity_per_instance"}); !s.ok()) return s;
  ParamReader r(p);
  ProcfsConfig c;
  c.proc_root = r.Text("proc_root", c.proc_root);
  std::error_code ec;
  r.Require(std::filesystem::is_directory(c.proc_root, ec), "proc_root",
            "'" + c.proc_root + "' is not a directory");
  if (p.Has("capacity_per_instance")) {
    c.capacity_per_instance = r.NumberIn("capacity_per_instance", 1, 0, 1e12);
    r.Require(*c.capacity_per_instance > 0, "capacity_per_instance", "must be above 0");
  }
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<MetricSource>(std::make_unique<ProcfsSource>(c, context.group));
}

// "csv-replay": a trace file replayed as live load (sources/csv_replay.h).
Result<std::unique_ptr<MetricSource>> MakeCsvReplay(const Params& p, const SourceContext& context) {
  if (Status s = p.CheckKnown({"path", "speed", "loop"}); !s.ok()) return s;
  ParamReader r(p);
  r.Require(p.Has("path"), "path", "is required: the trace file to replay");
  const std::string path = r.Text("path", "");
  CsvReplayConfig c;
  c.speed = r.NumberIn("speed", c.speed, 0, 1e6);
  r.Require(c.speed > 0, "speed", "must be above 0");
  c.loop = r.Bool("loop", c.loop);
  if (!r.status().ok()) return r.status();
  Result<Trace> trace = ReadTrace(path);
  if (!trace.ok()) return Status::Error(p.Where("path") + trace.status().message());
  return std::unique_ptr<MetricSource>(
      std::make_unique<CsvReplaySource>(std::move(*trace), c, context.group));
}

// "prometheus": PromQL instant queries (sources/prometheus.h).
Result<std::unique_ptr<MetricSource>> MakePrometheus(const Params& p,
                                                     const SourceContext& context) {
  if (Status s = p.CheckKnown({"url", "cpu_query", "memory_query", "load_query", "cpu_unit",
                               "memory_unit", "timeout_s"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  PrometheusConfig c;
  c.url = r.Text("url", c.url);
  if (Result<PrometheusUrl> url = ParsePrometheusUrl(c.url); !url.ok()) {
    r.Require(false, "url", url.status().message());
  }
  c.cpu_query = r.Text("cpu_query", "");
  c.memory_query = r.Text("memory_query", "");
  c.load_query = r.Text("load_query", "");
  r.Require(!c.cpu_query.empty() || !c.memory_query.empty() || !c.load_query.empty(), "cpu_query",
            "or 'memory_query' or 'load_query' is required: the source has nothing to query");
  auto unit = [&r](std::string_view key) {
    const std::string text = r.Text(key, "fraction");
    r.Require(text == "fraction" || text == "percent", key,
              "must be 'fraction' or 'percent', got '" + text + "'");
    return text == "percent" ? UtilizationUnit::kPercent : UtilizationUnit::kFraction;
  };
  c.cpu_unit = unit("cpu_unit");
  c.memory_unit = unit("memory_unit");
  c.timeout = Duration(r.NumberIn("timeout_s", c.timeout.count(), 0.001, 300));
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<MetricSource>(
      std::make_unique<PrometheusSource>(std::move(c), context, *context.clock));
}

}  // namespace

const SourceRegistry& Sources() {
  static const SourceRegistry* registry = [] {
    auto* r = new SourceRegistry("source");
    r->Register("synthetic", MakeSynthetic);
    r->Register("procfs", MakeProcfs);
    r->Register("csv-replay", MakeCsvReplay);
    r->Register("prometheus", MakePrometheus);
    r->Register("cloudwatch", &CloudWatchSource::Create);
    return r;
  }();
  return *registry;
}

}  // namespace prescale
