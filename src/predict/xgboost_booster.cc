#include "predict/xgboost_booster.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <utility>

namespace prescale::predict {
namespace {

Status XgbError(const std::string& call) {
  return Status::Error("xgboost " + call + ": " + XGBGetLastError());
}

// XGBoost logs warnings to stderr unless told otherwise; errors still come back
// through XGBGetLastError().
void QuietOnce() {
  static const bool done = [] {
    XGBSetGlobalConfig(R"({"verbosity": 0})");
    return true;
  }();
  (void)done;
}

Status ReadShape(BoosterHandle h, int* features, int* classes, int* rounds) {
  bst_ulong n = 0;
  if (XGBoosterGetNumFeature(h, &n) != 0) return XgbError("XGBoosterGetNumFeature");
  *features = static_cast<int>(n);
  if (XGBoosterBoostedRounds(h, rounds) != 0) return XgbError("XGBoosterBoostedRounds");
  // The class count lives in the learner's config: read it back from a one-row
  // prediction's shape instead of parsing the config JSON.
  std::vector<float> zero(static_cast<std::size_t>(*features > 0 ? *features : 1), 0.0f);
  char array[160];
  std::snprintf(array, sizeof(array),
                R"({"data": [%)" PRIuPTR
                R"(, true], "shape": [1, %d], "typestr": "<f4", "version": 3})",
                reinterpret_cast<std::uintptr_t>(zero.data()), *features);
  const char* config =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": true, "cache_id": 0, "missing": NaN})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDense(h, array, config, nullptr, &shape, &dim, &result) != 0) {
    return XgbError("XGBoosterPredictFromDense");
  }
  *classes = dim == 2 ? static_cast<int>(shape[1]) : 1;
  return Status::Ok();
}

// The calling thread's proxy matrix for XGBoosterPredictFromDense. Without one the
// call makes a proxy each time, whose constructor reads the cgroup CPU quota files:
// that doubled the cost of a one-row prediction. Freed when the thread ends.
DMatrixHandle ThreadProxy() {
  struct Proxy {
    DMatrixHandle handle = nullptr;
    Proxy() { XGProxyDMatrixCreate(&handle); }
    ~Proxy() {
      if (handle) XGDMatrixFree(handle);
    }
  };
  thread_local Proxy proxy;
  return proxy.handle;
}

}  // namespace

XgbBooster::~XgbBooster() {
  if (handle_) XGBoosterFree(handle_);
}

Status XgbBooster::Init(void* handle) {
  handle_ = handle;
  if (XGBoosterSetParam(handle_, "nthread", "1") != 0) return XgbError("XGBoosterSetParam");
  return ReadShape(handle_, &num_features_, &num_classes_, &rounds_);
}

Result<std::unique_ptr<XgbBooster>> XgbBooster::FromJson(std::string_view json) {
  QuietOnce();
  if (json.empty() || json.front() != '{') {
    return Status::Error("not an XGBoost JSON model (it must start with '{')");
  }
  std::unique_ptr<XgbBooster> b(new XgbBooster());
  BoosterHandle h = nullptr;
  if (XGBoosterCreate(nullptr, 0, &h) != 0) return XgbError("XGBoosterCreate");
  if (XGBoosterLoadModelFromBuffer(h, json.data(), json.size()) != 0) {
    Status s = XgbError("XGBoosterLoadModelFromBuffer");
    XGBoosterFree(h);
    return s;
  }
  if (Status s = b->Init(h); !s.ok()) return s;
  return b;
}

Result<std::unique_ptr<XgbBooster>> XgbBooster::Train(std::span<const float> rows, int columns,
                                                      std::span<const float> labels, int classes,
                                                      const std::vector<std::string>& feature_names,
                                                      const TrainParams& p) {
  QuietOnce();
  if (columns <= 0 || labels.empty() || rows.size() != labels.size() * columns) {
    return Status::Error("training data: " + std::to_string(rows.size()) + " values for " +
                         std::to_string(labels.size()) + " rows of " + std::to_string(columns));
  }
  DMatrixHandle dm = nullptr;
  if (XGDMatrixCreateFromMat(rows.data(), labels.size(), columns, NAN, &dm) != 0) {
    return XgbError("XGDMatrixCreateFromMat");
  }
  struct FreeMatrix {
    DMatrixHandle m;
    ~FreeMatrix() { XGDMatrixFree(m); }
  } free_matrix{dm};
  if (XGDMatrixSetFloatInfo(dm, "label", labels.data(), labels.size()) != 0) {
    return XgbError("XGDMatrixSetFloatInfo");
  }
  std::vector<const char*> names;
  for (const std::string& n : feature_names) names.push_back(n.c_str());
  if (!names.empty() &&
      XGDMatrixSetStrFeatureInfo(dm, "feature_name", names.data(), names.size()) != 0) {
    return XgbError("XGDMatrixSetStrFeatureInfo");
  }

  BoosterHandle h = nullptr;
  if (XGBoosterCreate(&dm, 1, &h) != 0) return XgbError("XGBoosterCreate");
  std::unique_ptr<XgbBooster> b(new XgbBooster());
  b->handle_ = h;  // freed with b on any error below
  const std::string settings[][2] = {
      {"objective", "multi:softprob"},
      {"num_class", std::to_string(classes)},
      {"eval_metric", "mlogloss"},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", std::to_string(p.eta)},
      {"subsample", std::to_string(p.subsample)},
      {"seed", std::to_string(p.seed)},
      {"nthread", "1"},
      {"verbosity", "0"},
  };
  for (const auto& kv : settings) {
    if (XGBoosterSetParam(h, kv[0].c_str(), kv[1].c_str()) != 0) {
      return XgbError(std::string("XGBoosterSetParam ") + kv[0]);
    }
  }
  // So that Python's Booster.feature_names names the columns too.
  if (!names.empty() &&
      XGBoosterSetStrFeatureInfo(h, "feature_name", names.data(), names.size()) != 0) {
    return XgbError("XGBoosterSetStrFeatureInfo");
  }
  for (int i = 0; i < p.rounds; ++i) {
    if (XGBoosterUpdateOneIter(h, i, dm) != 0) return XgbError("XGBoosterUpdateOneIter");
  }
  if (Status s = b->Init(h); !s.ok()) return s;
  return b;
}

Result<std::string> XgbBooster::SaveJson() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  // The buffer is per thread in XGBoost: copy it out before the next call.
  if (XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &len, &data) != 0) {
    return XgbError("XGBoosterSaveModelToBuffer");
  }
  return std::string(data, len);
}

Status XgbBooster::Predict(const float* rows, std::size_t n, float* out) const {
  if (n == 0) return Status::Ok();
  char array[160];
  std::snprintf(array, sizeof(array),
                R"({"data": [%)" PRIuPTR
                R"(, true], "shape": [%zu, %d], "typestr": "<f4", "version": 3})",
                reinterpret_cast<std::uintptr_t>(rows), n, num_features_);
  // "missing" must be given for in-place prediction; no encoded value is NaN.
  static constexpr char kConfig[] =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": true, "cache_id": 0, "missing": NaN})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  Status status;
  if (XGBoosterPredictFromDense(handle_, array, kConfig, ThreadProxy(), &shape, &dim, &result) !=
      0) {
    status = XgbError("XGBoosterPredictFromDense");
  } else if (dim != 2 || shape[0] != n || static_cast<int>(shape[1]) != num_classes_) {
    status = Status::Error("xgboost: unexpected prediction shape");
  } else {
    // The result buffer is XGBoost's, per thread: copy it out.
    std::copy(result, result + n * num_classes_, out);
  }
  return status;
}

}  // namespace prescale::predict
