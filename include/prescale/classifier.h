// Classifier: seed 2's demand classifier. Maps one group's Seed2Features to a
// demand class, Low, Medium or High, with a confidence.
//
// prescale's classes say how the group's capacity should change (this is how
// `prescale train` labels its rows, from the oracle of DESIGN.md over the
// provisioning horizon): Low = fewer instances would do, Medium = hold, High = more
// are needed. The `classifier` policy maps them to seed 2's down / hold / up signals.
//
// Implementations: "xgboost" (a model run in-process through XGBoost's C API) and
// "remote" (seed 2's split: an HTTP POST /predict to a prediction service, with a
// timeout). Classify() may do I/O and block up to its timeout, so the controller
// calls it (the I/O sandwich) and hands the verdict to the pure policy in
// PolicyInput. A failure is a value (the service is down, an answer is malformed),
// never an exception. Not thread-safe unless an implementation says so: one
// classifier belongs to one controller.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "prescale/features.h"
#include "prescale/params.h"
#include "prescale/registry.h"
#include "prescale/status.h"

namespace prescale {

// The wire values of POST /predict's "prediction": 0, 1, 2.
enum class DemandClass { kLow = 0, kMedium = 1, kHigh = 2 };
inline constexpr int kDemandClasses = 3;

std::string_view DemandClassName(DemandClass c);  // "Low", "Medium", "High"
std::optional<DemandClass> DemandClassFromName(std::string_view name);
// 0, 1, 2; nullopt for anything else.
std::optional<DemandClass> DemandClassFromIndex(long long index);

struct Classification {
  DemandClass demand_class = DemandClass::kMedium;
  double confidence = 0;                               // probability of demand_class, in [0, 1]
  std::array<double, kDemandClasses> probabilities{};  // by class index
};

// What the controller hands the policy: a classification, or why there is none.
struct ClassifierVerdict {
  std::optional<Classification> classification;
  std::string error;  // empty when classified
  bool ok() const { return classification.has_value(); }
};

class Classifier {
 public:
  virtual ~Classifier() = default;
  virtual std::string_view name() const = 0;
  // An error names what failed ("POST http://host:8000/predict: Connection
  // refused", "feature task_type: unknown category 'gpu'").
  virtual Result<Classification> Classify(const Seed2Features& features) = 0;
};

struct ClassifierContext {
  std::string group;  // for messages
};

using ClassifierRegistry = Registry<Classifier, ClassifierContext>;
// The built-in classifiers: "xgboost" (setting `model`: the model's JSON file, by
// default the model the build trains), "remote" (settings `predictor_url`,
// `timeout_s`).
const ClassifierRegistry& Classifiers();

}  // namespace prescale
