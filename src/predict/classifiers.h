// The built-in Classifier implementations (prescale/classifier.h).
//
//   xgboost   the model in-process: a DemandModel loaded once from `model` (default:
//             the model the build trains, DefaultModelPath()). About 30 us a row.
//   remote    seed 2's split: POST {"features": [...]} to `predictor_url` (a service speaking
//             DESIGN.md's /predict contract: `prescale serve`, or the seed's own
//             FastAPI app), within `timeout_s` (6, as the seed's requests.post).
//             Transport errors, non-200 answers and malformed bodies are errors
//             that name the URL; the policy then falls back.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "predict/model.h"
#include "prescale/classifier.h"

namespace httplib {
class Client;
}

namespace prescale::predict {

class ModelClassifier final : public Classifier {
 public:
  explicit ModelClassifier(std::shared_ptr<const DemandModel> model) : model_(std::move(model)) {}
  static Result<std::unique_ptr<Classifier>> Create(const Params& params,
                                                    const ClassifierContext& context);
  std::string_view name() const override { return "xgboost"; }
  Result<Classification> Classify(const Seed2Features& features) override {
    return model_->Classify(features);
  }
  const DemandModel& model() const { return *model_; }

 private:
  std::shared_ptr<const DemandModel> model_;
};

struct PredictorUrl {
  std::string scheme_host_port;  // "http://127.0.0.1:8000"
  std::string path;              // "/predict"
};
// http:// or https:// URL with a host; the path defaults to /predict.
Result<PredictorUrl> ParsePredictorUrl(std::string_view url);

class RemoteClassifier final : public Classifier {
 public:
  RemoteClassifier(PredictorUrl url, std::chrono::milliseconds timeout);
  ~RemoteClassifier() override;
  static Result<std::unique_ptr<Classifier>> Create(const Params& params,
                                                    const ClassifierContext& context);
  std::string_view name() const override { return "remote"; }
  Result<Classification> Classify(const Seed2Features& features) override;

 private:
  PredictorUrl url_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<httplib::Client> client_;  // kept, so connections are reused
};

// The answer of a /predict service, parsed: "prediction" 0..2 (required),
// "confidence" a number in [0, 1] (a string or a missing value counts as 0: the
// seed's own service once sent a sentence there).
Result<Classification> ParsePredictAnswer(std::string_view body);
// {"features": [...]} in the request order, numbers printed exactly.
std::string PredictRequestBody(const Seed2Features& features);

}  // namespace prescale::predict
