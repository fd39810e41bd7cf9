#include "predict/training.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "core/text.h"
#include "features/model_features.h"

namespace prescale::predict {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(Trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<DemandClass> ParseLabel(std::string_view s) {
  if (auto c = DemandClassFromName(s)) return c;
  if (s == "low") return DemandClass::kLow;
  if (s == "medium") return DemandClass::kMedium;
  if (s == "high") return DemandClass::kHigh;
  if (auto v = ParseNumber(s); v && *v == std::floor(*v)) {
    return DemandClassFromIndex(static_cast<long long>(*v));
  }
  return std::nullopt;
}

// A deterministic uniform number in [0, 1) for (seed, i): splitmix64, so the split
// is the same on every platform (std distributions are not).
double Uniform(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + i + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

}  // namespace

Result<std::vector<LabelledRow>> ReadLabelledCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
  std::string line;
  if (!std::getline(in, line)) return Status::Error(path + ": empty file");
  std::vector<std::string_view> header = SplitCsv(line);
  std::vector<std::string> names(header.begin(), header.end());
  std::map<std::string, int, std::less<>> column;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) column.emplace(names[i], i);
  std::array<int, kSeed2Inputs> input_col{};
  for (int k = 0; k < kSeed2Inputs; ++k) {
    auto it = column.find(Seed2InputNames()[k]);
    if (it == column.end()) {
      return Status::Error(path + ":1: no column '" + std::string(Seed2InputNames()[k]) +
                           "' (a labelled CSV has the nine inputs of POST /predict and 'label')");
    }
    input_col[k] = it->second;
  }
  auto label_it = column.find("label");
  if (label_it == column.end()) return Status::Error(path + ":1: no column 'label'");
  const int label_col = label_it->second;

  std::vector<LabelledRow> rows;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (Trim(line).empty()) continue;
    std::vector<std::string_view> f = SplitCsv(line);
    auto where = [&] { return path + ":" + std::to_string(line_no) + ": "; };
    if (f.size() != names.size()) {
      return Status::Error(where() + std::to_string(f.size()) + " fields, the header has " +
                           std::to_string(names.size()));
    }
    LabelledRow r;
    double* numbers[7] = {&r.features.cpu_usage,
                          &r.features.memory_usage,
                          &r.features.network_traffic,
                          &r.features.power_consumption,
                          &r.features.num_executed_instructions,
                          &r.features.execution_time,
                          &r.features.energy_efficiency};
    for (int k = 0; k < 7; ++k) {
      auto v = ParseNumber(f[input_col[k]]);
      if (!v) {
        return Status::Error(where() + std::string(Seed2InputNames()[k]) + " " +
                             Quote(f[input_col[k]]) + " is not a number");
      }
      *numbers[k] = *v;
    }
    r.features.task_type = std::string(f[input_col[7]]);
    r.features.task_priority = std::string(f[input_col[8]]);
    std::array<float, kModelFeatures> check;
    if (Status s = EncodeModelRow(r.features, check); !s.ok()) {
      return Status::Error(where() + s.message());
    }
    auto label = ParseLabel(f[label_col]);
    if (!label) {
      return Status::Error(where() + "label " + Quote(f[label_col]) +
                           " is not 0, 1, 2, Low, Medium or High");
    }
    r.label = *label;
    rows.push_back(std::move(r));
  }
  if (rows.empty()) return Status::Error(path + ": no rows after the header");
  return rows;
}

Evaluation Evaluate(const DemandModel& model, const std::vector<LabelledRow>& rows) {
  Evaluation e;
  std::vector<float> x(rows.size() * kModelFeatures);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // Rows were checked when read or labelled; a bad one would have failed there.
    (void)EncodeModelRow(rows[i].features,
                         std::span<float, kModelFeatures>(&x[i * kModelFeatures], kModelFeatures));
  }
  std::vector<Classification> out(rows.size());
  if (!model.ClassifyEncoded(x.data(), rows.size(), out.data()).ok()) return e;
  std::int64_t right = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int actual = static_cast<int>(rows[i].label);
    const int predicted = static_cast<int>(out[i].demand_class);
    ++e.confusion[actual][predicted];
    right += actual == predicted;
  }
  e.rows = static_cast<std::int64_t>(rows.size());
  e.accuracy = e.rows > 0 ? static_cast<double>(right) / e.rows : 0;
  return e;
}

Result<TrainResult> TrainDemandModel(const std::vector<LabelledRow>& rows, const TrainOptions& o) {
  if (!(o.test_fraction > 0 && o.test_fraction < 1)) {
    return Status::Error("the held-out fraction must be in (0, 1), got " +
                         FormatNumber(o.test_fraction));
  }
  if (o.params.rounds < 1 || o.params.max_depth < 1 || !(o.params.eta > 0) ||
      !(o.params.subsample > 0 && o.params.subsample <= 1)) {
    return Status::Error(
        "training parameters: rounds and max_depth must be >= 1, eta > 0, "
        "subsample in (0, 1]");
  }
  std::vector<LabelledRow> train, test;
  const std::size_t n = rows.size();
  const auto first_test = static_cast<std::size_t>(std::floor(n * (1 - o.test_fraction)));
  for (std::size_t i = 0; i < n; ++i) {
    const bool held_out = o.split == Split::kChronological
                              ? i >= first_test
                              : Uniform(o.params.seed, i) < o.test_fraction;
    (held_out ? test : train).push_back(rows[i]);
  }
  if (train.size() < 10 || test.empty()) {
    return Status::Error("too few labelled rows (" + std::to_string(n) +
                         "): training needs at least 10 and the held-out part at least 1");
  }
  std::vector<float> x(train.size() * kModelFeatures);
  std::vector<float> y(train.size());
  for (std::size_t i = 0; i < train.size(); ++i) {
    if (Status s = EncodeModelRow(train[i].features, std::span<float, kModelFeatures>(
                                                         &x[i * kModelFeatures], kModelFeatures));
        !s.ok()) {
      return s.WithContext("training row " + std::to_string(i + 1));
    }
    y[i] = static_cast<float>(static_cast<int>(train[i].label));
  }
  ModelInfo info = CurrentModelInfo();
  auto booster =
      XgbBooster::Train(x, kModelFeatures, y, kDemandClasses, info.feature_names, o.params);
  if (!booster.ok()) return booster.status();
  info.training = o.provenance;
  info.training.params = o.params;
  info.training.rows = static_cast<std::int64_t>(n);
  info.training.train_rows = static_cast<std::int64_t>(train.size());
  info.training.test_rows = static_cast<std::int64_t>(test.size());
  info.training.split = o.split == Split::kChronological ? "chronological" : "random";
  TrainResult result;
  result.model = std::make_unique<DemandModel>(std::move(booster.value()), info);
  result.held_out = Evaluate(*result.model, test);
  info.training.test_accuracy = result.held_out.accuracy;
  result.model->set_info(std::move(info));
  return result;
}

std::string FormatEvaluation(const Evaluation& e) {
  std::string out = fmt::format("{:>18}{:>10}{:>10}{:>10}{:>10}\n", "actual \\ predicted", "Low",
                                "Medium", "High", "recall");
  for (int a = 0; a < kDemandClasses; ++a) {
    std::int64_t total = 0;
    for (int p = 0; p < kDemandClasses; ++p) total += e.confusion[a][p];
    const double recall = total > 0 ? 100.0 * e.confusion[a][a] / total : 0;
    out += fmt::format("{:>18}{:>10}{:>10}{:>10}{:>9.1f}%\n",
                       DemandClassName(static_cast<DemandClass>(a)), e.confusion[a][0],
                       e.confusion[a][1], e.confusion[a][2], recall);
  }
  out += fmt::format("held-out accuracy {:.2f}% on {} rows\n", 100 * e.accuracy, e.rows);
  return out;
}

}  // namespace prescale::predict
