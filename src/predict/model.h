// DemandModel: a trained demand classifier as prescale stores and serves it.
//
// On disk a model is two files side by side:
//   NAME.json        the booster, in XGBoost's own JSON format (loads in Python's
//                    xgboost: xgboost.Booster(model_file="NAME.json"));
//   NAME.meta.json   what prescale needs to feed it: the feature encoding and the
//                    model's columns in order, the class names, and where the model
//                    came from (training data, rows, seed, parameters, held-out
//                    accuracy). docs/prediction.md shows both files.
// Load() refuses a model whose metadata does not match this build's encoding
// (model_features.h), with a message that says what differs.
//
// Thread-safe after loading: the HTTP server's threads classify concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "predict/xgboost_booster.h"
#include "prescale/classifier.h"
#include "prescale/features.h"
#include "prescale/status.h"

namespace prescale::predict {

// Where a model came from.
struct TrainingInfo {
  std::string source;     // "synthetic", "trace FILE", "csv FILE", "python", ...
  std::string labels;     // how rows were labelled
  std::int64_t rows = 0;  // labelled rows in all
  std::int64_t train_rows = 0;
  std::int64_t test_rows = 0;
  double test_accuracy = 0;  // on the held-out rows
  std::string split;         // "random" or "chronological"
  TrainParams params;
  std::string created_by;  // "prescale 0.1.0"
};

struct ModelInfo {
  std::string encoding;                    // kModelEncoding
  std::vector<std::string> feature_names;  // the model's columns, in order
  std::vector<std::string> classes;        // by class index: Low, Medium, High
  TrainingInfo training;
};

// The metadata a model of this build's encoding carries (training info empty).
ModelInfo CurrentModelInfo();

// "models/x.json" -> "models/x.meta.json"; a path not ending in ".json" gets
// ".meta.json" appended.
std::string MetadataPath(const std::string& model_path);

// The model the build trains (CMakeLists.txt, `prescale train --synthetic`):
// models/default.json beside the running executable.
std::string DefaultModelPath();

class DemandModel {
 public:
  // Loads NAME.json and NAME.meta.json; every error names the file.
  static Result<std::unique_ptr<DemandModel>> Load(const std::string& path);
  // REQUIRES: booster has kModelFeatures inputs and kDemandClasses classes.
  DemandModel(std::unique_ptr<XgbBooster> booster, ModelInfo info, std::string path = "");

  // Writes both files (creating the folder).
  Status Save(const std::string& path) const;

  // Encodes and classifies one row of features; an error says which feature is bad.
  Result<Classification> Classify(const Seed2Features& features) const;
  // Classifies `n` rows already encoded (kModelFeatures floats each).
  Status ClassifyEncoded(const float* rows, std::size_t n, Classification* out) const;

  const ModelInfo& info() const { return info_; }
  // REQUIRES: no other thread is using the model.
  void set_info(ModelInfo info) { info_ = std::move(info); }
  const std::string& path() const { return path_; }
  const XgbBooster& booster() const { return *booster_; }

 private:
  std::unique_ptr<XgbBooster> booster_;
  ModelInfo info_;
  std::string path_;
};

// The class and confidence of one row of probabilities (the argmax; ties go to
// the lower class, as numpy's argmax does).
Classification FromProbabilities(const float* p);

}  // namespace prescale::predict
