#include "anomaly/surprise.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>

namespace prescale {
namespace {

constexpr std::int64_t kStateVersion = 2;

// Feature time constants, in steps: the burst mean follows a burst of a few steps,
// and so does the daily residual's mean.
constexpr double kBurstHalfLife = 6;
constexpr double kDailyHalfLife = 6;
// Weight of today's value in the daily profile: about the last four days count.
constexpr double kProfileWeight = 0.25;
// A record needs this much history. Ranges relax towards the present over this many
// memories (and count n up to as many), so one glitch does not widen them for ever.
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
// Collapse: the log's floor, as a share of the mean |x|, so that an exact zero is
// finite and a series that often reads zero is not news when it does.
constexpr double kCollapseFloor = 0.001;
// Recurrence: "about this time of day" is within an hour of it (1/24 of the season),
// and a rise recurs when it is at most this many times the smaller of the two
// previous days' rises.
constexpr double kRecurrenceWindowDays = 1.0 / 24;
constexpr double kRecurrenceMargin = 1.2;
constexpr double kMaxValue = 1e150;
constexpr std::int64_t kMaxCount = 1'000'000'000'000'000;

double WeightForHalfLife(double steps) { return 1 - std::exp(-std::log(2.0) / steps); }

StandardizerOptions Standardizer(const SurpriseOptions& o) {
  return {.memory = o.memory, .clip = 3, .warmup = 50, .floor = o.floor};
}

TailOptions Tail(const SurpriseOptions& o) {
  return {.threshold_z = o.tail_threshold_z,
          .event_memory = o.tail_memory,
          .rate_memory = 2000,
          .max_shape = 0.5};
}

// out[p] = the largest non-NaN value of values[p - w .. p + w] (NaN if none), by a
// monotonic queue of indices with decreasing values: O(size), allocated once a day.
void WindowMax(const std::vector<double>& values, int w, std::vector<double>& out) {
  const int n = static_cast<int>(values.size());
  auto value = [&](int i) { return values[static_cast<std::size_t>(i)]; };
  std::vector<int> queue(values.size());
  int head = 0;
  int tail = 0;
  int next = 0;
  for (int p = 0; p < n; ++p) {
    for (; next < n && next <= p + w; ++next) {
      if (std::isnan(value(next))) continue;
      while (tail > head && value(queue[static_cast<std::size_t>(tail - 1)]) <= value(next)) --tail;
      queue[static_cast<std::size_t>(tail++)] = next;
    }
    while (tail > head && queue[static_cast<std::size_t>(head)] < p - w) ++head;
    out[static_cast<std::size_t>(p)] =
        tail > head ? value(queue[static_cast<std::size_t>(head)]) : NAN;
  }
}

bool Bounded(double v) { return std::isfinite(v) && std::fabs(v) <= 2 * kMaxValue; }

}  // namespace

double RangeRecord::Update(double v, double margin, double memory) {
  if (count_ == 0) {
    high_ = low_ = v;
    count_ = 1;
    return 0;
  }
  const double range = high_ - low_;
  double surprise = 0;
  if (count_ >= kRecordWarmup && range > 0) {
    const double beyond = std::max(v - high_, low_ - v) / range;
    if (beyond > margin) {
      const double n = std::min(static_cast<double>(count_), memory);
      surprise = std::log(n + 1) + kRecordNatsPerRange * (beyond - margin);
    }
  }
  high_ = std::max(high_, v);
  low_ = std::min(low_, v);
  high_ -= (high_ - v) / memory;
  low_ += (v - low_) / memory;
  ++count_;
  return surprise;
}

void RangeRecord::Save(StateWriter& w) const {
  w.Double(high_);
  w.Double(low_);
  w.Int(count_);
}

void RangeRecord::Read(StateReader& r) {
  high_ = r.Double();
  low_ = r.Double();
  count_ = r.Int();
  if (!r.ok()) return;
  if (!Bounded(high_) || !Bounded(low_) || low_ > high_) r.Fail("record range out of order");
  if (count_ < 0 || count_ > kMaxCount) r.Fail("record count out of range");
}

SurpriseDetector::SurpriseDetector(const SurpriseOptions& options)
    : options_(options),
      burst_weight_(WeightForHalfLife(kBurstHalfLife)),
      daily_weight_(WeightForHalfLife(kDailyHalfLife)),
      profile_(static_cast<std::size_t>(options.season_steps), NAN),
      level_(Standardizer(options), Tail(options)),
      change_(Standardizer(options), Tail(options)),
      burst_(Standardizer(options), Tail(options)),
      collapse_(Standardizer(options), Tail(options), /*two_sided=*/false),
      daily_high_(Standardizer(options), Tail(options), /*two_sided=*/false),
      today_(profile_.size(), NAN),
      previous_peak_(profile_.size(), NAN),
      earlier_peak_(profile_.size(), NAN) {
  assert(options.threshold > 0 && options.threshold < 1);
  assert(options.season_steps == 0 || options.season_steps >= 4);
}

AnomalyResult SurpriseDetector::Update(std::optional<double> value) {
  if (!profile_.empty()) {
    phase_ = (phase_ + 1) % static_cast<int>(profile_.size());
    if (phase_ == 0) EndDay();
  }
  surprise_ = 0;
  if (!value.has_value() || !std::isfinite(*value)) {
    recurred_ = false;
    return {};
  }
  surprise_ = StepSurprise(std::clamp(*value, -kMaxValue, kMaxValue));
  return Alert(surprise_);
}

double SurpriseDetector::StepSurprise(double x) {
  // The usual value at this time of day (none before the profile has one), and
  // whether a rise to x has happened about now on each of the last two days, or x is
  // the fall back from such a rise: then the features of magnitude count for less (a
  // stuck sensor does not recur).
  double* usual = nullptr;
  if (!profile_.empty()) usual = &profile_[static_cast<std::size_t>(phase_)];
  const bool has_usual = usual != nullptr && !std::isnan(*usual);
  const bool rises = has_usual && Recurs(x, *usual);
  const bool falls_back = recurred_ && count_ > 0 && x < previous_;
  recurred_ = rises;
  const double weight = rises || falls_back ? options_.recurrence_discount : 1;

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
  auto take_magnitude = [&](double s) { take(weight * s); };
  const double memory = kRecordMemoryFactor * options_.memory;
  const double margin = options_.record_margin;

  // 1. The value, its change, its short mean and its collapse, each scored before it
  // learns x.
  take_magnitude(level_.Update(x));
  if (count_ > 0) take_magnitude(change_.Update(x - previous_));
  burst_mean_ = count_ == 0 ? x : burst_mean_ + burst_weight_ * (x - burst_mean_);
  take_magnitude(burst_.Update(burst_mean_));
  if (x < 0) negative_seen_ = true;
  magnitude_ +=
      (std::fabs(x) - magnitude_) / std::min(static_cast<double>(count_ + 1), options_.memory);
  if (!negative_seen_ && magnitude_ > 0) {
    take_magnitude(collapse_.Update(-std::log(x + kCollapseFloor * magnitude_)));
  }

  // 2. Records of the value and of its short mean.
  take_magnitude(level_record_.Update(x, margin, memory));
  take_magnitude(burst_record_.Update(burst_mean_, margin, memory));

  // 3. The daily residual, against the profile before today's value joins it.
  if (has_usual) {
    const double residual = x - *usual;
    daily_mean_ =
        daily_started_ ? daily_mean_ + daily_weight_ * (residual - daily_mean_) : residual;
    daily_started_ = true;
    take_magnitude(daily_record_.Update(daily_mean_, margin, memory));
  } else if (usual != nullptr) {
    *usual = x;
    usual = nullptr;  // nothing to compare with yet, nothing more to learn
  }
  if (!today_.empty()) {
    // 4. Above anything seen about now on the last two days (on the one of them that
    // has values; NaN, and not scored, before either has).
    const auto at = static_cast<std::size_t>(phase_);
    const double high = std::fmax(previous_peak_[at], earlier_peak_[at]);
    if (!std::isnan(high)) take_magnitude(daily_high_.Update(x - high));
    today_[at] = x;
  }

  // 5. A stuck sensor.
  take(StuckSurprise(x));

  previous_ = x;
  ++count_;
  const double surprise = best + options_.second_weight * second;
  // The profile learns only what is not anomalous: a spike that joined it would make
  // the normal value at the same time tomorrow look like an anomaly.
  if (usual != nullptr && surprise <= kEpisodeNats) *usual += kProfileWeight * (x - *usual);
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

bool SurpriseDetector::Recurs(double x, double usual) const {
  const auto at = static_cast<std::size_t>(phase_);
  // Either day without a value near this time (NaN) makes the peak NaN, which
  // compares false: no recurrence. (std::min would return the other day's.)
  const double a = previous_peak_[at];
  const double b = earlier_peak_[at];
  const double peak = std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
  return x > usual && peak > usual && x - usual <= kRecurrenceMargin * (peak - usual);
}

void SurpriseDetector::EndDay() {
  // The day's windowed maxima, written over the day before yesterday's, which are
  // done with.
  std::swap(previous_peak_, earlier_peak_);
  const int w = std::max(1, static_cast<int>(std::lround(kRecurrenceWindowDays * today_.size())));
  WindowMax(today_, w, previous_peak_);
  std::fill(today_.begin(), today_.end(), NAN);
}

AnomalyResult SurpriseDetector::Alert(double surprise) {
  // Episodes: the alert score is the surprise only where it beats the episode so far.
  quiet_ = surprise > kEpisodeNats ? 0 : std::min(quiet_ + 1, kMaxCount);
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
  w.Double(burst_mean_);
  w.Double(daily_mean_);
  w.Bool(daily_started_);
  w.Doubles(profile_);
  w.Int(phase_);
  level_.Save(w);
  change_.Save(w);
  burst_.Save(w);
  collapse_.Save(w);
  daily_high_.Save(w);
  w.Double(magnitude_);
  w.Bool(negative_seen_);
  w.Bool(recurred_);
  level_record_.Save(w);
  burst_record_.Save(w);
  daily_record_.Save(w);
  w.Int(run_);
  w.Int(longest_);
  w.Int(changes_);
  w.Double(episode_max_);
  w.Int(quiet_);
  w.Doubles(today_);
  w.Doubles(previous_peak_);
  w.Doubles(earlier_peak_);
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
  count_ = r.Int();
  previous_ = r.Double();
  burst_mean_ = r.Double();
  daily_mean_ = r.Double();
  daily_started_ = r.Bool();
  const std::vector<double> profile = r.Doubles();
  phase_ = static_cast<int>(r.Int());
  level_.Read(r);
  change_.Read(r);
  burst_.Read(r);
  collapse_.Read(r);
  daily_high_.Read(r);
  magnitude_ = r.Double();
  negative_seen_ = r.Bool();
  recurred_ = r.Bool();
  level_record_.Read(r);
  burst_record_.Read(r);
  daily_record_.Read(r);
  run_ = r.Int();
  longest_ = r.Int();
  changes_ = r.Int();
  episode_max_ = r.Double();
  quiet_ = r.Int();
  std::vector<double> today = r.Doubles();
  std::vector<double> previous_peak = r.Doubles();
  std::vector<double> earlier_peak = r.Doubles();
  if (!r.ok()) return r.Finish();

  // Values Update could have produced: finite, counts in range.
  auto check = [&r](bool ok, const std::string& what) {
    if (!ok) r.Fail(what);
  };
  check(count_ >= 0 && count_ <= kMaxCount, "value count out of range");
  check(Bounded(previous_) && Bounded(burst_mean_) && Bounded(daily_mean_) && Bounded(magnitude_) &&
            magnitude_ >= 0,
        "a smoothed value is not finite");
  const std::pair<const char*, const std::vector<double>*> arrays[] = {
      {"daily profile", &profile},
      {"today's values", &today},
      {"previous day's peaks", &previous_peak},
      {"earlier day's peaks", &earlier_peak}};
  for (const auto& [what, values] : arrays) {
    check(values->size() == profile_.size(),
          std::string(what) + " has " + std::to_string(values->size()) + " values, expected " +
              std::to_string(profile_.size()));
    for (double v : *values) {
      check(std::isnan(v) || Bounded(v), std::string("a ") + what + " value is infinite");
    }
  }
  check(
      profile_.empty() ? phase_ == -1 : phase_ >= -1 && phase_ < static_cast<int>(profile_.size()),
      "daily phase out of range");
  check(run_ >= 0 && longest_ >= 0 && changes_ >= 0 && run_ <= count_ && longest_ <= count_ &&
            changes_ <= count_,
        "stuck-run counts out of range");
  check(std::isfinite(episode_max_) && episode_max_ >= 0, "episode maximum out of range");
  check(quiet_ >= 0 && quiet_ <= kMaxCount, "episode quiet steps out of range");
  if (!r.ok()) return r.Finish();
  profile_ = std::move(profile);
  today_ = std::move(today);
  previous_peak_ = std::move(previous_peak);
  earlier_peak_ = std::move(earlier_peak);
  return r.Finish();
}

}  // namespace prescale
