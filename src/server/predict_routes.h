// The prediction API on an HttpServer: `prescale serve`, and the same routes in
// `run` (DESIGN.md, "Contract: the prediction API").
//
//   POST /predict        {"features": [cpu_usage, memory_usage, network_traffic,
//                        power_consumption, num_executed_instructions, execution_time,
//                        energy_efficiency, task_type, task_priority]}
//                        -> 200 {"prediction": 0|1|2, "predicted_class": "Low"|...,
//                               "confidence": p, "probabilities": [pLow, pMed, pHigh]}
//   POST /predict/batch  {"features": [[...nine...], ...]} -> {"predictions": [...]}
//   GET  /model          the model's metadata (encoding, columns, classes, training)
// plus the server's own GET /health and GET /metrics, where these routes add
//   prescale_predict_requests_total{route,code}   counter
//   prescale_predict_duration_seconds{route}      histogram, 10 us .. 1 s
//   prescale_predictions_total{class}             counter
//
// Bad input is 400 or 422 with {"error": "..."} that says what is wrong, never 500:
//   400  the body is not JSON, is over the route's limit, or has the wrong number
//        of features (as the seed's FastAPI service answers it);
//   422  valid JSON of the wrong shape: no "features" list, a string where a number
//        belongs (or the other way round), an unknown category, a negative number,
//        or a number that is not finite. JSON has no NaN or Infinity: the literals
//        NaN / Infinity are not JSON (400), "NaN" as a string is a wrong type (422),
//        and a number too large for a double (1e999) is read as infinity (422).
// Numbers must be JSON numbers; "45.5" as a string is refused (the seed's pydantic
// model would coerce it). A model loaded on first use that does not load is 503 on
// every route, with the reason.
//
// JSON stays here (nlohmann); the model sees plain Seed2Features. Handlers run on
// the server's threads: the model is thread-safe, the metrics are prometheus-cpp's.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "predict/model.h"
#include "prescale/clock.h"

namespace prometheus {
class Registry;
}

namespace prescale {

class HttpServer;

struct PredictLimits {
  std::size_t predict_body_bytes = 64 * 1024;
  std::size_t batch_body_bytes = 8 * 1024 * 1024;
  std::size_t batch_rows = 10000;
};

class PredictRoutes {
 public:
  // `registry` and `clock` must outlive this object.
  PredictRoutes(std::shared_ptr<const predict::DemandModel> model, prometheus::Registry& registry,
                const Clock& clock, PredictLimits limits = {});
  // The model loaded by `load` on the first request rather than now (`run` serves its
  // default model this way: a daemon nobody asks for predictions never loads XGBoost).
  // When it fails, every route answers 503 with its error.
  using ModelLoader = std::function<Result<std::unique_ptr<predict::DemandModel>>()>;
  PredictRoutes(ModelLoader load, prometheus::Registry& registry, const Clock& clock,
                PredictLimits limits = {});
  ~PredictRoutes();
  PredictRoutes(const PredictRoutes&) = delete;
  PredictRoutes& operator=(const PredictRoutes&) = delete;

  // Adds the routes. REQUIRES: the server has not started; this object outlives it.
  void Register(HttpServer& server);

  // The handlers' work without HTTP, for tests: the status and the JSON body.
  struct Reply {
    int status = 200;
    std::string body;
  };
  Reply Predict(const std::string& body) const;
  Reply PredictBatch(const std::string& body) const;
  Reply Model() const;

 private:
  struct Metrics;
  // The model, loading it on first use; null with `failure` set when it cannot load.
  const predict::DemandModel* Loaded(Reply& failure) const;

  ModelLoader load_;
  mutable std::once_flag loaded_;
  mutable std::shared_ptr<const predict::DemandModel> model_;
  mutable std::string load_error_;
  const Clock& clock_;
  PredictLimits limits_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace prescale
