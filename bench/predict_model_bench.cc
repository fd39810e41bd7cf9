// Where a POST /predict's time goes, in-process: the XGBoost prediction of one
// encoded row, the feature encoding, and the whole route (JSON parse, checks,
// encode, predict, answer) without HTTP. Uses the model the build trained
// (build/models/default.json); bench/predict_bench.sh measures over HTTP.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

#include <array>

#include "features/model_features.h"
#include "predict/model.h"
#include "server/predict_routes.h"

namespace prescale {
namespace {

// Loaded once and never freed (XGBoost's static state is gone at exit).
std::shared_ptr<const predict::DemandModel> Model() {
  static auto* model = [] {
    auto m = predict::DemandModel::Load(predict::DefaultModelPath());
    if (!m.ok()) return new std::shared_ptr<const predict::DemandModel>();
    return new std::shared_ptr<const predict::DemandModel>(std::move(m.value()));
  }();
  return *model;
}

Seed2Features Example() { return Seed2ExamplePayload(); }

void BM_Encode(benchmark::State& state) {
  const Seed2Features f = Example();
  std::array<float, kModelFeatures> row;
  for (auto _ : state) benchmark::DoNotOptimize(EncodeModelRow(f, row));
}
BENCHMARK(BM_Encode);

void BM_PredictEncodedRow(benchmark::State& state) {
  auto model = Model();
  if (!model) return state.SkipWithError("no default model; build first");
  std::array<float, kModelFeatures> row;
  (void)EncodeModelRow(Example(), row);
  Classification c;
  for (auto _ : state) benchmark::DoNotOptimize(model->ClassifyEncoded(row.data(), 1, &c));
}
BENCHMARK(BM_PredictEncodedRow);

void BM_PredictRoute(benchmark::State& state) {
  auto model = Model();
  if (!model) return state.SkipWithError("no default model; build first");
  prometheus::Registry registry;
  PredictRoutes routes(model, registry, RealClock::Default());
  const std::string body =
      R"({"features": [45.5, 60.2, 122.1, 35.6, 1200000000, 0.8, 0.92, "compute", "high"]})";
  for (auto _ : state) benchmark::DoNotOptimize(routes.Predict(body));
}
BENCHMARK(BM_PredictRoute);

}  // namespace
}  // namespace prescale

BENCHMARK_MAIN();
