// Speed of the engine: one controller step, and `simulate` end to end on the NASA
// trace (89,280 one-minute steps). Items per second = steps per second.
//
// Targets (issue 2): >= 5M steps/s for hpa, >= 1M steps/s for predictive, per core.
// The Python reference in ../shared/bench/elastic.py manages about 125k steps/s.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "actuators/simulated_cluster.h"
#include "controller/controller.h"
#include "sim/simulator.h"
#include "sources/synthetic.h"
#include "sources/trace.h"

namespace prescale {
namespace {

// The NASA trace when ../shared is beside the checkout, else a synthetic one of the
// same length and step, so the benchmark always runs.
const Trace& BenchTrace() {
  static const Trace trace = [] {
    std::string path = std::string(PRESCALE_SHARED_DIR) + "/traces/nasa_http_1995_per_min.csv";
    if (std::filesystem::exists(path)) {
      auto t = ReadTrace(path);
      if (t.ok()) return *t;
    }
    Trace t;
    t.name = "synthetic";
    t.step_s = 60;
    SyntheticWorkload w(SyntheticConfig{});
    for (int i = 0; i < 89280; ++i) {
      t.timestamps_s.push_back(804571200 + 60.0 * i);
      t.values.push_back(w.LoadAt(FromEpochSeconds(t.timestamps_s.back())));
    }
    return t;
  }();
  return trace;
}

SimulationOptions Options(const char* policy) {
  SimulationOptions o;
  o.capacity_per_instance = 7.15;  // as elastic.py sizes the NASA trace
  o.limits = Limits{1, 80};
  o.policy.type = policy;
  return o;
}

// A metric source that replays the trace in a loop: the step alone, no I/O.
class LoopSource final : public MetricSource {
 public:
  explicit LoopSource(const Trace& trace) : trace_(trace) {}
  std::string_view name() const override { return "loop"; }
  Observation Read(TimePoint now) override {
    Observation o;
    o.time = now;
    o.load_per_s = trace_.values[i_];
    o.cpu_utilization = 0.5;
    if (++i_ == trace_.size()) i_ = 0;
    return o;
  }

 private:
  const Trace& trace_;
  std::size_t i_ = 0;
};

// One Controller::Step: describe, read, detect, forecast, decide, actuate, record.
void BM_ControllerStep(benchmark::State& state, const char* policy) {
  const Trace& trace = BenchTrace();
  GroupSpec group;
  group.limits = Limits{1, 80};
  group.capacity_per_instance = 7.15;
  auto parts = Controller::BuildParts(group, PluginSpec{policy, {}, {}}, PluginSpec{},
                                      PluginSpec{}, "none");
  if (!parts.ok()) {
    state.SkipWithError(parts.status().message().c_str());
    return;
  }
  LoopSource source(trace);
  TimePoint now = FromEpochSeconds(trace.timestamps_s[0]);
  SimulatedCluster cluster(group.interval, group.boot_delay, 5, now);
  Controller controller(group, source, cluster, std::move(parts.value()), nullptr);
  for (auto _ : state) {
    now += group.interval;
    benchmark::DoNotOptimize(controller.Step(now).decision.desired);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_ControllerStep, hpa, "hpa");
BENCHMARK_CAPTURE(BM_ControllerStep, predictive, "predictive");

void BM_Simulate(benchmark::State& state, const char* policy) {
  const Trace& trace = BenchTrace();
  SimulationOptions o = Options(policy);
  for (auto _ : state) {
    auto r = Simulate(trace, o);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->metrics.inst_hours);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(trace.size()));
  state.SetLabel(trace.name.substr(trace.name.find_last_of('/') + 1));
}

BENCHMARK_CAPTURE(BM_Simulate, hpa, "hpa")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Simulate, predictive, "predictive")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Simulate, seed2, "seed2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Simulate, threshold, "threshold")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Simulate, target_tracking, "target-tracking")
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace prescale

BENCHMARK_MAIN();
