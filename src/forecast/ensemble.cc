#include "forecast/ensemble.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

namespace prescale {
namespace {

// Format 2 adds the median member's forecasts and errors; a format 1 record loads
// with the median member starting its scoring afresh.
constexpr std::int64_t kStateVersion = 2;

// The median of the first `n` (0 to 3) values: of three the middle, of two their
// mean, of one itself; NaN of none.
double MedianOf(const double* v, int n) {
  switch (n) {
    case 3:
      return std::max(std::min(v[0], v[1]), std::min(std::max(v[0], v[1]), v[2]));
    case 2:
      return (v[0] + v[1]) / 2;
    case 1:
      return v[0];
    default:
      return NAN;
  }
}

std::unique_ptr<Forecaster> MakeHoltWinters(HoltWintersForecaster::Options o, int daily,
                                            int weekly) {
  o.daily_period = daily;
  o.weekly_period = weekly;
  return std::make_unique<HoltWintersForecaster>(o);
}

std::unique_ptr<Forecaster> MakeNaive(NaiveForecaster::Kind kind, int window, double halflife) {
  NaiveForecaster::Options o;
  o.kind = kind;
  o.window = window;
  o.spread_halflife = halflife;
  return std::make_unique<NaiveForecaster>(o);
}

}  // namespace

EnsembleForecaster::EnsembleForecaster(const Options& o)
    : options_(o),
      error_keep_(std::exp2(-1.0 / o.error_halflife)),
      detector_(o.daily_period, o.weekly_period) {
  assert(o.horizon_steps >= 1);
  const auto horizon = static_cast<std::size_t>(o.horizon_steps);
  for (Scored& s : models_) s.pending = RingBuffer<double>(horizon);
  median_.pending = RingBuffer<double>(horizon);
  HoltWintersForecaster::Options hw = o.holt_winters;
  hw.spread_halflife = o.spread_halflife;
  models_[kHoltNone].model = MakeHoltWinters(hw, 0, 0);
  if (o.daily_period > 0) {
    models_[kHoltDaily].model = MakeHoltWinters(hw, o.daily_period, 0);
    models_[kSnaiveDaily].model =
        MakeNaive(NaiveForecaster::Kind::kSeasonal, o.daily_period, o.spread_halflife);
  }
  if (o.weekly_period > 0) {
    models_[kHoltWeekly].model = MakeHoltWinters(hw, o.daily_period, o.weekly_period);
    models_[kSnaiveWeekly].model =
        MakeNaive(NaiveForecaster::Kind::kSeasonal, o.weekly_period, o.spread_halflife);
  }
  models_[kNaive].model = MakeNaive(NaiveForecaster::Kind::kLast, 1, o.spread_halflife);
  models_[kRecentMax].model =
      MakeNaive(NaiveForecaster::Kind::kRecentMax, o.recent_window, o.spread_halflife);
  models_[kPercentile].model =
      MakeNaive(NaiveForecaster::Kind::kPercentile, o.percentile_window, o.spread_halflife);
}

EnsembleForecaster::Model EnsembleForecaster::ModelOf(int member) const {
  const Seasonality season = season_;
  auto started = [this](Model m, bool weekly) {
    const auto* hw = static_cast<const HoltWintersForecaster*>(models_[m].model.get());
    return hw != nullptr && (weekly ? hw->weekly_ready() : hw->daily_ready());
  };
  switch (member) {
    case 0:
      // The season found, once the model for it has started; else the next simpler.
      if (season == Seasonality::kWeekly && started(kHoltWeekly, true)) return kHoltWeekly;
      if (season != Seasonality::kNone && models_[kHoltDaily].model && started(kHoltDaily, false)) {
        return kHoltDaily;
      }
      return kHoltNone;
    case 1:
      if (season == Seasonality::kWeekly && models_[kSnaiveWeekly].model) return kSnaiveWeekly;
      if (models_[kSnaiveDaily].model) return kSnaiveDaily;
      return models_[kSnaiveWeekly].model ? kSnaiveWeekly : kNaive;
    case kMedianMember:
      return kNaive;
    case 3:
      return kRecentMax;
    default:
      return kPercentile;
  }
}

std::string_view EnsembleForecaster::HoltWintersModel() const {
  switch (ModelOf(0)) {
    case kHoltWeekly:
      return "holt-winters weekly";
    case kHoltDaily:
      return "holt-winters daily";
    default:
      return "holt-winters";
  }
}

int EnsembleForecaster::primary() const {
  // The member with the lowest error at the horizon, once every member has been
  // scored for a while; Holt-Winters until then.
  int best = 0;
  double best_error = 0;
  for (int m = 0; m < kMembers; ++m) {
    const Scored& s = ScoredOf(m);
    if (s.scored < 10 * options_.horizon_steps) return 0;
    if (m == 0 || Error(s) < best_error) {
      best = m;
      best_error = Error(s);
    }
  }
  return best;
}

double EnsembleForecaster::MemberError(int member) const { return Error(ScoredOf(member)); }

void EnsembleForecaster::Combine(const ForecastResult& hw, const ForecastResult& snaive,
                                 ForecastResult& out) {
  const ForecastResult* ready[3];
  int n = 0;
  for (const ForecastResult* f : {&hw, &snaive, static_cast<const ForecastResult*>(&out)}) {
    if (f->ready) ready[n++] = f;
  }
  if (n == 0) return;  // none is ready: `out` stays the last value's, not ready
  for (std::size_t i = 0; i < out.point.size(); ++i) {
    // The band's half-width is the median of theirs, so that it widens with the
    // horizon and the quantile as each of theirs does.
    double point[3], width[3];
    for (int k = 0; k < n; ++k) {
      point[k] = ready[k]->point[i];
      width[k] = ready[k]->upper[i] - ready[k]->point[i];
    }
    out.point[i] = MedianOf(point, n);
    out.upper[i] = out.point[i] + MedianOf(width, n);
  }
  out.ready = true;
}

void EnsembleForecaster::Observe(std::optional<double> value) {
  const bool seen = value.has_value() && std::isfinite(*value);
  detector_.Observe(value);
  season_ = detector_.season();
  const int h = options_.horizon_steps;
  for (Scored& s : models_) {
    if (!s.model) continue;
    // 1. Score the forecast made `h` steps ago for this value.
    if (seen) Score(s, *value);
    // 2. Learn, then forecast the steps up to `h` ahead: the last for scoring later,
    //    all of them for Forecast().
    s.model->Observe(value);
    s.model->Forecast(h, quantile_, s.latest);
    s.pending.Push(s.latest.ready ? s.latest.point[h - 1] : NAN);
  }
  // The median member, scored the same way on the median of its three forecasts.
  if (seen) Score(median_, *value);
  double at_h[3];
  int n = 0;
  for (Model k : {ModelOf(0), ModelOf(1), kNaive}) {
    const ForecastResult& f = models_[k].latest;
    if (f.ready) at_h[n++] = f.point[h - 1];
  }
  median_.pending.Push(MedianOf(at_h, n));
}

void EnsembleForecaster::Score(Scored& s, double value) const {
  if (!s.pending.full() || !std::isfinite(s.pending.Oldest())) return;
  s.sum_abs = error_keep_ * s.sum_abs + std::fabs(value - s.pending.Oldest());
  s.weight = error_keep_ * s.weight + 1;
  ++s.scored;
}

void EnsembleForecaster::Forecast(int horizon, double quantile, ForecastResult& out) const {
  assert(horizon >= 1);
  if (out.members.size() != kMembers) out.members.resize(kMembers);
  quantile_ = quantile;
  for (int m = 0; m < kMembers; ++m) {
    ForecastResult& member = out.members[m];
    const Scored& s = models_[ModelOf(m)];  // the last value's, for the median
    if (s.latest.horizon() == horizon && s.latest.quantile == quantile) {
      // What Observe forecast after the newest value: copies without allocating once
      // `member` has the size.
      member.point = s.latest.point;
      member.upper = s.latest.upper;
      member.quantile = s.latest.quantile;
      member.ready = s.latest.ready;
    } else {
      s.model->Forecast(horizon, quantile, member);
    }
    member.model = m == 0 ? HoltWintersModel() : kMemberNames[m];
    if (m == kMedianMember) Combine(out.members[0], out.members[1], member);
  }
  const ForecastResult& best = out.members[primary()];
  SizeForecast(horizon, out);
  out.point = best.point;  // same size: copies without allocating
  out.upper = best.upper;
  out.quantile = best.quantile;
  out.ready = best.ready;
  out.model = best.model;
}

void EnsembleForecaster::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(options_.daily_period);
  w.Int(options_.weekly_period);
  w.Int(options_.horizon_steps);
  detector_.Save(w);
  for (const Scored& s : models_) {
    w.Bool(s.model != nullptr);
    if (!s.model) continue;
    StateWriter inner;
    s.model->Save(inner);
    w.Nested(inner);
    WriteScores(w, s);
  }
  WriteScores(w, median_);
}

void EnsembleForecaster::WriteScores(StateWriter& w, const Scored& s) {
  w.Int(static_cast<std::int64_t>(s.pending.size()));
  for (std::size_t i = 0; i < s.pending.size(); ++i) w.Double(s.pending[i]);
  w.Double(s.sum_abs);
  w.Double(s.weight);
  w.Int(s.scored);
}

void EnsembleForecaster::ReadScores(StateReader& r, Scored& s) {
  const std::int64_t n = r.Int();
  if (!r.ok()) return;
  if (n < 0 || static_cast<std::size_t>(n) > s.pending.capacity()) {
    r.Fail("pending forecasts do not fit the horizon");
    return;
  }
  s.pending.Clear();
  for (std::int64_t i = 0; i < n; ++i) s.pending.Push(r.Double());
  s.sum_abs = r.Double();
  s.weight = r.Double();
  s.scored = r.Int();
  if (r.ok() &&
      (!(s.sum_abs >= 0) || !(s.weight >= 0) || s.scored < 0 || s.scored > kMaxSavedCount)) {
    r.Fail("member errors out of range");
  }
}

Status EnsembleForecaster::Load(StateReader& r) {
  return LoadWhole(
      *this, EnsembleForecaster(options_), [&r](auto& m) { return m.ReadState(r); }, "auto");
}

Status EnsembleForecaster::ReadState(StateReader& r) {
  std::int64_t version = 0;
  if (Status s = r.ReadVersion(1, kStateVersion, version); !s.ok()) return s;
  const std::int64_t daily = r.Int();
  const std::int64_t weekly = r.Int();
  const std::int64_t horizon = r.Int();
  if (!r.ok()) return r.Finish();
  if (daily != options_.daily_period || weekly != options_.weekly_period ||
      horizon != options_.horizon_steps) {
    return Status::Error("saved state is for seasons of " + std::to_string(daily) + " and " +
                         std::to_string(weekly) + " steps and a horizon of " +
                         std::to_string(horizon) + ", this model has " +
                         std::to_string(options_.daily_period) + ", " +
                         std::to_string(options_.weekly_period) + " and " +
                         std::to_string(options_.horizon_steps));
  }
  detector_.Load(r);
  season_ = detector_.season();
  for (Scored& s : models_) {
    const bool has = r.Bool();
    if (!r.ok()) break;
    if (has != (s.model != nullptr)) {
      r.Fail("saved models do not match this one's");
      break;
    }
    if (!s.model) continue;
    StateReader inner(r.Nested());
    if (!r.ok()) break;
    if (Status st = s.model->Load(inner); !st.ok()) return st;
    ReadScores(r, s);
  }
  if (version >= 2 && r.ok()) ReadScores(r, median_);
  return r.Finish();
}

}  // namespace prescale
