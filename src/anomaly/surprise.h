// The default detector: "surprise", a streaming ensemble of calibrated features whose
// score is shaped for alerting (and for the Numenta Anomaly Benchmark, NAB).
//
// Each value x_t updates nine features, each of which measures one way a series can
// go wrong and turns it into a surprise in nats (-ln of an estimated probability):
//
//   level          x itself                          spikes, dips, level shifts
//   collapse       -ln(x + 0.001 x the mean |x|),    a positive series falling
//                  while no value has been negative  towards zero (traffic that
//                                                    stops), however small in x
//   change         x - x_prev                        sudden jumps
//   burst          EW mean of x, half-life 6 steps   short bursts and dips
//   record         x beyond the range seen so far    new highs and lows (Numenta's
//                  by more than record_margin of it  "spatial anomaly" rule)
//   burst record   the EW mean beyond its range      a burst or shift under noise
//   daily record   the EW mean (half-life 6) of x    a daily pattern that breaks (a
//                  minus its usual value at that     missing peak, a flat day), beyond
//                  time of day, beyond its range     anything seen at other times
//   daily high     x minus the highest value within  a rise at a time of day when
//                  an hour of this time of day on    the series does not rise (a
//                  the last two days                 spike in the afternoon on a
//                                                    series whose spikes are at 3am)
//   stuck          a run of identical values more    a stuck sensor
//                  than twice as long as any seen
//
// The first four and daily high are standardised by a robust running centre and scale
// and scored against their own peaks-over-threshold tails (evt_tail.h; both tails,
// except collapse's and daily high's upper one only), so each series gets its own
// calibration. The others are counting arguments: for exchangeable values the chance
// that the newest of n breaks the record is 1/(n+1), so a record scores ln(n+1) plus
// 10 nats per range beyond the margin, and a run twice the longest scores ln(n+1) + 3.
// The usual value at a time of day is an EW profile (weight 0.25 per day) of the
// values that were not anomalous (S <= 7 nats, below), so that a spike does not make
// tomorrow's normal value at that hour look anomalous. Ranges relax towards the
// present over ten memories, so one glitch does not widen them for ever.
//
// The surprise of a step is the largest feature surprise plus half the second
// largest: anomalies usually move several features at once, noise rarely does.
//
// Recurrence. A rise that happened at about this time of day on each of the last two
// days is not news (a nightly job, a morning peak). Let peak be the least, over the
// two previous days, of the highest value within an hour of this time of day. When x
// is above its usual value u at this time of day and x - u <= 1.2 (peak - u), or x is
// the first fall after such a rise, the surprises of the magnitude features (all but
// stuck) are multiplied by `recurrence_discount` (0.5). The windowed maxima are
// computed once a day, when the day ends, in O(steps a day), so the cost per value
// stays O(1) amortised.
//
// Score and flag. `anomaly` is true while the step's surprise S >= the threshold, in
// the score's units: score(S) = S / (S + 10), so 0.5 is 10 nats, about a
// one-in-22000 event. The score itself is an alert: it is score(S) only on steps
// where an anomaly starts or grows, and 0 otherwise. An anomalous episode opens
// when S > 7 nats and closes after 10 steps without; within it, a step scores only
// when S beats every earlier step of the episode. So however long a spike or a
// level shift lasts, it raises one alert (more only if it gets worse), which is
// what an on-call engineer wants and what NAB scores: only the first detection in
// an anomaly window counts, and each detection outside one costs.
//
// Streaming: O(1) per value (a few dozen arithmetic operations and at most a
// handful of logarithms), memory O(season) for the daily profile. Nothing looks
// ahead: the score of x_t depends on x_0..x_t only.
//
// Missing and non-finite values score 0 and are not learned from; the daily phase
// still advances, so a gap keeps the season aligned. Values are clamped to +-1e150 so
// that differences cannot overflow.
//
// Saved state (format 2), in order: the format version, the season length in steps,
// the step count, the last value, the burst and daily means and whether the daily one
// has started, the daily profile and its phase, the five standardised features
// (centre, scale, magnitude, count, then each tail's rate, moments and count), the
// mean |x|, whether a value was negative and whether the last value was a recurring
// rise, the three records (high, low, count), the stuck run, longest run and changes,
// the open episode's maximum and its quiet steps, then today's values and the two
// previous days' windowed maxima. Load fails on a record for another season length or
// another format (format 1, from before the collapse, daily-high and recurrence
// features: the detector then starts fresh).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "anomaly/evt_tail.h"
#include "prescale/anomaly_detector.h"

namespace prescale {

struct SurpriseOptions {
  double threshold = 0.5;       // the flag's score threshold; REQUIRES: 0 < threshold < 1
  int season_steps = 0;         // steps per day, 0 = no daily feature; REQUIRES: 0 or >= 4
  double memory = 3000;         // steps the centres and scales follow; REQUIRES: >= 100
  double tail_threshold_z = 3;  // REQUIRES: > 0
  double tail_memory = 50;      // excesses the tail fits follow; REQUIRES: >= 2
  double floor = 0.01;          // scale floor, share of the mean |value|; REQUIRES: >= 0
  double record_margin = 0.1;   // share of the range a record must beat; REQUIRES: >= 0
  double second_weight = 0.5;   // weight of the second surprise; REQUIRES: 0..1
  double recurrence_discount = 0.5;  // factor on a recurring rise; REQUIRES: 0..1
};

// A running range and the surprise of leaving it (the record features above).
class RangeRecord {
 public:
  // Scores v against the range so far, then widens the range to v and relaxes it
  // towards v by 1/memory. REQUIRES: v finite, memory >= 1.
  double Update(double v, double margin, double memory);

  void Save(StateWriter& w) const;
  void Read(StateReader& r);

 private:
  double high_ = 0;
  double low_ = 0;
  std::int64_t count_ = 0;
};

class SurpriseDetector final : public AnomalyDetector {
 public:
  // REQUIRES: options meet the REQUIRES of SurpriseOptions (the factory in builtin.cc
  // checks them and reports errors).
  explicit SurpriseDetector(const SurpriseOptions& options);

  std::string_view name() const override { return "surprise"; }
  AnomalyResult Update(std::optional<double> value) override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

  // The step surprise S of the last value, in nats (0 for a missing one): what the
  // flag thresholds. For tests and diagnostics.
  double last_surprise() const { return surprise_; }

  // score(S) = S / (S + kScoreScale): the map from nats to [0, 1).
  static constexpr double kScoreScale = 10;
  static double ScoreOf(double surprise) { return surprise / (surprise + kScoreScale); }

 private:
  double StepSurprise(double x);
  double StuckSurprise(double x);
  bool Recurs(double x, double usual) const;
  void EndDay();
  AnomalyResult Alert(double surprise);
  Status ReadState(StateReader& r);

  // Settings; not const, so that Load can commit a loaded detector by assignment.
  SurpriseOptions options_;
  double burst_weight_;
  double daily_weight_;

  std::int64_t count_ = 0;  // finite values seen
  double previous_ = 0;     // the last finite value (count_ > 0)
  double burst_mean_ = 0;
  double daily_mean_ = 0;
  bool daily_started_ = false;   // daily_mean_ holds a value
  std::vector<double> profile_;  // value at each step of the day; NaN until visited
  int phase_ = -1;               // the step of the day of the last value (or gap)
  FeatureSurprise level_;
  FeatureSurprise change_;
  FeatureSurprise burst_;
  FeatureSurprise collapse_;
  FeatureSurprise daily_high_;
  double magnitude_ = 0;        // running mean |x|, for collapse's floor
  bool negative_seen_ = false;  // collapse is off once a value was negative
  RangeRecord level_record_;
  RangeRecord burst_record_;
  RangeRecord daily_record_;

  std::int64_t run_ = 0;      // repeats of the last value
  std::int64_t longest_ = 0;  // the longest run that has ended
  std::int64_t changes_ = 0;  // runs that have ended

  // Recurrence (season only): today's values by step of the day (NaN where missing),
  // and, per step of the day, the most the series reached within an hour of it on
  // the previous day and on the day before (NaN where there was no value).
  std::vector<double> today_;
  std::vector<double> previous_peak_;
  std::vector<double> earlier_peak_;
  bool recurred_ = false;  // the last value was a recurring rise

  double episode_max_ = 0;  // the largest surprise of the open episode, 0 if none
  std::int64_t quiet_ = 0;  // steps of the episode at or below the episode level
  double surprise_ = 0;
};

}  // namespace prescale
