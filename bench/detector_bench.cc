// Speed of the anomaly detectors: Update() per value, side by side, so that the
// figures compare within one run. Items per second = values per second.
//
// Target (issue 7): >= 1M points/s per core for the default detector, "surprise".
// Two inputs: the 41 NAB files of ../shared/nab run one after the other, each with a
// fresh detector at the file's step, and the gaps filled with missing values as
// `prescale detect` does; and, so that the benchmark always runs, a synthetic week of
// 5-minute load (a daily cycle, noise and bursts).
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "prescale/anomaly_detector.h"
#include "sources/trace.h"

namespace prescale {
namespace {

struct Series {
  double step_s = 300;
  std::vector<std::optional<double>> values;  // gaps as nullopt, on the step's grid
};

const std::vector<Series>& NabSeries() {
  static const std::vector<Series> all = [] {
    std::vector<Series> out;
    const std::filesystem::path root = std::filesystem::path(PRESCALE_SHARED_DIR) / "nab" / "data";
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) return out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root, ec)) {
      if (entry.path().extension() != ".csv") continue;
      auto trace = ReadTrace(entry.path().string(),
                             TraceFormat{.allow_negative = true, .allow_repeated_time = true});
      if (!trace.ok()) continue;
      Series s;
      s.step_s = trace->step_s;
      for (std::size_t i = 0; i < trace->size(); ++i) {
        if (i > 0) {
          const long long gap =
              std::llround((trace->timestamps_s[i] - trace->timestamps_s[i - 1]) / trace->step_s);
          for (long long k = 1; k < gap; ++k) s.values.push_back(std::nullopt);
        }
        s.values.push_back(trace->values[i]);
      }
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all;
}

const Series& SyntheticSeries() {
  static const Series s = [] {
    Series out;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0, 8);
    std::bernoulli_distribution burst(0.01);
    for (int t = 0; t < 7 * 288; ++t) {
      double v = 300 + 100 * std::sin(2 * std::numbers::pi * t / 288) + noise(rng);
      if (burst(rng)) v *= 2.5;
      out.values.push_back(v);
    }
    return out;
  }();
  return s;
}

std::unique_ptr<AnomalyDetector> Make(const std::string& name, double step_s) {
  auto d = Detectors().Create(name, Params(), DetectorContext{Duration(step_s)});
  return d.ok() ? std::move(d).value() : nullptr;
}

void RunOver(benchmark::State& state, const std::string& name, const std::vector<Series>& all) {
  if (all.empty()) {
    state.SkipWithError("no NAB corpus at ../shared/nab");
    return;
  }
  std::int64_t points = 0;
  double checksum = 0;
  for (auto _ : state) {
    for (const Series& s : all) {
      state.PauseTiming();  // building a detector (a profile of a day) is not Update
      std::unique_ptr<AnomalyDetector> d = Make(name, s.step_s);
      state.ResumeTiming();
      for (const std::optional<double>& v : s.values) checksum += d->Update(v).score;
      points += static_cast<std::int64_t>(s.values.size());
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(points);
}

void BM_Nab(benchmark::State& state, const char* name) { RunOver(state, name, NabSeries()); }

void BM_Synthetic(benchmark::State& state, const char* name) {
  RunOver(state, name, std::vector<Series>{SyntheticSeries()});
}

BENCHMARK_CAPTURE(BM_Nab, surprise, "surprise");
BENCHMARK_CAPTURE(BM_Nab, zscore, "zscore");
BENCHMARK_CAPTURE(BM_Nab, mad, "mad");
BENCHMARK_CAPTURE(BM_Synthetic, surprise, "surprise");
BENCHMARK_CAPTURE(BM_Synthetic, zscore, "zscore");
BENCHMARK_CAPTURE(BM_Synthetic, mad, "mad");

}  // namespace
}  // namespace prescale

BENCHMARK_MAIN();
