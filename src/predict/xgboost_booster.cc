#include "predict/xgboost_booster.h"

#include <dlfcn.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <utility>

namespace prescale::predict {
namespace {

// XGBoost's C API, opened with dlopen on first use rather than linked: a daemon that
// serves no model never maps the library, whose relocations and registries alone
// were 3.5 MB of its resident memory. The declarations still come from c_api.h, so
// every pointer has the library's own type.
// clang-format off
#define PRESCALE_XGB_FUNCTIONS(X)                                                          \
  X(XGBGetLastError) X(XGBSetGlobalConfig) X(XGBoosterBoostedRounds) X(XGBoosterCreate)  \
  X(XGBoosterFree) X(XGBoosterGetNumFeature) X(XGBoosterLoadModelFromBuffer)             \
  X(XGBoosterPredictFromDense) X(XGBoosterSaveModelToBuffer) X(XGBoosterSetParam)        \
  X(XGBoosterSetStrFeatureInfo) X(XGBoosterUpdateOneIter) X(XGDMatrixCreateFromMat)      \
  X(XGDMatrixFree) X(XGDMatrixSetFloatInfo) X(XGDMatrixSetStrFeatureInfo)                \
  X(XGProxyDMatrixCreate)
// clang-format on

struct XgbApi {
#define PRESCALE_XGB_MEMBER(name) decltype(&::name) name = nullptr;
  PRESCALE_XGB_FUNCTIONS(PRESCALE_XGB_MEMBER)
#undef PRESCALE_XGB_MEMBER
  std::string error;  // why the library could not be opened; empty when it was
};

// Debian's libxgboost0 (a dependency of libxgboost-dev).
constexpr const char* kXgbLibrary = "libxgboost.so.0";

// The API, opened on the first call. Its pointers are used only after Available()
// said yes (every booster and matrix comes after that).
const XgbApi& Xgb() {
  static const XgbApi api = [] {
    XgbApi a;
    void* lib = dlopen(kXgbLibrary, RTLD_NOW | RTLD_LOCAL);  // kept open for good
    if (lib == nullptr) {
      const char* why = dlerror();
      a.error = std::string("cannot open ") + kXgbLibrary + " (" + (why ? why : "?") +
                "); install Debian's libxgboost0";
      return a;
    }
#define PRESCALE_XGB_LOAD(name)                                          \
  a.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name));       \
  if (a.name == nullptr && a.error.empty()) {                            \
    a.error = std::string(kXgbLibrary) + " lacks " + #name + ", needed"; \
  }
    PRESCALE_XGB_FUNCTIONS(PRESCALE_XGB_LOAD)
#undef PRESCALE_XGB_LOAD
    return a;
  }();
  return api;
}

Status Available() {
  const XgbApi& a = Xgb();
  return a.error.empty() ? Status::Ok() : Status::Error("xgboost: " + a.error);
}

Status XgbError(const std::string& call) {
  return Status::Error("xgboost " + call + ": " + Xgb().XGBGetLastError());
}

// XGBoost logs warnings to stderr unless told otherwise; errors still come back
// through Xgb().XGBGetLastError().
void QuietOnce() {
  static const bool done = [] {
    Xgb().XGBSetGlobalConfig(R"({"verbosity": 0})");
    return true;
  }();
  (void)done;
}

Status ReadShape(BoosterHandle h, int* features, int* classes, int* rounds) {
  bst_ulong n = 0;
  if (Xgb().XGBoosterGetNumFeature(h, &n) != 0) return XgbError("XGBoosterGetNumFeature");
  *features = static_cast<int>(n);
  if (Xgb().XGBoosterBoostedRounds(h, rounds) != 0) return XgbError("XGBoosterBoostedRounds");
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
  if (Xgb().XGBoosterPredictFromDense(h, array, config, nullptr, &shape, &dim, &result) != 0) {
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
    Proxy() { Xgb().XGProxyDMatrixCreate(&handle); }
    ~Proxy() {
      if (handle) Xgb().XGDMatrixFree(handle);
    }
  };
  thread_local Proxy proxy;
  return proxy.handle;
}

}  // namespace

XgbBooster::~XgbBooster() {
  if (handle_) Xgb().XGBoosterFree(handle_);
}

Status XgbBooster::Init(void* handle) {
  handle_ = handle;
  if (Xgb().XGBoosterSetParam(handle_, "nthread", "1") != 0) return XgbError("XGBoosterSetParam");
  return ReadShape(handle_, &num_features_, &num_classes_, &rounds_);
}

Result<std::unique_ptr<XgbBooster>> XgbBooster::FromJson(std::string_view json) {
  if (Status s = Available(); !s.ok()) return s;
  QuietOnce();
  if (json.empty() || json.front() != '{') {
    return Status::Error("not an XGBoost JSON model (it must start with '{')");
  }
  std::unique_ptr<XgbBooster> b(new XgbBooster());
  BoosterHandle h = nullptr;
  if (Xgb().XGBoosterCreate(nullptr, 0, &h) != 0) return XgbError("XGBoosterCreate");
  if (Xgb().XGBoosterLoadModelFromBuffer(h, json.data(), json.size()) != 0) {
    Status s = XgbError("XGBoosterLoadModelFromBuffer");
    Xgb().XGBoosterFree(h);
    return s;
  }
  if (Status s = b->Init(h); !s.ok()) return s;
  return b;
}

Result<std::unique_ptr<XgbBooster>> XgbBooster::Train(std::span<const float> rows, int columns,
                                                      std::span<const float> labels, int classes,
                                                      const std::vector<std::string>& feature_names,
                                                      const TrainParams& p) {
  if (Status s = Available(); !s.ok()) return s;
  QuietOnce();
  if (columns <= 0 || labels.empty() || rows.size() != labels.size() * columns) {
    return Status::Error("training data: " + std::to_string(rows.size()) + " values for " +
                         std::to_string(labels.size()) + " rows of " + std::to_string(columns));
  }
  DMatrixHandle dm = nullptr;
  if (Xgb().XGDMatrixCreateFromMat(rows.data(), labels.size(), columns, NAN, &dm) != 0) {
    return XgbError("XGDMatrixCreateFromMat");
  }
  struct FreeMatrix {
    DMatrixHandle m;
    ~FreeMatrix() { Xgb().XGDMatrixFree(m); }
  } free_matrix{dm};
  if (Xgb().XGDMatrixSetFloatInfo(dm, "label", labels.data(), labels.size()) != 0) {
    return XgbError("XGDMatrixSetFloatInfo");
  }
  std::vector<const char*> names;
  for (const std::string& n : feature_names) names.push_back(n.c_str());
  if (!names.empty() &&
      Xgb().XGDMatrixSetStrFeatureInfo(dm, "feature_name", names.data(), names.size()) != 0) {
    return XgbError("XGDMatrixSetStrFeatureInfo");
  }

  BoosterHandle h = nullptr;
  if (Xgb().XGBoosterCreate(&dm, 1, &h) != 0) return XgbError("XGBoosterCreate");
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
    if (Xgb().XGBoosterSetParam(h, kv[0].c_str(), kv[1].c_str()) != 0) {
      return XgbError(std::string("XGBoosterSetParam ") + kv[0]);
    }
  }
  // So that Python's Booster.feature_names names the columns too.
  if (!names.empty() &&
      Xgb().XGBoosterSetStrFeatureInfo(h, "feature_name", names.data(), names.size()) != 0) {
    return XgbError("XGBoosterSetStrFeatureInfo");
  }
  for (int i = 0; i < p.rounds; ++i) {
    if (Xgb().XGBoosterUpdateOneIter(h, i, dm) != 0) return XgbError("XGBoosterUpdateOneIter");
  }
  if (Status s = b->Init(h); !s.ok()) return s;
  return b;
}

Result<std::string> XgbBooster::SaveJson() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  // The buffer is per thread in XGBoost: copy it out before the next call.
  if (Xgb().XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &len, &data) != 0) {
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
  if (Xgb().XGBoosterPredictFromDense(handle_, array, kConfig, ThreadProxy(), &shape, &dim,
                                      &result) != 0) {
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
