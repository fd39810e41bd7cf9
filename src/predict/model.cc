#include "predict/model.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "features/model_features.h"

namespace prescale::predict {
namespace {

using json = nlohmann::ordered_json;

constexpr char kFormat[] = "prescale-demand-model";
constexpr int kFormatVersion = 1;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  // Write then rename, so a reader (a running daemon, a parallel build) never sees
  // half a model.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error("cannot write " + tmp + ": " + std::strerror(errno));
    out << text;
    if (!out.flush()) return Status::Error("error writing " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Status::Ok();
}

json InfoToJson(const ModelInfo& m) {
  const TrainingInfo& t = m.training;
  json j;
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["encoding"] = m.encoding;
  j["inputs"] = Seed2InputNames();
  j["categories"] = {{"task_type", TaskTypes()}, {"task_priority", TaskPriorities()}};
  j["feature_names"] = m.feature_names;
  j["classes"] = m.classes;
  j["training"] = {{"source", t.source},
                   {"labels", t.labels},
                   {"rows", t.rows},
                   {"train_rows", t.train_rows},
                   {"test_rows", t.test_rows},
                   {"test_accuracy", t.test_accuracy},
                   {"split", t.split},
                   {"rounds", t.params.rounds},
                   {"max_depth", t.params.max_depth},
                   {"eta", t.params.eta},
                   {"subsample", t.params.subsample},
                   {"seed", t.params.seed},
                   {"created_by", t.created_by}};
  return j;
}

template <class T>
T Field(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

Result<ModelInfo> InfoFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat) {
      return Status::Error(std::string("not a prescale model metadata file (no \"format\": \"") +
                           kFormat + "\")");
    }
    ModelInfo m;
    m.encoding = j.at("encoding").get<std::string>();
    m.feature_names = j.at("feature_names").get<std::vector<std::string>>();
    m.classes = j.at("classes").get<std::vector<std::string>>();
    if (auto t = j.find("training"); t != j.end() && t->is_object()) {
      TrainingInfo& ti = m.training;
      ti.source = Field<std::string>(*t, "source", "");
      ti.labels = Field<std::string>(*t, "labels", "");
      ti.rows = Field<std::int64_t>(*t, "rows", 0);
      ti.train_rows = Field<std::int64_t>(*t, "train_rows", 0);
      ti.test_rows = Field<std::int64_t>(*t, "test_rows", 0);
      ti.test_accuracy = Field<double>(*t, "test_accuracy", 0);
      ti.split = Field<std::string>(*t, "split", "");
      ti.params.rounds = Field<int>(*t, "rounds", 0);
      ti.params.max_depth = Field<int>(*t, "max_depth", 0);
      ti.params.eta = Field<double>(*t, "eta", 0);
      ti.params.subsample = Field<double>(*t, "subsample", 0);
      ti.params.seed = Field<std::uint64_t>(*t, "seed", 0);
      ti.created_by = Field<std::string>(*t, "created_by", "");
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(e.what());
  }
}

// What differs between a model's metadata and this build's encoding; "" if nothing.
std::string Mismatch(const ModelInfo& got) {
  const ModelInfo want = CurrentModelInfo();
  if (got.encoding != want.encoding) {
    return "encoding '" + got.encoding + "', but this prescale encodes '" + want.encoding + "'";
  }
  if (got.feature_names != want.feature_names) {
    for (std::size_t i = 0; i < want.feature_names.size(); ++i) {
      if (i >= got.feature_names.size()) {
        return "feature_names has " + std::to_string(got.feature_names.size()) +
               " columns, expected " + std::to_string(want.feature_names.size());
      }
      if (got.feature_names[i] != want.feature_names[i]) {
        return "feature_names[" + std::to_string(i) + "] is '" + got.feature_names[i] +
               "', expected '" + want.feature_names[i] + "'";
      }
    }
    return "feature_names has " + std::to_string(got.feature_names.size()) + " columns, expected " +
           std::to_string(want.feature_names.size());
  }
  if (got.classes != want.classes) return "classes must be Low, Medium, High in that order";
  return "";
}

}  // namespace

ModelInfo CurrentModelInfo() {
  ModelInfo m;
  m.encoding = std::string(kModelEncoding);
  for (std::string_view n : ModelFeatureNames()) m.feature_names.emplace_back(n);
  for (int i = 0; i < kDemandClasses; ++i) {
    m.classes.emplace_back(DemandClassName(static_cast<DemandClass>(i)));
  }
  return m;
}

std::string MetadataPath(const std::string& model_path) {
  constexpr std::string_view kExt = ".json";
  if (model_path.size() > kExt.size() &&
      model_path.compare(model_path.size() - kExt.size(), kExt.size(), kExt) == 0) {
    return model_path.substr(0, model_path.size() - kExt.size()) + ".meta.json";
  }
  return model_path + ".meta.json";
}

std::string DefaultModelPath() {
  static const std::string path = [] {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::filesystem::path dir = ec ? std::filesystem::current_path(ec) : exe.parent_path();
    return (dir / "models" / "default.json").string();
  }();
  return path;
}

DemandModel::DemandModel(std::unique_ptr<XgbBooster> booster, ModelInfo info, std::string path)
    : booster_(std::move(booster)), info_(std::move(info)), path_(std::move(path)) {}

Result<std::unique_ptr<DemandModel>> DemandModel::Load(const std::string& path) {
  const std::string meta_path = MetadataPath(path);
  auto meta_text = ReadFile(meta_path);
  if (!meta_text.ok()) {
    return meta_text.status().WithContext("model " + path + ": its metadata");
  }
  auto info = InfoFromJson(*meta_text);
  if (!info.ok()) return info.status().WithContext("model metadata " + meta_path);
  if (std::string why = Mismatch(*info); !why.empty()) {
    return Status::Error("model metadata " + meta_path + ": " + why);
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("model");
  auto booster = XgbBooster::FromJson(*text);
  if (!booster.ok()) return booster.status().WithContext("model " + path);
  if ((*booster)->num_features() != kModelFeatures) {
    return Status::Error("model " + path + ": the booster reads " +
                         std::to_string((*booster)->num_features()) + " features, expected " +
                         std::to_string(kModelFeatures));
  }
  if ((*booster)->num_classes() != kDemandClasses) {
    return Status::Error("model " + path + ": the booster predicts " +
                         std::to_string((*booster)->num_classes()) +
                         " classes, expected 3 (objective multi:softprob, num_class 3)");
  }
  return std::make_unique<DemandModel>(std::move(booster.value()), std::move(info.value()), path);
}

Status DemandModel::Save(const std::string& path) const {
  auto text = booster_->SaveJson();
  if (!text.ok()) return text.status();
  if (Status s = WriteFile(path, *text); !s.ok()) return s;
  return WriteFile(MetadataPath(path), InfoToJson(info_).dump(2) + "\n");
}

Classification FromProbabilities(const float* p) {
  Classification c;
  int best = 0;
  for (int k = 0; k < kDemandClasses; ++k) {
    c.probabilities[k] = p[k];
    if (p[k] > p[best]) best = k;
  }
  c.demand_class = static_cast<DemandClass>(best);
  c.confidence = p[best];
  return c;
}

Result<Classification> DemandModel::Classify(const Seed2Features& features) const {
  std::array<float, kModelFeatures> row;
  if (Status s = EncodeModelRow(features, row); !s.ok()) return s;
  Classification c;
  if (Status s = ClassifyEncoded(row.data(), 1, &c); !s.ok()) return s;
  return c;
}

Status DemandModel::ClassifyEncoded(const float* rows, std::size_t n, Classification* out) const {
  std::vector<float> p(n * kDemandClasses);
  if (Status s = booster_->Predict(rows, n, p.data()); !s.ok()) return s;
  for (std::size_t i = 0; i < n; ++i) out[i] = FromProbabilities(&p[i * kDemandClasses]);
  return Status::Ok();
}

}  // namespace prescale::predict
