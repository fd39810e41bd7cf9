#include "anomaly/surprise.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

namespace prescale {
namespace {

constexpr std::int64_t kStateVersion = 1;

// Feature time constants, in steps. Half-lives: the fast mean follows a burst of a
// few steps, the slow mean a drift of a few hours at 5-minute steps.
constexpr double kFastHalfLife = 6;
constexpr double kSlowHalfLife = 48;
constexpr double kSeasonHalfLife = 6;
// Weight of today's value in the daily profile: about the last four days count.
constexpr double kProfileWeight = 0.25;
// A record needs this much history, and a record counts n up to 10 memories (the
// range relaxes towards the present at the same pace, so one glitch does not widen
// it for ever).
constexpr std::int64_t kRecordWarmup = 50;
constexpr double kRecordMemoryFactor = 10;
constexpr double kRecordNatsPerRange = 10;
// A stuck run needs this much history and this many ended runs to compare with.
constexpr std::int64_t kStuckWarmup = 50;
constexpr std::int64_t kStuckMinChanges = 10;
constexpr double kStuckExtraNats = 3;
// Episodes: one opens above this surprise and closes after this many quieter steps.
constexpr double kEpisodeNats = 7;
constexpr std::int64_t kEpisodeGap = 10;
constexpr double kMaxValue = 1e150;

double WeightForHalfLife(double steps) { return 1 - std::exp(-std::log(2.0) / steps); }

std::array<FeatureSurprise, 5> MakeFeatures(const SurpriseOptions& o) {
  const StandardizerOptions s{.memory = o.memory, .clip = 3, .warmup = 50, .floor = o.floor};
  const TailOptions t{.threshold_z = o.tail_threshold_z,
                      .event_memory = o.tail_memory,
                      .rate_memory = 2000,
                      .max_shape = 0.5};
  return {FeatureSurprise(s, t), FeatureSurprise(s, t), FeatureSurprise(s, t),
          FeatureSurprise(s, t), FeatureSurprise(s, t)};
}

}  // namespace

SurpriseDetector::SurpriseDetector(const SurpriseOptions& options)
    : options_(options),
      fast_weight_(WeightForHalfLife(kFastHalfLife)),
      slow_weight_(WeightForHalfLife(kSlowHalfLife)),
      season_weight_(WeightForHalfLife(kSeasonHalfLife)),
      profile_(static_cast<std::size_t>(options.season_steps), NAN),
      features_(MakeFeatures(options)) {
  assert(options.threshold > 0 && options.threshold < 1);
  assert(options.season_steps == 0 || options.season_steps >= 4);
}

AnomalyResult SurpriseDetector::Update(std::optional<double> value) {
  if (!profile_.empty()) phase_ = (phase_ + 1) % static_cast<int>(profile_.size());
  surprise_ = 0;
  if (!value.has_value() || !std::isfinite(*value)) return {};
  surprise_ = StepSurprise(std::clamp(*value, -kMaxValue, kMaxValue));
  return Alert(surprise_);
}

double SurpriseDetector::StepSurprise(double x) {
  // 1. The daily residual, against the profile before today's value joins it.
  double season_residual = NAN;
  if (!profile_.empty()) {
    double& usual = profile_[static_cast<std::size_t>(phase_)];
    if (std::isnan(usual)) {
      usual = x;
    } else {
      season_residual = x - usual;
      usual += kProfileWeight * (x - usual);
    }
  }

  // 2. The standardised features, each scored before it learns x.
  double best = 0;
  double second = 0;
  auto take = [&](double s) {
    if (s > best) {
      second = best;
      best = s;
    } else if (s > second) {
      second = s;
    }
  };
  take(features_[kLevel].Update(x));
  if (count_ > 0) take(features_[kChange].Update(x - previous_));
  fast_mean_ = count_ == 0 ? x : fast_mean_ + fast_weight_ * (x - fast_mean_);
  slow_mean_ = count_ == 0 ? x : slow_mean_ + slow_weight_ * (x - slow_mean_);
  take(features_[kFastMean].Update(fast_mean_));
  take(features_[kSlowMean].Update(slow_mean_));
  if (!std::isnan(season_residual)) {
    season_mean_ = season_started_
                       ? season_mean_ + season_weight_ * (season_residual - season_mean_)
                       : season_residual;
    season_started_ = true;
    take(features_[kSeason].Update(season_mean_));
  }

  // 3. The counting features.
  take(RecordSurprise(x));
  take(StuckSurprise(x));

  previous_ = x;
  ++count_;
  return best + options_.second_weight * second;
}

double SurpriseDetector::RecordSurprise(double x) {
  if (record_count_ == 0) {
    record_high_ = record_low_ = x;
    record_count_ = 1;
    return 0;
  }
  const double memory = kRecordMemoryFactor * options_.memory;
  const double range = record_high_ - record_low_;
  double surprise = 0;
  if (record_count_ >= kRecordWarmup && range > 0) {
    const double beyond = std::max(x - record_high_, record_low_ - x) / range;
    if (beyond > options_.record_margin) {
      const double n = std::min(static_cast<double>(record_count_), memory);
      surprise = std::log(n + 1) + kRecordNatsPerRange * (beyond - options_.record_margin);
    }
  }
  record_high_ = std::max(record_high_, x);
  record_low_ = std::min(record_low_, x);
  // Relax the range towards the present, so that old extremes fade over ~10 memories.
  record_high_ -= (record_high_ - x) / memory;
  record_low_ += (x - record_low_) / memory;
  ++record_count_;
  return surprise;
}

double SurpriseDetector::StuckSurprise(double x) {
  if (count_ == 0) return 0;
  const std::int64_t run = x == previous_ ? run_ + 1 : 0;
  double surprise = 0;
  if (count_ >= kStuckWarmup && changes_ >= kStuckMinChanges && run >= 2 * longest_ + 2) {
    surprise = std::log(static_cast<double>(count_) + 1) + kStuckExtraNats;
  }
  if (run == 0) {
    ++changes_;
    longest_ = std::max(longest_, run_);
  }
  run_ = run;
  return surprise;
}

AnomalyResult SurpriseDetector::Alert(double surprise) {
  // Episodes: the alert score is the surprise only where it beats the episode so far.
  quiet_ = surprise > kEpisodeNats ? 0 : quiet_ + 1;
  if (quiet_ > kEpisodeGap) episode_max_ = 0;
  AnomalyResult result;
  if (surprise > kEpisodeNats && surprise > episode_max_) {
    result.score = ScoreOf(surprise);
    episode_max_ = surprise;
  }
  result.anomaly = ScoreOf(surprise) >= options_.threshold;
  return result;
}

void SurpriseDetector::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(static_cast<std::int64_t>(profile_.size()));
  w.Int(count_);
  w.Double(previous_);
  w.Double(fast_mean_);
  w.Double(slow_mean_);
  w.Double(season_mean_);
  w.Bool(season_started_);
  w.Doubles(profile_);
  w.Int(phase_);
  for (const FeatureSurprise& f : features_) f.Save(w);
  w.Double(record_high_);
  w.Double(record_low_);
  w.Int(record_count_);
  w.Int(run_);
  w.Int(longest_);
  w.Int(changes_);
  w.Double(episode_max_);
  w.Int(quiet_);
}

Status SurpriseDetector::Load(StateReader& r) {
  return LoadWhole(
      *this, SurpriseDetector(options_), [&r](auto& d) { return d.ReadState(r); }, "surprise");
}

Status SurpriseDetector::ReadState(StateReader& r) {
  if (Status s = r.ReadVersion(kStateVersion); !s.ok()) return s;
  const std::int64_t season = r.Int();
  if (!r.ok()) return r.Finish();
  if (season != static_cast<std::int64_t>(profile_.size())) {
    return Status::Error("saved state is for a daily season of " + std::to_string(season) +
                         " steps, this detector has " + std::to_string(profile_.size()));
  }
  constexpr std::int64_t kMaxCount = 1'000'000'000'000'000;
  count_ = r.Int();
  previous_ = r.Double();
  fast_mean_ = r.Double();
  slow_mean_ = r.Double();
  season_mean_ = r.Double();
  season_started_ = r.Bool();
  const std::vector<double> profile = r.Doubles();
  phase_ = static_cast<int>(r.Int());
  for (FeatureSurprise& f : features_) f.Read(r);
  record_high_ = r.Double();
  record_low_ = r.Double();
  record_count_ = r.Int();
  run_ = r.Int();
  longest_ = r.Int();
  changes_ = r.Int();
  episode_max_ = r.Double();
  quiet_ = r.Int();
  if (!r.ok()) return r.Finish();

  // Values Update could have produced: finite, ordered, counts in range.
  auto check = [&r](bool ok, const std::string& what) {
    if (!ok) r.Fail(what);
  };
  auto bounded = [](double v) { return std::isfinite(v) && std::fabs(v) <= kMaxValue; };
  check(count_ >= 0 && count_ <= kMaxCount, "value count out of range");
  check(bounded(previous_) && bounded(fast_mean_) && bounded(slow_mean_),
        "a smoothed value is not finite");
  check(std::isfinite(season_mean_) && std::fabs(season_mean_) <= 2 * kMaxValue,
        "the daily residual is not finite");
  check(profile.size() == profile_.size(),
        "daily profile has " + std::to_string(profile.size()) + " values, expected " +
            std::to_string(profile_.size()));
  for (double v : profile) check(std::isnan(v) || bounded(v), "a daily profile value is infinite");
  check(profile_.empty() ? phase_ == -1 : phase_ >= -1 && phase_ < static_cast<int>(profile_.size()),
        "daily phase out of range");
  check(bounded(record_high_) && bounded(record_low_) && record_low_ <= record_high_,
        "record range out of order");
  check(record_count_ >= 0 && record_count_ <= kMaxCount, "record count out of range");
  check(run_ >= 0 && longest_ >= 0 && changes_ >= 0 && run_ <= count_ && longest_ <= count_ &&
            changes_ <= count_,
        "stuck-run counts out of range");
  check(std::isfinite(episode_max_) && episode_max_ >= 0, "episode maximum out of range");
  check(quiet_ >= 0 && quiet_ <= kMaxCount, "episode quiet steps out of range");
  if (!r.ok()) return r.Finish();
  profile_ = profile;
  return r.Finish();
}

}  // namespace prescale
