// The XGBoost adapter: the one file that calls XGBoost's C API (libxgboost-dev).
// Everything else sees plain float rows and probabilities.
//
// Models are XGBoost's own JSON format (multi:softprob over 3 classes), so a model
// trained here loads in Python's xgboost and the other way round, and both predict
// the same probabilities for the same float32 rows (tested by
// tests/xgboost_parity_test.py).
//
// DEPENDENCIES.md, trap 4: prediction goes through XGBoosterPredictFromDense (no
// DMatrix per call), whose config needs "cache_id" and "missing"; training and
// prediction run with nthread=1, since OpenMP threads on a busy 2-core machine
// collapse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/status.h"

namespace prescale::predict {

struct TrainParams {
  int rounds = 40;  // boosting rounds (trees per class)
  int max_depth = 6;
  double eta = 0.3;  // learning rate
  double subsample = 1.0;
  std::uint64_t seed = 42;
};

// A multi-class booster. Predict() is thread-safe: XGBoost's in-place prediction of
// tree models is (since 1.4; its results live in per-thread buffers), and each
// thread has its own proxy matrix for the input.
class XgbBooster {
 public:
  ~XgbBooster();
  XgbBooster(const XgbBooster&) = delete;
  XgbBooster& operator=(const XgbBooster&) = delete;

  // Loads XGBoost JSON (the text of a model file).
  static Result<std::unique_ptr<XgbBooster>> FromJson(std::string_view json);

  // Trains on `rows` (row-major, `columns` floats each) with integer labels in
  // [0, classes). Deterministic for the same inputs and params (one thread, exact
  // histogram on a fixed seed). `feature_names` are stored in the model.
  static Result<std::unique_ptr<XgbBooster>> Train(std::span<const float> rows, int columns,
                                                   std::span<const float> labels, int classes,
                                                   const std::vector<std::string>& feature_names,
                                                   const TrainParams& params);

  // The model as XGBoost JSON.
  Result<std::string> SaveJson() const;

  // Class probabilities for `n` rows of num_features() floats: `out` receives n *
  // num_classes() values, row by row.
  Status Predict(const float* rows, std::size_t n, float* out) const;

  int num_features() const { return num_features_; }
  int num_classes() const { return num_classes_; }
  int rounds() const { return rounds_; }

 private:
  XgbBooster() = default;
  Status Init(void* handle);

  void* handle_ = nullptr;  // owned
  int num_features_ = 0;
  int num_classes_ = 0;
  int rounds_ = 0;
};

}  // namespace prescale::predict
