// The statistics under the "surprise" detector: a robust running standardiser and a
// peaks-over-threshold tail model that turns a standardised value into a surprise,
// -ln P(a value at least this extreme), in nats.
//
// Why a tail model: a window detector that maps z to a normal probability ("zscore",
// "mad") claims that z = 6 is a one-in-a-billion event, which is false for nearly every
// real metric (bursty request counts, CPU steal, disk writes). Extreme value theory
// says what is true for any series that has a tail at all: the excesses over a high
// threshold follow a generalised Pareto distribution (Pickands, "Statistical
// inference using extreme order statistics", Annals of Statistics 3(1), 1975;
// Balkema and de Haan 1974). Fitting it online, as SPOT does (Siffer, Fouque,
// Termier and Largouet, "Anomaly Detection in Streams with Extreme Value Theory",
// KDD 2017), gives each series its own calibrated tail, so that one threshold on the
// surprise means roughly the same rarity on every series.
//
// Both classes are O(1) per value, allocate nothing, and are not thread-safe.
#pragma once

#include <cstdint>

#include "prescale/state_codec.h"
#include "prescale/status.h"

namespace prescale {

struct TailOptions {
  // Excesses are counted over this many robust scale units (z). REQUIRES: > 0.
  double threshold_z = 3;
  // The excess moments follow about this many recent excesses. REQUIRES: >= 1.
  double event_memory = 50;
  // The exceedance rate follows about this many recent values. REQUIRES: >= 1.
  double rate_memory = 2000;
  // The largest GPD shape the fit may use: 0.5 keeps the variance finite, which the
  // method of moments needs. REQUIRES: 0 <= max_shape < 1.
  double max_shape = 0.5;
};

// One tail (the upper one; feed -z for the lower) of a standardised series.
//
// The rate P(z > u) (u = threshold_z) is an exponentially weighted frequency. The
// excesses e = z - u are fitted by a generalised Pareto distribution with the
// method of moments (Hosking and Wallis, "Parameter and quantile estimation for the
// generalized Pareto distribution", Technometrics 29(3), 1987), on exponentially
// weighted first and second moments:
//   xi = (1 - m^2 / v) / 2, clamped to [0, max_shape];  sigma = m (1 - xi)
// (the mean of a GPD is sigma / (1 - xi), so sigma follows the mean excess when the
// shape is clamped). A negative shape (a bounded tail) is not allowed: with few
// excesses it would declare every value beyond the largest seen impossible. The
// surprise of z > u is
//   -ln rate + ln(1 + xi e / sigma) / xi       (e / sigma when xi = 0),
// and 0 for z <= u. The moments start from an exponential prior worth two excesses
// (m = 1, second moment 2), so the first excesses do not make the fit degenerate.
class ExceedanceTail {
 public:
  explicit ExceedanceTail(const TailOptions& options = {});

  // -ln P(Z >= z) under the current fit, in nats; 0 at or below the threshold.
  double Surprise(double z) const;
  // Learns from one standardised value. REQUIRES: z is finite.
  void Learn(double z);

  // State: rate, the two moments and the number of excesses seen.
  void Save(StateWriter& w) const;
  // Reads what Save wrote; fails (through `r`) on values no Learn could produce.
  void Read(StateReader& r);

 private:
  TailOptions options_;
  double rate_ = 0.05;  // a prior exceedance rate, until the values say otherwise
  double mean_ = 1;     // mean excess
  double second_ = 2;   // mean squared excess
  double excesses_ = 0;
};

struct StandardizerOptions {
  // The centre and scale follow about this many recent values. REQUIRES: >= 2.
  double memory = 3000;
  // Residuals are clipped to this many scale units before they are learned, so a
  // spike moves the centre by at most clip / memory scales. REQUIRES: > 0.
  double clip = 3;
  // Values needed before Z means anything. REQUIRES: >= 1.
  int warmup = 50;
  // The scale is never below this share of the series' mean absolute value: a change
  // of less than 1 % of a metric's size is not an anomaly, however quiet the metric
  // was (a constant series would otherwise make any change infinitely surprising).
  // REQUIRES: >= 0.
  double floor = 0.01;
};

// A running robust centre and scale (a Huber-type M-estimate, Huber, "Robust
// Estimation of a Location Parameter", Annals of Mathematical Statistics 35(1),
// 1964): the centre is an exponentially weighted mean of clipped residuals and the
// scale their mean absolute value. The weight is 1/n for the first `memory` values
// (a plain mean), then 1/memory.
class RobustStandardizer {
 public:
  explicit RobustStandardizer(const StandardizerOptions& options = {});

  bool warm() const { return count_ >= options_.warmup; }
  // (f - centre) / scale, bounded to +-kMaxZ. REQUIRES: f finite.
  double Z(double f) const;
  void Learn(double f);

  void Save(StateWriter& w) const;
  void Read(StateReader& r);

  static constexpr double kMaxZ = 1e4;

 private:
  double Scale() const;

  StandardizerOptions options_;
  double centre_ = 0;
  double scale_ = 0;      // mean absolute clipped residual
  double magnitude_ = 0;  // mean |f|, for the floor
  double count_ = 0;
};

// A feature's surprise: its standardised value against both tails (or the upper one).
class FeatureSurprise {
 public:
  FeatureSurprise(const StandardizerOptions& standardizer, const TailOptions& tail,
                  bool two_sided = true);

  // Scores f against what came before (0 while warming up), then learns it.
  double Update(double f);

  void Save(StateWriter& w) const;
  void Read(StateReader& r);

 private:
  RobustStandardizer standardizer_;
  ExceedanceTail upper_;
  ExceedanceTail lower_;
  bool two_sided_;
};

}  // namespace prescale
