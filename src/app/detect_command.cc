#include "app/detect_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>
#include <utility>

#include "config/plugin_file.h"

namespace prescale::app {
namespace {

namespace fs = std::filesystem;

constexpr char kDefaultDetector[] = "surprise";
constexpr TraceFormat kMetricFormat{.allow_negative = true, .allow_repeated_time = true};

// A labelled anomaly window, in epoch seconds, inclusive at both ends.
struct Window {
  double start_s;
  double end_s;
};
using Windows = std::map<std::string, std::vector<Window>>;  // by "category/file.csv"

// Reads NAB's combined_windows.json: {"category/file.csv": [["start", "end"], ...]}.
Result<Windows> ReadWindows(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("labels " + path + ": cannot open");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    return Status::Error("labels " + path + ": not JSON: " + e.what());
  }
  if (!j.is_object()) return Status::Error("labels " + path + ": expected an object of files");
  Windows windows;
  for (const auto& item : j.items()) {
    const std::string& file = item.key();
    const nlohmann::json& list = item.value();
    auto bad = [&](const std::string& what) {
      return Status::Error("labels " + path + ": '" + file + "': " + what);
    };
    if (!list.is_array()) return bad("expected a list of [start, end] windows");
    std::vector<Window>& out = windows[fs::path(file).lexically_normal().generic_string()];
    for (const auto& w : list) {
      if (!w.is_array() || w.size() != 2 || !w[0].is_string() || !w[1].is_string()) {
        return bad("expected each window as [\"start\", \"end\"]");
      }
      const std::optional<double> start = ParseTimestamp(w[0].get<std::string>());
      const std::optional<double> end = ParseTimestamp(w[1].get<std::string>());
      if (!start || !end) return bad("window bound is not a timestamp: " + w.dump());
      if (*end < *start) return bad("window ends before it starts: " + w.dump());
      out.push_back({*start, *end});
    }
  }
  return windows;
}

Result<PluginSpec> DetectorSpec(const DetectFlags& f) {
  PluginSpec spec;
  if (!f.config.empty()) {
    Result<PluginFile> file = LoadPluginFile(f.config);
    if (!file.ok()) return file.status();
    spec = file->detector;
  }
  if (!f.detector.empty() && f.detector != spec.type) {
    spec =
        PluginSpec{f.detector, Params("detector '" + f.detector + "'"), SourceMark{"--detector"}};
  }
  if (spec.type.empty()) spec.type = kDefaultDetector;
  if (!Detectors().Contains(spec.type)) {
    return Status::Error("--detector: " + Detectors().UnknownMessage(spec.type));
  }
  return spec;
}

// Writes one results file; returns the number of flagged rows.
Result<int> WriteResults(const Trace& trace, const std::vector<AnomalyResult>& results,
                         const std::vector<Window>& windows, const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!f) {
    return Status::Error("cannot write " + path + ": " + std::generic_category().message(errno));
  }
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "timestamp,value,anomaly_score,label\n");
  int flagged = 0;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const double t = trace.timestamps_s[i];
    const bool inside = std::any_of(windows.begin(), windows.end(), [t](const Window& w) {
      return t >= w.start_s && t <= w.end_s;
    });
    fmt::format_to(std::back_inserter(buf), "{},{},{:.9f},{}\n", NabTimestamp(t), trace.values[i],
                   results[i].score, inside ? 1 : 0);
    flagged += results[i].anomaly ? 1 : 0;
    if (buf.size() > (1 << 16)) {
      std::fwrite(buf.data(), 1, buf.size(), f.get());
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), f.get());
  if (std::fflush(f.get()) != 0 || std::ferror(f.get())) {
    return Status::Error("error writing " + path);
  }
  return flagged;
}

struct Totals {
  int files = 0;
  std::size_t rows = 0;
  int flagged = 0;
};

// Exit code for a failure: 1 when writing failed, 2 for everything the user gave.
struct Failure {
  Status status;
  int code;
};

std::optional<Failure> DetectOne(const std::string& input, const std::string& output,
                                 const PluginSpec& spec, const std::vector<Window>& windows,
                                 Totals& totals) {
  Result<Trace> trace = ReadTrace(input, kMetricFormat);
  if (!trace.ok()) return Failure{trace.status(), 2};
  Result<std::vector<AnomalyResult>> results = DetectTrace(*trace, spec);
  if (!results.ok()) return Failure{results.status(), 2};
  Result<int> flagged = WriteResults(*trace, *results, windows, output);
  if (!flagged.ok()) return Failure{flagged.status(), 1};
  ++totals.files;
  totals.rows += trace->size();
  totals.flagged += *flagged;
  return std::nullopt;
}

}  // namespace

std::string NabTimestamp(double epoch_s) {
  const double whole = std::floor(epoch_s);
  const auto secs = static_cast<std::time_t>(whole);
  std::tm tm{};
  if (!std::isfinite(epoch_s) || gmtime_r(&secs, &tm) == nullptr) return fmt::format("{}", epoch_s);
  std::string out = fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  const long micros = std::lround((epoch_s - whole) * 1e6);
  if (micros > 0) out += fmt::format(".{:06d}", std::min(micros, 999999L));
  return out;
}

Result<std::vector<AnomalyResult>> DetectTrace(const Trace& trace, const PluginSpec& spec) {
  Result<std::unique_ptr<AnomalyDetector>> made =
      Detectors().Create(spec.type, spec.params, DetectorContext{Duration(trace.step_s)});
  if (!made.ok()) return made.status();
  AnomalyDetector& detector = **made;
  std::vector<AnomalyResult> results;
  results.reserve(trace.size());
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (i > 0) {
      const double steps = (trace.timestamps_s[i] - trace.timestamps_s[i - 1]) / trace.step_s;
      const long long missing =
          std::clamp(static_cast<long long>(std::llround(steps)) - 1, 0LL, kMaxFillSteps);
      for (long long k = 0; k < missing; ++k) (void)detector.Update(std::nullopt);
    }
    results.push_back(detector.Update(trace.values[i]));
  }
  return results;
}

int RunDetect(const DetectFlags& f, std::ostream& out, std::ostream& err) {
  auto fail = [&](const Status& s, int code = 2) {
    fmt::print(err, "detect: {}\n", s.message());
    return code;
  };
  if (f.input.empty() == f.nab.empty()) {
    return fail(Status::Error("give either --input FILE.csv or --nab DATA_DIR (not both)"));
  }
  if (f.out.empty()) {
    return fail(Status::Error(f.input.empty() ? "--nab needs --out RESULTS_DIR"
                                              : "--input needs --out FILE.csv"));
  }
  if (f.name.empty() || f.name.find('/') != std::string::npos) {
    return fail(Status::Error("--name must be a non-empty file name prefix, got '" + f.name + "'"));
  }
  Result<PluginSpec> spec = DetectorSpec(f);
  if (!spec.ok()) return fail(spec.status());

  Windows windows;
  std::string labels = f.labels;
  if (labels.empty() && !f.nab.empty()) {
    const fs::path guess = fs::path(f.nab) / ".." / "labels" / "combined_windows.json";
    std::error_code ec;
    if (fs::is_regular_file(guess, ec)) labels = guess.lexically_normal().string();
  }
  if (!labels.empty()) {
    Result<Windows> read = ReadWindows(labels);
    if (!read.ok()) return fail(read.status());
    windows = std::move(*read);
  }

  Totals totals;
  if (!f.input.empty()) {
    std::vector<Window> none;
    const std::vector<Window>* file_windows = &none;
    for (const auto& [rel, list] : windows) {
      // With --labels, the windows whose key names this file (its last two parts).
      const fs::path p = fs::path(f.input).lexically_normal();
      const std::string tail = (p.parent_path().filename() / p.filename()).generic_string();
      if (rel == tail || rel == p.filename().generic_string()) file_windows = &list;
    }
    if (auto failure = DetectOne(f.input, f.out, *spec, *file_windows, totals)) {
      return fail(failure->status, failure->code);
    }
  } else {
    std::error_code ec;
    if (!fs::is_directory(f.nab, ec)) {
      return fail(Status::Error("--nab " + f.nab + ": not a directory"));
    }
    // NAB's layout: DATA_DIR/<category>/<file>.csv, in a stable order.
    std::vector<fs::path> categories;
    for (const auto& entry : fs::directory_iterator(f.nab, ec)) {
      if (entry.is_directory()) categories.push_back(entry.path());
    }
    std::sort(categories.begin(), categories.end());
    std::vector<std::pair<fs::path, std::string>> jobs;  // input, "category/file.csv"
    for (const fs::path& category : categories) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(category, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".csv") {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        jobs.emplace_back(file, (category.filename() / file.filename()).generic_string());
      }
    }
    if (jobs.empty()) {
      return fail(
          Status::Error("--nab " + f.nab + ": no <category>/<file>.csv files (NAB's data layout)"));
    }
    for (const auto& [input, rel] : jobs) {
      const fs::path dir = fs::path(f.out) / fs::path(rel).parent_path();
      fs::create_directories(dir, ec);
      if (ec) return fail(Status::Error("cannot create " + dir.string() + ": " + ec.message()), 1);
      const std::string output =
          (dir / (f.name + "_" + fs::path(rel).filename().string())).string();
      auto found = windows.find(rel);
      const std::vector<Window> none;
      if (auto failure = DetectOne(input.string(), output, *spec,
                                   found == windows.end() ? none : found->second, totals)) {
        return fail(failure->status, failure->code);
      }
    }
  }
  fmt::print(out, "detect: detector {} over {} file(s), {} rows: {} flagged; results in {}\n",
             spec->type, totals.files, totals.rows, totals.flagged, f.out);
  return 0;
}

}  // namespace prescale::app
