#include "server/predict_routes.h"

#include <fmt/format.h>
#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "features/model_features.h"
#include "server/api_json.h"
#include "server/http_server.h"

namespace prescale {
namespace {

using json = nlohmann::json;
constexpr char kJson[] = "application/json";

enum RouteIndex { kPredict, kBatch, kModel, kRoutes };
constexpr const char* kRouteNames[kRoutes] = {"/predict", "/predict/batch", "/model"};
constexpr int kCodes[] = {200, 400, 422, 503};  // 503: the model did not load

// A bad request: its status and message.
struct Bad {
  int status;
  std::string message;
};

std::string TypeName(const json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  return v.type_name();
}

std::string Value(const json& v) {
  return Quote(v.dump(-1, ' ', false, json::error_handler_t::replace), 40);
}

// Reads one row of nine features. `where` prefixes messages ("row 3: ").
std::optional<Bad> ReadFeatures(const json& row, const std::string& where, Seed2Features& f) {
  if (!row.is_array()) {
    return Bad{422, where + "\"features\" must be a list of " + std::to_string(kSeed2Inputs) +
                        " values, got " + TypeName(row)};
  }
  if (row.size() != kSeed2Inputs) {
    return Bad{400, where + "expected " + std::to_string(kSeed2Inputs) + " features, got " +
                        std::to_string(row.size()) +
                        " (order: cpu_usage, memory_usage, "
                        "network_traffic, power_consumption, num_executed_instructions, "
                        "execution_time, energy_efficiency, task_type, task_priority)"};
  }
  double* numbers[7] = {&f.cpu_usage,
                        &f.memory_usage,
                        &f.network_traffic,
                        &f.power_consumption,
                        &f.num_executed_instructions,
                        &f.execution_time,
                        &f.energy_efficiency};
  auto name = [&](int i) {
    return "feature " + std::to_string(i + 1) + " (" + std::string(Seed2InputNames()[i]) + ")";
  };
  for (int i = 0; i < 7; ++i) {
    const json& v = row[i];
    if (!v.is_number()) {
      return Bad{422, where + name(i) + " must be a number, got " + TypeName(v) + " " + Value(v)};
    }
    *numbers[i] = v.get<double>();
    if (!std::isfinite(*numbers[i])) {
      return Bad{422, where + name(i) + " is not a finite number (" + Value(v) +
                          " does not fit a double)"};
    }
  }
  std::string* categories[2] = {&f.task_type, &f.task_priority};
  for (int i = 7; i < 9; ++i) {
    const json& v = row[i];
    if (!v.is_string()) {
      return Bad{422, where + name(i) + " must be a string, got " + TypeName(v) + " " + Value(v)};
    }
    *categories[i - 7] = v.get<std::string>();
  }
  return std::nullopt;
}

// Parses `body` as a JSON object with "features".
std::optional<Bad> ParseBody(const std::string& body, std::size_t limit, json& out,
                             const json*& features) {
  if (body.size() > limit) {
    return Bad{400, "request body of " + std::to_string(body.size()) +
                        " bytes is over this route's limit of " + std::to_string(limit) + " bytes"};
  }
  try {
    out = json::parse(body);
  } catch (const json::out_of_range& e) {
    // nlohmann refuses a number beyond a double's range (1e999) as it parses.
    return Bad{422, std::string("a number in the body is not finite (too large for a double): ") +
                        e.what()};
  } catch (const json::exception& e) {
    return Bad{400, std::string("body is not JSON: ") + e.what()};
  }
  if (!out.is_object()) {
    return Bad{422, "body must be a JSON object with a \"features\" list, got " + TypeName(out)};
  }
  auto it = out.find("features");
  if (it == out.end()) return Bad{422, "body has no \"features\" list"};
  features = &*it;
  return std::nullopt;
}

void AppendClassification(std::string& out, const Classification& c) {
  fmt::format_to(
      std::back_inserter(out),
      R"({{"prediction":{},"predicted_class":"{}","confidence":{},"probabilities":[{},{},{}]}})",
      static_cast<int>(c.demand_class), DemandClassName(c.demand_class), c.confidence,
      c.probabilities[0], c.probabilities[1], c.probabilities[2]);
}

PredictRoutes::Reply ErrorReply(const Bad& b) {
  return PredictRoutes::Reply{b.status, DumpJson(ErrorJson(b.message))};
}

}  // namespace

struct PredictRoutes::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : requests(prometheus::BuildCounter()
                     .Name("prescale_predict_requests_total")
                     .Help("Prediction API requests, by route and HTTP status")
                     .Register(r)),
        duration(prometheus::BuildHistogram()
                     .Name("prescale_predict_duration_seconds")
                     .Help("Time to answer a prediction API request (parse, predict, encode)")
                     .Register(r)),
        predictions(prometheus::BuildCounter()
                        .Name("prescale_predictions_total")
                        .Help("Rows classified, by predicted class")
                        .Register(r)) {
    const prometheus::Histogram::BucketBoundaries buckets = {1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
                                                             1e-3, 2.5e-3, 5e-3, 1e-2, 0.1,    1};
    for (int route = 0; route < kRoutes; ++route) {
      for (std::size_t c = 0; c < std::size(kCodes); ++c) {
        by_code[route][c] =
            &requests.Add({{"route", kRouteNames[route]}, {"code", std::to_string(kCodes[c])}});
      }
      latency[route] = &duration.Add({{"route", kRouteNames[route]}}, buckets);
    }
    for (int k = 0; k < kDemandClasses; ++k) {
      by_class[k] =
          &predictions.Add({{"class", std::string(DemandClassName(static_cast<DemandClass>(k)))}});
    }
  }
  void Count(int route, int status, Duration took) {
    for (std::size_t c = 0; c < std::size(kCodes); ++c) {
      if (kCodes[c] == status) by_code[route][c]->Increment();
    }
    latency[route]->Observe(took.count());
  }

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Counter>& predictions;
  std::array<std::array<prometheus::Counter*, std::size(kCodes)>, kRoutes> by_code{};
  std::array<prometheus::Histogram*, kRoutes> latency{};
  std::array<prometheus::Counter*, kDemandClasses> by_class{};
};

PredictRoutes::PredictRoutes(std::shared_ptr<const predict::DemandModel> model,
                             prometheus::Registry& registry, const Clock& clock,
                             PredictLimits limits)
    : PredictRoutes(ModelLoader(), registry, clock, limits) {
  model_ = std::move(model);
}

PredictRoutes::PredictRoutes(ModelLoader load, prometheus::Registry& registry, const Clock& clock,
                             PredictLimits limits)
    : load_(std::move(load)),
      clock_(clock),
      limits_(limits),
      metrics_(std::make_unique<Metrics>(registry)) {}

PredictRoutes::~PredictRoutes() = default;

const predict::DemandModel* PredictRoutes::Loaded(Reply& failure) const {
  std::call_once(loaded_, [this] {
    if (model_ || !load_) return;
    auto m = load_();
    if (m.ok()) {
      model_ = std::move(m.value());
    } else {
      load_error_ = "the model could not be loaded: " + m.status().message();
    }
  });
  if (model_) return model_.get();
  failure = ErrorReply(Bad{503, load_error_.empty() ? "no model" : load_error_});
  return nullptr;
}

PredictRoutes::Reply PredictRoutes::Predict(const std::string& body) const {
  json parsed;
  const json* features = nullptr;
  if (auto bad = ParseBody(body, limits_.predict_body_bytes, parsed, features)) {
    return ErrorReply(*bad);
  }
  Seed2Features f;
  if (auto bad = ReadFeatures(*features, "", f)) return ErrorReply(*bad);
  Reply failure;
  const predict::DemandModel* model = Loaded(failure);
  if (model == nullptr) return failure;
  auto c = model->Classify(f);
  if (!c.ok()) return ErrorReply(Bad{422, c.status().message()});
  metrics_->by_class[static_cast<int>(c->demand_class)]->Increment();
  Reply r;
  AppendClassification(r.body, *c);
  return r;
}

PredictRoutes::Reply PredictRoutes::PredictBatch(const std::string& body) const {
  json parsed;
  const json* rows = nullptr;
  if (auto bad = ParseBody(body, limits_.batch_body_bytes, parsed, rows)) return ErrorReply(*bad);
  if (!rows->is_array()) {
    return ErrorReply(Bad{422, "\"features\" must be a list of rows (lists of " +
                                   std::to_string(kSeed2Inputs) + " values), got " +
                                   TypeName(*rows)});
  }
  if (rows->size() > limits_.batch_rows) {
    return ErrorReply(Bad{400, std::to_string(rows->size()) + " rows is over the limit of " +
                                   std::to_string(limits_.batch_rows) + " per batch"});
  }
  std::vector<float> x(rows->size() * kModelFeatures);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const std::string where = "row " + std::to_string(i + 1) + ": ";
    Seed2Features f;
    if (auto bad = ReadFeatures((*rows)[i], where, f)) return ErrorReply(*bad);
    if (Status s = EncodeModelRow(
            f, std::span<float, kModelFeatures>(&x[i * kModelFeatures], kModelFeatures));
        !s.ok()) {
      return ErrorReply(Bad{422, where + s.message()});
    }
  }
  Reply failure;
  const predict::DemandModel* model = Loaded(failure);
  if (model == nullptr) return failure;
  std::vector<Classification> out(rows->size());
  if (Status s = model->ClassifyEncoded(x.data(), rows->size(), out.data()); !s.ok()) {
    return ErrorReply(Bad{422, s.message()});
  }
  Reply r;
  r.body = R"({"count":)" + std::to_string(out.size()) + R"(,"predictions":[)";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) r.body += ',';
    AppendClassification(r.body, out[i]);
    metrics_->by_class[static_cast<int>(out[i].demand_class)]->Increment();
  }
  r.body += "]}";
  return r;
}

PredictRoutes::Reply PredictRoutes::Model() const {
  Reply failure;
  const predict::DemandModel* model = Loaded(failure);
  if (model == nullptr) return failure;
  const predict::ModelInfo& m = model->info();
  const predict::TrainingInfo& t = m.training;
  json j;
  j["path"] = model->path();
  j["encoding"] = m.encoding;
  j["inputs"] = Seed2InputNames();
  j["categories"] = {{"task_type", TaskTypes()}, {"task_priority", TaskPriorities()}};
  j["feature_names"] = m.feature_names;
  j["classes"] = m.classes;
  j["rounds"] = model->booster().rounds();
  j["training"] = {
      {"source", t.source},         {"labels", t.labels},        {"rows", t.rows},
      {"train_rows", t.train_rows}, {"test_rows", t.test_rows},  {"test_accuracy", t.test_accuracy},
      {"split", t.split},           {"rounds", t.params.rounds}, {"max_depth", t.params.max_depth},
      {"eta", t.params.eta},        {"seed", t.params.seed},     {"created_by", t.created_by}};
  return Reply{200, DumpJson(j)};
}

void PredictRoutes::Register(HttpServer& server) {
  auto serve = [this](int route, auto work) {
    return [this, route, work](const httplib::Request& req, httplib::Response& res) {
      const TimePoint start = clock_.Now();
      Reply r = work(req.body);
      res.status = r.status;
      res.set_content(std::move(r.body), kJson);
      metrics_->Count(route, r.status, clock_.Now() - start);
    };
  };
  server.AddPost("/predict", serve(kPredict, [this](const std::string& b) { return Predict(b); }));
  server.AddPost("/predict/batch",
                 serve(kBatch, [this](const std::string& b) { return PredictBatch(b); }));
  server.AddGet("/model", serve(kModel, [this](const std::string&) { return Model(); }));
}

}  // namespace prescale
