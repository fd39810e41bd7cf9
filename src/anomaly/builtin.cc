// The built-in anomaly detectors and their registry: "surprise", "zscore", "mad" and
// "none".
//
// "surprise" (surprise.h) takes:
//   threshold       the flag's score threshold (default 0.5, i.e. 10 nats), 0 < t < 1
//   daily           whether to learn a daily profile (default true; it needs a step
//                   of 21.6 s to 6 h, i.e. 4 .. 20000 steps a day)
//   memory          steps the centres and scales follow (default 3000), 100 .. 1e7
//   tail_threshold  z above which excesses are fitted (default 3), 0.5 .. 20
//   tail_memory     excesses the tail fits follow (default 50), 2 .. 1e6
//   floor           scale floor as a share of the mean |value| (default 0.01), 0 .. 1
//   record_margin   share of the range a new high or low must beat (default 0.1), 0 .. 10
//   second_weight   weight of the second-largest feature surprise (default 0.5), 0 .. 1
//   recurrence_discount  factor on the surprise of a rise that recurs at this time of
//                   day (default 0.5; 1 turns the discount off), 0 .. 1
//
// Both window detectors take the same settings:
//   window      values held (default 60), 3 .. 1000000
//   threshold   |z| above which a value is an anomaly (zscore: 3.0 standard
//               deviations; mad: 3.5 robust z units), > 0
//   min_points  held values needed before scoring (default 10, or `window` if that
//               is smaller), 2 .. window
// "none" takes no settings. Errors name the key and, when known, its file position.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>

#include "anomaly/mad.h"
#include "anomaly/surprise.h"
#include "anomaly/zscore.h"
#include "core/text.h"
#include "prescale/anomaly_detector.h"

namespace prescale {
namespace {

// Three points are the least that give a spread and something to compare with it.
constexpr int kMinWindow = 3;
// A million points is about two years of one-minute steps; larger windows are
// almost certainly a typo, and mad's per-update cost grows with the window.
constexpr int kMaxWindow = 1'000'000;
constexpr int kMinMinPoints = 2;  // a spread needs two points

// "config.yaml:12:5: anomaly detector 'mad': 'window' must be >= 3, got 1".
Status ValueError(const Params& params, std::string_view detector, std::string_view key,
                  const std::string& requirement) {
  const Result<std::string> text = params.Text(key, "");
  return Status::Error(params.Where(key) + "anomaly detector '" + std::string(detector) + "': '" +
                       std::string(key) + "' must be " + requirement + ", got " +
                       (text.ok() ? *text : std::string("?")));
}

// Reads and checks the settings shared by the window detectors. `Options` is
// ZScoreOptions or MadOptions; its member initialisers give the defaults.
template <class Options>
Result<Options> ReadWindowOptions(const Params& params, std::string_view detector) {
  Options options;
  if (Status known = params.CheckKnown({"window", "threshold", "min_points"}); !known.ok()) {
    return known;
  }

  Result<int> window = params.Integer("window", static_cast<int>(options.window));
  if (!window.ok()) return window.status();
  if (*window < kMinWindow) {
    return ValueError(params, detector, "window", ">= " + std::to_string(kMinWindow));
  }
  if (*window > kMaxWindow) {
    return ValueError(params, detector, "window", "<= " + std::to_string(kMaxWindow));
  }
  options.window = static_cast<std::size_t>(*window);

  Result<double> threshold = params.Number("threshold", options.threshold);
  if (!threshold.ok()) return threshold.status();
  if (!(*threshold > 0)) return ValueError(params, detector, "threshold", "> 0");
  options.threshold = *threshold;

  // An unset min_points follows a small window down rather than failing on a value
  // the user never wrote; an explicit one above the window can never be met.
  const int default_min_points =
      std::min(static_cast<int>(options.min_points), static_cast<int>(options.window));
  Result<int> min_points = params.Integer("min_points", default_min_points);
  if (!min_points.ok()) return min_points.status();
  if (*min_points < kMinMinPoints) {
    return ValueError(params, detector, "min_points", ">= " + std::to_string(kMinMinPoints));
  }
  if (*min_points > *window) {
    return ValueError(params, detector, "min_points",
                      "<= 'window' (" + std::to_string(*window) + ")");
  }
  options.min_points = static_cast<std::size_t>(*min_points);
  return options;
}

// "none": never flags anything. For groups that should not react to anomalies, and
// as NAB's null detector (which by definition scores 0).
class NoneDetector final : public AnomalyDetector {
 public:
  std::string_view name() const override { return "none"; }
  AnomalyResult Update(std::optional<double>) override { return {}; }
  // Nothing is learnt, so the record is empty, and only an empty record is this
  // detector's (a record from another detector fails, and the caller starts fresh).
  void Save(StateWriter&) const override {}
  Status Load(StateReader& r) override { return r.Finish().WithContext("none"); }
};

Result<std::unique_ptr<AnomalyDetector>> MakeZScore(const Params& params, const DetectorContext&) {
  Result<ZScoreOptions> options = ReadWindowOptions<ZScoreOptions>(params, "zscore");
  if (!options.ok()) return options.status();
  return std::unique_ptr<AnomalyDetector>(std::make_unique<ZScoreDetector>(*options));
}

Result<std::unique_ptr<AnomalyDetector>> MakeMad(const Params& params, const DetectorContext&) {
  Result<MadOptions> options = ReadWindowOptions<MadOptions>(params, "mad");
  if (!options.ok()) return options.status();
  return std::unique_ptr<AnomalyDetector>(std::make_unique<MadDetector>(*options));
}

// Steps per day for the daily profile: 4 .. 20000 (a step of 21.6 s to 6 h), else none.
// 20000 matches Holt-Winters' limit (forecast/holt_winters.h), and bounds the state.
constexpr double kSecondsPerDay = 86400;
constexpr double kMinSeasonSteps = 4;
constexpr double kMaxSeasonSteps = 20000;

Result<std::unique_ptr<AnomalyDetector>> MakeSurprise(const Params& params,
                                                      const DetectorContext& context) {
  if (Status known =
          params.CheckKnown({"threshold", "daily", "memory", "tail_threshold", "tail_memory",
                             "floor", "record_margin", "second_weight", "recurrence_discount"});
      !known.ok()) {
    return known;
  }
  SurpriseOptions o;
  ParamReader r(params);
  o.threshold = r.Number("threshold", o.threshold);
  r.Require(o.threshold > 0 && o.threshold < 1, "threshold",
            "must be > 0 and < 1, got " + FormatNumber(o.threshold));
  const bool daily = r.Bool("daily", true);
  o.memory = r.NumberIn("memory", o.memory, 100, 1e7);
  o.tail_threshold_z = r.NumberIn("tail_threshold", o.tail_threshold_z, 0.5, 20);
  o.tail_memory = r.NumberIn("tail_memory", o.tail_memory, 2, 1e6);
  o.floor = r.NumberIn("floor", o.floor, 0, 1);
  o.record_margin = r.NumberIn("record_margin", o.record_margin, 0, 10);
  o.second_weight = r.NumberIn("second_weight", o.second_weight, 0, 1);
  o.recurrence_discount = r.NumberIn("recurrence_discount", o.recurrence_discount, 0, 1);
  if (!r.status().ok()) return r.status();
  const double step_s = context.step.count();
  const double per_day = step_s > 0 ? std::round(kSecondsPerDay / step_s) : 0;
  if (daily && per_day >= kMinSeasonSteps && per_day <= kMaxSeasonSteps) {
    o.season_steps = static_cast<int>(per_day);
  }
  return std::unique_ptr<AnomalyDetector>(std::make_unique<SurpriseDetector>(o));
}

Result<std::unique_ptr<AnomalyDetector>> MakeNone(const Params& params, const DetectorContext&) {
  if (Status known = params.CheckKnown({}); !known.ok()) return known;
  return std::unique_ptr<AnomalyDetector>(std::make_unique<NoneDetector>());
}

}  // namespace

const DetectorRegistry& Detectors() {
  // Built on first use; C++11 makes the initialisation thread-safe, and the registry
  // is read-only afterwards.
  static const DetectorRegistry* const registry = [] {
    auto* r = new DetectorRegistry("anomaly detector");
    r->Register("surprise", MakeSurprise);
    r->Register("zscore", MakeZScore);
    r->Register("mad", MakeMad);
    r->Register("none", MakeNone);
    return r;
  }();
  return *registry;
}

}  // namespace prescale
