#include "policy/predictive.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "policy/common.h"
#include "prescale/time_series.h"

namespace prescale::policy {
namespace {

enum class Form { kMultiplicative, kAdditive };

// One way of sizing (see the header).
struct CandidateSpec {
  int member = 0;     // which of the forecast's members (0 for a single forecast)
  bool upper = true;  // size on the upper quantile; else on the point forecast
  Form form = Form::kMultiplicative;
  Duration stabilization{0};
};

struct Need {
  TimePoint time;
  int instances = 0;
};

// What a candidate asks for in an interval, before it meets a group's size.
struct Sizing {
  int need = 1;    // instances for the forecast peak with headroom, or the load now
  int floor = 1;   // the largest need of the stabilisation window
  bool tolerated = false;             // the need was held at the candidate's size: within tolerance
  Reason reason = Reason::kForecast;  // kForecast, kReactiveFloor or kWarmingUp
  double recommendation = 0;
  std::string_view model;
  std::string_view sizing;
};

// How a candidate's forecast becomes a size, for explanations.
std::string_view SizingName(const CandidateSpec& s) {
  const bool window = s.stabilization.count() > 0;
  if (s.upper) return window ? "upper quantile x headroom (stabilised)" : "upper quantile x headroom";
  if (s.form == Form::kMultiplicative) {
    return window ? "forecast x headroom (stabilised)" : "forecast x headroom";
  }
  return window ? "forecast + headroom (stabilised)" : "forecast + headroom";
}

// The size a sizing asks of a group of `total` instances: grow to the need at once;
// shrink to it only as far as the stabilisation window allows.
int DesiredSize(const Sizing& z, int total) {
  return z.need < total && z.floor > z.need ? std::min(total, z.floor) : z.need;
}

// The decision a sizing makes for a group of `total` instances: DesiredSize, with its
// reason.
Decision Apply(const Sizing& z, int total) {
  Decision d{DesiredSize(z, total), Action::kHold, z.reason, "",
             z.recommendation,      z.model,       z.sizing};
  switch (z.reason) {
    case Reason::kWarmingUp:
      d.message = "Forecaster warming up - sized for the load now with headroom";
      break;
    case Reason::kReactiveFloor:
      d.message = "The load now needs more than the forecast - reactive floor";
      break;
    default:
      d.message = "Sized for the forecast peak over the boot horizon";
  }
  if (z.tolerated && z.need == total) {
    d.reason = Reason::kWithinTolerance;
    d.message = "The forecast peak needs a little more, within the tolerance - holding";
  } else if (z.need < total) {
    if (z.floor > z.need) {
      d.reason = Reason::kStabilized;
      d.message = "Scale-in held back by the stabilisation window";
    } else if (z.reason == Reason::kForecast) {
      d.reason = Reason::kScaleDown;
      d.message = "The forecast peak needs fewer instances";
    }
  }
  return d;
}

// The largest need of a stabilisation window, in amortised O(1) per interval: a
// monotonic deque (Lemire 2006, "Streaming maximum-minimum filter using no more than
// three comparisons per element"). Needs decrease from oldest to newest; a need
// followed by one at least as large can never be the window's largest again, so it
// is dropped, and the oldest leaves when it falls out of the window. The items live
// in the state's shared array (see PredictiveState), `capacity` of them from `base`.
// A deque holds only the window's staircase of falling needs, a handful on most
// loads, so the state starts with few slots and grows them when one fills.
struct WindowMax {
  int head = 0;  // slot of the oldest item
  int size = 0;

  static int Wrap(int i, int capacity) { return i >= capacity ? i - capacity : i; }
  const Need& At(const Need* base, int capacity, int i) const {
    return base[Wrap(head + i, capacity)];
  }
  // Drops the items `need` makes redundant: step one of a push.
  void DropBelow(const Need* base, int capacity, int need) {
    while (size > 0 && At(base, capacity, size - 1).instances <= need) --size;
  }
  // Adds `need` at `now` after DropBelow; returns the largest need of (now - window,
  // now], or `need` itself when the window is empty.
  int Push(Need* base, int capacity, TimePoint now, int need, Duration window) {
    if (size == capacity) PopFront(capacity);  // only if time stood still: keep going
    base[Wrap(head + size, capacity)] = Need{now, need};
    ++size;
    while (size > 1 && now - At(base, capacity, 0).time >= window) PopFront(capacity);
    return At(base, capacity, 0).instances;
  }
  void PopFront(int capacity) {
    head = Wrap(head + 1, capacity);
    --size;
  }
};

// A candidate's memory. Plain data, its rings in the state's two shared arrays rather
// than in vectors of their own: a state copies (a restore, a test) in three blocks.
struct Candidate {
  CandidateSpec spec;
  double headroom = 1;
  double cost = 0;    // exponentially weighted sums: instances held,
  double shorts = 0;  // intervals short
  int newest = 0;     // slot of the newest decision in its shadow ring
  WindowMax needs;    // recent needs, for scale-in stabilisation
  Sizing sizing;      // of the interval just decided (not saved)
};

// The candidates for a forecast of `members` members: candidate 0, then every member
// with either form of headroom on its point forecast, with and without a long
// stabilisation window.
std::vector<CandidateSpec> Specs(const PredictiveConfig& c, int members) {
  std::vector<CandidateSpec> specs = {
      {0, true, Form::kMultiplicative, c.scale_in_stabilization}};
  if (!c.candidates) return specs;
  const Duration long_window(PredictivePolicy::kLongStabilizationS);
  for (int m = 0; m < members; ++m) {
    for (Form form : {Form::kMultiplicative, Form::kAdditive}) {
      specs.push_back({m, false, form, Duration(0)});
      // A window shorter than a step holds nothing back: the same candidate again.
      if (long_window >= c.interval) specs.push_back({m, false, form, long_window});
    }
  }
  return specs;
}

// More decisions than any run makes: a garbled count cannot overflow.
constexpr std::int64_t kMaxSteps = std::int64_t{1} << 53;

int WindowSize(Duration stabilization, Duration interval) {
  return static_cast<int>(std::ceil(stabilization / interval)) + 2;
}

// Stabilisation slots a candidate starts with.
constexpr int kFirstWindowSlots = 8;

struct PredictiveState : StateBase<PredictiveState> {
  explicit PredictiveState(const PredictiveConfig& c)
      : config(c), window(WindowSize(std::max(c.scale_in_stabilization,
                                              Duration(PredictivePolicy::kLongStabilizationS)),
                                     c.interval)) {}
  PredictiveConfig config;            // how the candidates are made
  int window;                         // stabilisation slots a candidate may need at most
  int slots = 0;                      // stabilisation slots per candidate now, <= window
  std::vector<Candidate> candidates;  // empty until the first decision
  // Candidate i's last H decisions (its shadow group's sizes) are shadows[i H ..
  // i H + H), a ring; its stabilisation window is windows[i S .. i S + S), S = slots.
  std::vector<int> shadows;
  std::vector<Need> windows;
  int members = 0;                    // of the forecast the candidates were made for
  int current = 0;                    // the candidate the group follows
  std::int64_t steps = 0;             // decisions made
  double weight = 0;                  // sum of the exponential weights so far
  double load_sum = 0;                // exponentially weighted sum of the load,
  double load_weight = 0;             // and of its weights
  std::int64_t switches = 0;

  int horizon() const { return config.horizon_steps; }
  int* Shadow(std::size_t i) { return &shadows[i * horizon()]; }
  const int* Shadow(std::size_t i) const { return &shadows[i * horizon()]; }
  Need* Window(std::size_t i) { return &windows[i * slots]; }
  const Need* Window(std::size_t i) const { return &windows[i * slots]; }

  // Candidate i's stabilisation floor after `need` at `now` (WindowMax::Push), with
  // every candidate's slots doubled first when i's are full and more may be needed.
  int PushNeed(std::size_t i, TimePoint now, int need, Duration stabilization) {
    WindowMax& q = candidates[i].needs;
    q.DropBelow(Window(i), slots, need);
    if (q.size == slots && slots < window) Grow(std::min(window, 2 * slots));
    return q.Push(Window(i), slots, now, need, stabilization);
  }

  // Moves every candidate's window to `n` slots, oldest item first.
  void Grow(int n) {
    std::vector<Need> next(candidates.size() * static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      WindowMax& q = candidates[i].needs;
      for (int k = 0; k < q.size; ++k) next[i * n + k] = q.At(Window(i), slots, k);
      q.head = 0;
    }
    windows = std::move(next);
    slots = n;
  }

  // Makes the candidates for a forecast of `m` members, every shadow the group's
  // size `current`.
  void Start(int m, int current_size) {
    *this = PredictiveState(config);
    members = m;
    for (const CandidateSpec& spec : Specs(config, m)) {
      Candidate c;
      c.spec = spec;
      c.headroom = config.initial_headroom;
      candidates.push_back(c);
    }
    shadows.assign(candidates.size() * horizon(), current_size);
    slots = std::min(window, kFirstWindowSlots);
    windows.assign(candidates.size() * slots, Need{});
  }

  void Save(StateWriter& w) const override {
    w.Int(3);  // format
    w.Int(members);
    w.Int(static_cast<std::int64_t>(candidates.size()));
    w.Int(current);
    w.Int(steps);
    w.Double(weight);
    w.Double(load_sum);
    w.Double(load_weight);
    w.Int(switches);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const Candidate& c = candidates[i];
      w.Int(c.spec.member);
      w.Bool(c.spec.upper);
      w.Int(static_cast<std::int64_t>(c.spec.form));
      w.Double(c.spec.stabilization.count());
      w.Double(c.headroom);
      w.Double(c.cost);
      w.Double(c.shorts);
      // The shadow oldest first, then the window's needs oldest first.
      for (int k = 1; k <= horizon(); ++k) w.Int(Shadow(i)[(c.newest + k) % horizon()]);
      w.Int(c.needs.size);
      for (int k = 0; k < c.needs.size; ++k) {
        const Need& n = c.needs.At(Window(i), slots, k);
        w.Time(n.time);
        w.Int(n.instances);
      }
    }
  }

  Status Load(StateReader& r) override {
    if (Status s = r.ReadVersion(3); !s.ok()) return s;
    const std::int64_t m = r.Int();
    const std::int64_t n = r.Int();
    const std::int64_t cur = r.Int();
    const std::int64_t done = r.Int();
    const double wt = r.Double();
    const double ls = r.Double();
    const double lw = r.Double();
    const std::int64_t sw = r.Int();
    if (!r.ok()) return r.Finish();
    if (n == 0) return r.Finish();  // saved before the first decision
    if (m < 1 || m > 64) return Status::Error("saved state: bad member count");
    PredictiveState loaded(config);
    loaded.Start(static_cast<int>(m), 0);
    if (static_cast<std::size_t>(n) != loaded.candidates.size() || cur < 0 || cur >= n) {
      return Status::Error("saved state is for other candidates");
    }
    for (std::size_t i = 0; i < loaded.candidates.size() && r.ok(); ++i) {
      Candidate& c = loaded.candidates[i];
      const std::int64_t member = r.Int();
      const bool upper = r.Bool();
      const std::int64_t form = r.Int();
      const double stab_s = r.Double();
      if (r.ok() && (member != c.spec.member || upper != c.spec.upper ||
                     form != static_cast<std::int64_t>(c.spec.form) ||
                     stab_s != c.spec.stabilization.count())) {
        return Status::Error("saved state is for other candidates");
      }
      c.headroom = r.Double();
      c.cost = r.Double();
      c.shorts = r.Double();
      for (int k = 0; k < horizon(); ++k) {
        const std::int64_t v = r.Int();
        if (r.ok() && (v < 0 || v > std::numeric_limits<int>::max())) {
          r.Fail("a shadow group size out of range");
        }
        loaded.Shadow(i)[k] = static_cast<int>(v);
      }
      c.newest = horizon() - 1;
      const std::int64_t kept = r.Int();
      if (r.ok() && (kept < 0 || kept > window)) r.Fail("stabilisation window does not fit");
      for (std::int64_t k = 0; r.ok() && k < kept; ++k) {
        const TimePoint t = r.Time();
        const auto need = static_cast<int>(r.Int());
        // Saved in order, each need smaller than the one before: pushing them back
        // keeps them all.
        if (c.needs.size > 0) {
          const Need& last = c.needs.At(loaded.Window(i), loaded.slots, c.needs.size - 1);
          if (need >= last.instances || t < last.time) r.Fail("stabilisation window out of order");
        }
        loaded.PushNeed(i, t, need, Duration(std::numeric_limits<double>::infinity()));
      }
      if (r.ok() && (!(c.headroom > 0) || !std::isfinite(c.headroom) || !(c.cost >= 0) ||
                     !(c.shorts >= 0))) {
        r.Fail("candidate figures out of range");
      }
    }
    if (r.ok() && (done < 0 || done > kMaxSteps || !(wt >= 0) || !std::isfinite(ls) ||
                   !(lw >= 0) || sw < 0)) {
      r.Fail("figures out of range");
    }
    if (Status s = r.Finish(); !s.ok()) return s;
    loaded.current = static_cast<int>(cur);
    loaded.steps = done;
    loaded.weight = wt;
    loaded.load_sum = ls;
    loaded.load_weight = lw;
    loaded.switches = sw;
    *this = std::move(loaded);
    return Status::Ok();
  }
};

// The forecast a candidate sizes on: its member, or the forecast itself when it has
// no members. Null while it is not ready.
const ForecastResult* MemberForecast(const ForecastResult* f, int member) {
  if (f == nullptr) return nullptr;
  const ForecastResult* m = f->members.empty() ? f : &f->members[member];
  return m->ready ? m : nullptr;
}

// Weight an old interval keeps per new one in the candidates' running figures.
const double kKeep = std::exp2(-1.0 / PredictivePolicy::kSelectionHalflife);

}  // namespace

PredictivePolicy::PredictivePolicy(PredictiveConfig config) : config_(config) {
  // The headroom's log moves by gamma (short - alpha): a factor of exp(gamma (1 -
  // alpha)) after a short interval, exp(-gamma alpha) after one that was not.
  const double alpha = config_.slo_underprovision_pct / 100 * kAimFraction;
  grow_ = std::exp(config_.adapt_rate * (1 - alpha));
  shrink_ = std::exp(-config_.adapt_rate * alpha);
}

Result<std::unique_ptr<Policy>> PredictivePolicy::Create(const Params& p,
                                                         const PolicyContext& ctx) {
  if (Status s = p.CheckKnown({"target_utilization", "slo_underprovision_pct", "quantile",
                               "adapt_rate", "initial_headroom", "min_headroom", "max_headroom",
                               "scale_in_stabilization_s", "candidates"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  PredictiveConfig c;
  c.target_utilization = r.NumberIn("target_utilization", c.target_utilization, 0.01, 1.0);
  c.slo_underprovision_pct =
      r.NumberIn("slo_underprovision_pct", c.slo_underprovision_pct, 0.001, 50);
  c.quantile = r.NumberIn("quantile", c.quantile, 0.5, 0.999);
  c.adapt_rate = r.NumberIn("adapt_rate", c.adapt_rate, 0, 1);
  c.initial_headroom = r.NumberIn("initial_headroom", c.initial_headroom, 0.1, 1000);
  c.min_headroom = r.NumberIn("min_headroom", c.min_headroom, 0.1, 1000);
  c.max_headroom = r.NumberIn("max_headroom", c.max_headroom, 0.1, 1000);
  r.Require(c.min_headroom <= c.initial_headroom && c.initial_headroom <= c.max_headroom,
            "initial_headroom", "must be between min_headroom and max_headroom");
  c.scale_in_stabilization = Duration(r.NumberIn("scale_in_stabilization_s", 300, 0, 86400));
  const std::string candidates = r.Text("candidates", "all");
  r.Require(candidates == "all" || candidates == "default", "candidates",
            "must be 'all' (choose among every candidate) or 'default' (candidate 0 only)");
  if (!r.status().ok()) return r.status();
  c.candidates = candidates == "all";
  c.interval = ctx.interval;
  c.horizon_steps = CeilCount(ctx.boot_delay / ctx.interval) + 1;
  return std::unique_ptr<Policy>(new PredictivePolicy(c));
}

PolicyNeeds PredictivePolicy::Needs() const {
  PolicyNeeds n;
  n.forecast_signal = Signal::kLoad;
  n.default_forecaster = "auto";
  n.horizon_steps = config_.horizon_steps;
  n.quantile = config_.quantile;
  // Every candidate's shadow follows its own decisions and the load, not the group's
  // actions: an interval in a cooldown still teaches it (PredictiveState).
  n.roll_back_untaken = false;
  return n;
}

std::unique_ptr<PolicyState> PredictivePolicy::NewState() const {
  return std::make_unique<PredictiveState>(config_);
}

Decision PredictivePolicy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<PredictiveState&>(state);
  const int current = in.capacity.desired;
  const Observation& obs = *in.observation;
  if (!Usable(obs.load_per_s) || in.capacity_per_instance <= 0) {
    // The shadows keep their size: nothing is learnt from an interval not seen.
    const int h = st.horizon();
    for (std::size_t i = 0; i < st.candidates.size(); ++i) {
      Candidate& c = st.candidates[i];
      const int size = st.Shadow(i)[c.newest];
      c.newest = c.newest + 1 == h ? 0 : c.newest + 1;
      st.Shadow(i)[c.newest] = size;
    }
    return Hold(in, Reason::kMissingData, "Load metric missing - holding, never scaling in");
  }
  const double load = *Usable(obs.load_per_s);
  const double per_instance = in.capacity_per_instance * config_.target_utilization;
  const double per_instance_inverse = 1 / per_instance;

  // 0. The candidates, made once the forecast shows how many members it has.
  const int members =
      in.forecast != nullptr && !in.forecast->members.empty()
          ? static_cast<int>(in.forecast->members.size())
          : 1;
  if (st.candidates.empty() || st.members != members) st.Start(members, current);
  // The first kBurnInSteps only learn: every candidate's headroom settles from its
  // start before any is judged, so that none is chosen for how its start went.
  const bool judged = ++st.steps > kBurnInSteps;
  if (judged) st.weight = kKeep * st.weight + 1;
  st.load_weight = kKeep * st.load_weight + 1;
  st.load_sum = kKeep * st.load_sum + load;
  const double mean_load = st.load_sum / st.load_weight;

  const int reactive = InstancesFor(load, per_instance, 1.0);
  auto is_short = [&](int ready) { return load > ready * in.capacity_per_instance * (1 + 1e-9); };
  const bool group_short = is_short(in.capacity.ready);
  const int h = st.horizon();
  int member = -1;                    // whose forecast f is,
  const ForecastResult* f = nullptr;  // null while it is not ready,
  double point_peak = load;           // and the peak of its point forecast
  for (std::size_t i = 0; i < st.candidates.size(); ++i) {
    Candidate& c = st.candidates[i];
    // 1. The interval just served, on the candidate's own decisions: ready are the
    //    least of its last H sizes (order does not matter for a least). The candidate
    //    the group follows also learns from the group itself, which may fall short
    //    where the model of it did not (a boot slower than configured).
    int* shadow = st.Shadow(i);
    const int ready = *std::min_element(shadow, shadow + h);
    const int total = shadow[c.newest];
    const bool shadow_short = is_short(ready);
    if (judged) {
      c.cost = kKeep * c.cost + total;
      c.shorts = kKeep * c.shorts + (shadow_short ? 1.0 : 0.0);
    }
    const bool learn_short =
        shadow_short || (static_cast<int>(i) == st.current && group_short);
    c.headroom = std::clamp(c.headroom * (learn_short ? grow_ : shrink_), config_.min_headroom,
                            config_.max_headroom);
    const double headroom = c.headroom;

    // 2-3. Predictive need over the horizon, with the reactive floor under it. The
    //      candidates of a member are neighbours: its peak is found once for them.
    if (c.spec.member != member) {
      member = c.spec.member;
      f = MemberForecast(in.forecast, member);
      point_peak = f != nullptr ? std::max(0.0, f->PeakPoint()) : load;
    }
    const double peak = f != nullptr && c.spec.upper ? std::max(0.0, f->PeakUpper()) : point_peak;
    const double sized = c.spec.form == Form::kMultiplicative
                             ? peak * headroom
                             : std::max(0.0, peak + (headroom - 1) * mean_load);
    Sizing& z = c.sizing;
    // Times the reciprocal, not a division per candidate: CeilCount's tolerance is far
    // wider than the last bit the two may differ in.
    z.recommendation = sized * per_instance_inverse;
    const int predictive = std::max(1, CeilCount(z.recommendation));
    z.need = std::max(predictive, reactive);
    z.model = f != nullptr ? f->model : std::string_view();
    z.sizing = SizingName(c.spec);
    z.reason = f == nullptr ? Reason::kWarmingUp
                            : (reactive > predictive ? Reason::kReactiveFloor : Reason::kForecast);

    // 4. Tolerance: a need a little above the candidate's size, with the load now
    //    served, is the size it has, and the window records that (as HPA's does).
    //    Only on a point forecast: candidate 0's upper quantile has none.
    const double tolerance = c.spec.upper ? 0.0 : kScaleUpTolerance;
    z.tolerated = z.need > total && z.need <= total * (1 + tolerance) && reactive <= total;
    if (z.tolerated) z.need = total;

    // 5. The stabilisation window's largest need, the floor for a scale-in.
    z.floor = st.PushNeed(i, in.now, z.need, c.spec.stabilization);
    c.newest = c.newest + 1 == h ? 0 : c.newest + 1;
    shadow[c.newest] = in.limits.Clamp(DesiredSize(z, total));
  }

  // 6. Follow the cheapest candidate within the SLO.
  const double slo = config_.slo_underprovision_pct / 100;
  // Within the SLO: a share of short intervals (shorts over the weight, > 0 here) at
  // most slo, compared without a division per candidate. The candidate followed is not
  // left on thin evidence: it is credited with kSelectionHalflife intervals at its aim
  // from before it was judged, which age like the intervals judged. After n judged
  // intervals the credit weighs kSelectionHalflife x kKeep^n, and kKeep^n is
  // 1 - weight (1 - kKeep), since weight = (1 - kKeep^n) / (1 - kKeep).
  const double allowed_shorts = slo * st.weight;
  const double credit = kSelectionHalflife * std::max(0.0, 1 - st.weight * (1 - kKeep));
  const double allowed_followed = allowed_shorts + slo * (1 - kAimFraction) * credit;
  auto within_slo = [&](std::size_t i) {
    return st.candidates[i].shorts <=
           (static_cast<int>(i) == st.current ? allowed_followed : allowed_shorts);
  };
  int next = st.current;
  if (judged && st.weight >= kMinEvidence) {
    int best = -1;
    for (std::size_t i = 0; i < st.candidates.size(); ++i) {
      const Candidate& c = st.candidates[i];
      if (within_slo(i) && (best < 0 || c.cost < st.candidates[best].cost)) {
        best = static_cast<int>(i);
      }
    }
    const Candidate& cur = st.candidates[st.current];
    if (best >= 0) {
      if (!within_slo(st.current) || st.candidates[best].cost < (1 - kSwitchMargin) * cur.cost) {
        next = best;
      }
    } else if (!within_slo(st.current)) {
      // None is within the SLO: the fewest short intervals, candidate 0 on a tie.
      next = 0;
      for (std::size_t i = 1; i < st.candidates.size(); ++i) {
        if (st.candidates[i].shorts < st.candidates[next].shorts) {
          next = static_cast<int>(i);
        }
      }
    }
  }
  if (next != st.current) ++st.switches;
  st.current = next;

  // The followed candidate's sizing, applied to the group as it is.
  Decision d = Apply(st.candidates[next].sizing, current);
  RefuseUnsafeScaleIn(d, in);
  return Finish(d, current, in.limits);
}

}  // namespace prescale::policy
