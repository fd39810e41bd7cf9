// libFuzzer harness: the body of POST /predict and POST /predict/batch
// (DESIGN.md, "Contract: the prediction API"; server/predict_routes.h). Any body
// must get 200 with a prediction, or 400 / 422 with a JSON {"error": ...}; never a
// 500, a crash or a sanitizer report. The model is a small one trained at start-up
// on rows whose class follows the CPU, so the harness needs no file.
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "features/model_features.h"
#include "predict/training.h"
#include "prescale/clock.h"
#include "server/predict_routes.h"

namespace {

prescale::PredictRoutes* routes = nullptr;

std::unique_ptr<prescale::predict::DemandModel> SmallModel() {
  using prescale::DemandClass;
  std::vector<prescale::predict::LabelledRow> rows;
  for (int i = 0; i < 300; ++i) {
    prescale::predict::LabelledRow r;
    r.features = prescale::Seed2ExamplePayload();
    r.features.cpu_usage = (i * 37 % 1000) / 10.0;
    r.label = r.features.cpu_usage > 75   ? DemandClass::kHigh
              : r.features.cpu_usage < 25 ? DemandClass::kLow
                                          : DemandClass::kMedium;
    rows.push_back(r);
  }
  prescale::predict::TrainOptions o;
  o.params.rounds = 4;
  o.params.max_depth = 3;
  o.provenance.source = "fuzz";
  auto trained = prescale::predict::TrainDemandModel(rows, o);
  if (!trained.ok()) std::abort();
  return std::move(trained->model);
}

void CheckReply(const prescale::PredictRoutes::Reply& r, const char* key) {
  if (r.status != 200 && r.status != 400 && r.status != 422) std::abort();
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) std::abort();
  if (!j.contains(r.status == 200 ? key : "error")) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static prometheus::Registry registry;
  static std::shared_ptr<const prescale::predict::DemandModel> model = SmallModel();
  prescale::PredictLimits limits;
  limits.batch_rows = 64;  // a fuzzer's batch is small; the limit itself is tested
  routes = new prescale::PredictRoutes(model, registry, prescale::RealClock::Default(), limits);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  CheckReply(routes->Predict(body), "prediction");
  CheckReply(routes->PredictBatch(body), "predictions");
  return 0;
}
