#include "daemon/daemon.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>

#include "actuators/dry_run.h"
#include "prescale/actuator.h"
#include "prescale/metric_source.h"

namespace prescale {

// A HistoryPoint in 64 bytes instead of 104 (a missing value is NaN, not an optional;
// the enums in a byte each): 2,000 points for each of a hundred groups are 12.8 MB.
struct Daemon::PackedPoint {
  explicit PackedPoint(const HistoryPoint& p)
      : time(p.time),
        load_per_s(p.load_per_s.value_or(NAN)),
        cpu_utilization(p.cpu_utilization.value_or(NAN)),
        forecast(p.forecast.value_or(NAN)),
        forecast_upper(p.forecast_upper.value_or(NAN)),
        anomaly_score(p.anomaly_score),
        ready(p.ready),
        desired(p.desired),
        anomaly(p.anomaly),
        action(static_cast<std::uint8_t>(p.action)),
        reason(static_cast<std::uint8_t>(p.reason)) {}

  HistoryPoint Unpack() const {
    auto known = [](double v) { return std::isnan(v) ? std::nullopt : std::optional<double>(v); };
    return HistoryPoint{time,
                        known(load_per_s),
                        known(cpu_utilization),
                        known(forecast),
                        known(forecast_upper),
                        ready,
                        desired,
                        anomaly,
                        anomaly_score,
                        static_cast<Action>(action),
                        static_cast<Reason>(reason)};
  }

  TimePoint time;
  double load_per_s, cpu_utilization, forecast, forecast_upper, anomaly_score;
  int ready, desired;
  bool anomaly;
  std::uint8_t action, reason;
};

struct Daemon::Runtime {
  GroupConfig config;
  GroupInfo info;
  // Shared so that a reload can hand them to the group's new runtime while the old
  // one stays whole until the new config has been built.
  std::shared_ptr<MetricSource> source;
  std::shared_ptr<Actuator> actuator;
  std::unique_ptr<Controller> controller;
  TimePoint next_tick;
  std::atomic<bool> in_flight{false};  // a tick is running on the pool
  // When the models were last saved (touched only by the group's tick, or after
  // every tick has finished); unset: never, so the first save is whole.
  std::optional<TimePoint> models_saved_at;
  // Guarded by Daemon::mu_.
  GroupSnapshot snapshot;
  std::deque<PackedPoint> history;
};

Daemon::Daemon(DaemonConfig config, Clock& clock, Logger& log, TelemetrySink* telemetry)
    : config_(std::move(config)), clock_(clock), log_(log), telemetry_(telemetry) {}

Daemon::~Daemon() { Shutdown(); }

Result<std::unique_ptr<Daemon>> Daemon::Create(DaemonConfig config, Clock& clock, Logger& log,
                                               TelemetrySink* telemetry, int workers,
                                               ActuationGate* gate) {
  if (Status s = ValidateDaemonConfig(config); !s.ok()) return s;
  std::unique_ptr<Daemon> d(new Daemon(std::move(config), clock, log, telemetry));
  d->gate_ = gate;
  if (workers > 0) d->pool_ = std::make_unique<WorkerPool>(workers);
  auto outputs = Outputs::Open(d->config_.global.outputs);
  if (!outputs.ok()) return outputs.status();
  d->outputs_ = std::move(outputs.value());
  auto store = StateStore::Open(d->config_.global.outputs.state_db);
  if (!store.ok()) return store.status();
  d->store_ = std::move(store.value());
  TimePoint now = clock.Now();
  for (const GroupConfig& g : d->config_.groups) {
    auto rt = d->Build(g, nullptr, now);
    if (!rt.ok()) return rt.status();
    d->groups_.push_back(std::move(rt.value()));
  }
  return d;
}

namespace {

bool SamePlugin(const PluginSpec& a, const PluginSpec& b) {
  return a.type == b.type && a.params.SameSettings(b.params);
}

}  // namespace

Result<std::unique_ptr<Daemon::Runtime>> Daemon::Build(const GroupConfig& g,
                                                       const Runtime* previous, TimePoint now) {
  auto rt = std::make_unique<Runtime>();
  rt->config = g;
  const std::string where = "group '" + g.spec.name + "'";
  const GroupConfig* old = previous ? &previous->config : nullptr;
  if (old && SamePlugin(old->source, g.source) && old->aggregation == g.aggregation &&
      old->spec.interval == g.spec.interval) {
    rt->source = previous->source;
  } else {
    auto source =
        Sources().Create(g.source.type, g.source.params,
                         SourceContext{g.spec.name, g.spec.interval, g.aggregation, &clock_});
    if (!source.ok()) return source.status().WithContext(where);
    rt->source = std::move(source.value());
  }
  if (old && SamePlugin(old->actuator, g.actuator) && old->dry_run == g.dry_run &&
      old->spec.interval == g.spec.interval && old->spec.boot_delay == g.spec.boot_delay &&
      old->initial == g.initial) {
    rt->actuator = previous->actuator;
  } else {
    ActuatorContext actx{g.spec.name, g.spec.interval, g.spec.boot_delay, g.initial, now, &clock_};
    auto actuator = Actuators().Create(g.actuator.type, g.actuator.params, actx);
    if (!actuator.ok()) return actuator.status().WithContext(where);
    std::unique_ptr<Actuator> made = std::move(actuator.value());
    if (g.dry_run) made = MakeDryRun(std::move(made));
    rt->actuator = std::move(made);
  }
  auto parts = Controller::BuildParts(g.spec, g.policy, g.forecaster, g.detector);
  if (!parts.ok()) return parts.status();
  std::string forecaster_type = parts->forecaster ? std::string(parts->forecaster->name()) : "";
  std::string detector_type = parts->detector ? std::string(parts->detector->name()) : "";
  rt->controller = std::make_unique<Controller>(g.spec, *rt->source, *rt->actuator,
                                                std::move(parts.value()), nullptr);
  rt->controller->set_gate(gate_);
  rt->info = GroupInfo{g.spec.name,     g.policy.type, detector_type, g.source.type,
                       g.actuator.type, g.dry_run,     g.spec.limits};

  // Restore: the state carried over a reload (same policy), else what the store
  // has, each part only if the same plugin type wrote it.
  std::optional<SavedState> saved;
  std::optional<TimePoint> models_saved_at;  // of a stored forecaster or detector
  if (previous && old->policy.type == g.policy.type) {
    saved = previous->controller->SaveState();
  } else if (auto stored = store_->Load(g.spec.name); !stored.ok()) {
    log_.Warn(g.spec.name, stored.status().message());
  } else if (stored->has_value()) {
    const StoredGroup& sg = **stored;
    saved = sg.state;
    if (sg.policy_type != g.policy.type) saved->policy.clear(), saved->controller.clear();
    if (sg.forecaster_type != forecaster_type) saved->forecaster.clear();
    if (sg.detector_type != detector_type) saved->detector.clear();
    if (!saved->forecaster.empty() || !saved->detector.empty()) {
      models_saved_at = sg.models_saved_at;
    }
  }
  if (saved) {
    Status s = rt->controller->LoadState(*saved);
    log_.Info(g.spec.name, s.ok() ? "Restored saved state (cooldowns, windows, model)"
                                  : "Saved state partly unusable, " + s.message());
    // The models last saw the tick at models_saved_at; this tick stands for the grid
    // point nearest now, and the intervals in between are missing values to them.
    if (models_saved_at && *models_saved_at < now) {
      const double steps = (now - *models_saved_at) / g.spec.interval;
      const auto gap = static_cast<std::int64_t>(std::min(std::round(steps), 1e12)) - 1;
      if (gap > 0) {
        const std::int64_t fed = rt->controller->SkipIntervals(gap);
        log_.Info(g.spec.name, fmt::format("The models were saved {} interval(s) ago: {} fed "
                                           "to them as missing values, so seasons keep phase",
                                           gap + 1, fed));
      }
    }
  }
  rt->next_tick = now;
  rt->snapshot.name = g.spec.name;
  rt->snapshot.policy = g.policy.type;
  rt->snapshot.source = g.source.type;
  rt->snapshot.actuator = g.actuator.type;
  rt->snapshot.dry_run = g.dry_run;
  rt->snapshot.interval = g.spec.interval;
  rt->snapshot.min = g.spec.limits.min;
  rt->snapshot.max = g.spec.limits.max;
  return rt;
}

void Daemon::Tick(Runtime& g, TimePoint now) {
  const StepRecord& s = g.controller->Step(now);
  outputs_->Write(g.info, s, log_);
  const Duration took = clock_.Now() - now;
  if (took > g.config.spec.interval) {
    log_.Warn(g.info.name, fmt::format("Collection took {:.1f}s, longer than interval {:.1f}s",
                                       took.count(), g.config.spec.interval.count()));
  }

  const Observation& o = *s.observation;
  const ControllerStats& st = g.controller->stats();
  std::lock_guard lock(mu_);
  GroupSnapshot& snap = g.snapshot;
  // The log shows what changed: every action (or failed one), and a hold whose
  // reason is new (entering a cooldown, reaching the maximum).
  if (s.decision.action != Action::kHold || !s.error.ok() || snap.ticks == 0 ||
      s.decision.reason != snap.reason) {
    decisions_.push_back(DecisionRecord{
        now, g.info.name, s.before.desired, s.before.ready, s.decision.desired, s.decision.action,
        s.decision.reason, std::string(s.decision.message), s.acted && !g.info.dry_run,
        o.load_per_s, o.cpu_utilization, s.NextForecast(), s.PeakForecast(), s.anomaly.anomaly,
        s.error.ok() ? "" : s.error.message()});
    if (decisions_.size() > kDecisionLogSize) decisions_.pop_front();
  }
  snap.last_tick = now;
  snap.current = s.before.desired;
  snap.ready = s.before.ready;
  snap.desired = s.decision.desired;
  snap.load_per_s = o.load_per_s;
  snap.cpu_utilization = o.cpu_utilization;
  snap.memory_utilization = o.memory_utilization;
  snap.forecast = s.NextForecast();
  snap.forecast_upper = s.PeakForecast();
  snap.anomaly = s.anomaly.anomaly;
  snap.anomaly_score = s.anomaly.score;
  snap.action = s.decision.action;
  snap.reason = s.decision.reason;
  snap.message = std::string(s.decision.message);
  snap.error = !s.error.ok() ? s.error.message() : o.error;
  snap.series = s.series == Signal::kCpu ? "cpu" : "load";
  snap.ticks = st.steps;
  snap.actions = st.actions;
  snap.missing_data = st.missing_data;
  snap.source_errors = st.source_errors;
  snap.actuator_errors = st.actuator_errors;
  g.history.emplace_back(HistoryPoint{now, o.load_per_s, o.cpu_utilization, snap.forecast,
                                      snap.forecast_upper, s.before.ready, s.decision.desired,
                                      s.anomaly.anomaly, s.anomaly.score, s.decision.action,
                                      s.decision.reason});
  while (g.history.size() > static_cast<std::size_t>(config_.global.history_points)) {
    g.history.pop_front();
  }
  if (telemetry_) {
    telemetry_->OnTick(snap, took);
    if (!o.error.empty()) telemetry_->OnSourceError(snap.name);
    if (!s.error.ok()) telemetry_->OnActuatorError(snap.name);
  }
}

int Daemon::TickDue() {
  const TimePoint now = clock_.Now();
  int started = 0;
  for (auto& g : groups_) {
    // A wall clock stepped back by more than an interval must not stall the group
    // (intervals are measured on the wall clock, see clock.h).
    if (g->next_tick - now > g->config.spec.interval) g->next_tick = now;
    if (g->next_tick > now) continue;
    // Keep to the grid; after a long stall, skip the missed ticks rather than burst.
    g->next_tick += g->config.spec.interval;
    if (g->next_tick <= now) g->next_tick = now + g->config.spec.interval;
    if (g->in_flight.exchange(true)) {
      log_.Warn(g->info.name, "Previous tick still running - skipping this one");
      continue;
    }
    Runtime* rt = g.get();
    auto job = [this, rt, now] {
      Tick(*rt, now);
      // State first, then the files that report it: a decisions line never claims
      // an action that the saved state does not know. The decision state is saved
      // every tick; the models, which are most of the bytes, every model_save.
      const bool models =
          !rt->models_saved_at || now - *rt->models_saved_at >= config_.global.model_save;
      if (SaveState({rt}, now, models) && models) rt->models_saved_at = now;
      outputs_->Flush(rt->info.name);
      log_.Flush();
      rt->in_flight.store(false);
    };
    if (pool_) {
      pool_->Submit(job);
    } else {
      job();
    }
    ++started;
  }
  if (started > 0) ShowStatus();
  return started;
}

void Daemon::WaitIdle() {
  if (pool_) pool_->WaitIdle();
}

bool Daemon::TickRunning(const std::string& name) const {
  for (const auto& g : groups_) {
    if (g->info.name == name) return g->in_flight.load();
  }
  return false;
}

bool Daemon::SaveState(const std::vector<const Runtime*>& groups, TimePoint now, bool with_models) {
  std::vector<StoredGroup> rows;
  rows.reserve(groups.size());
  for (const Runtime* g : groups) {
    const Controller& c = *g->controller;
    rows.push_back(StoredGroup{g->info.name, g->config.policy.type,
                               c.forecaster() ? std::string(c.forecaster()->name()) : "",
                               g->info.detector, c.SaveState(with_models), with_models,
                               std::nullopt});
  }
  std::lock_guard lock(store_mu_);
  if (Status s = store_->SaveAll(rows, now); !s.ok()) {
    log_.Error("", s.message());
    return false;
  }
  return true;
}

void Daemon::ShowStatus() {
  std::string line;
  std::lock_guard lock(mu_);
  for (const auto& g : groups_) {
    const GroupSnapshot& s = g->snapshot;
    if (!line.empty()) line += " | ";
    line += fmt::format("{}: {}/{} ready", s.name, s.ready, s.desired);
    if (s.load_per_s) line += fmt::format(" load {:.0f}/s", *s.load_per_s);
    if (s.cpu_utilization) line += fmt::format(" cpu {:.0f}%", *s.cpu_utilization * 100);
    line += fmt::format(" {}", ReasonName(s.reason));
  }
  log_.ShowStatusLine(line);
}

std::optional<TimePoint> Daemon::NextDue() const {
  std::optional<TimePoint> next;
  for (const auto& g : groups_) {
    if (!next || g->next_tick < *next) next = g->next_tick;
  }
  return next;
}

void Daemon::Run(const std::atomic<bool>& stop, std::atomic<bool>& reload,
                 const std::function<Result<DaemonConfig>()>& load_config,
                 std::optional<TimePoint> until) {
  log_.Info("", fmt::format("prescale running {} group(s); Ctrl-C stops", groups_.size()));
  while (!stop.load()) {
    if (reload.exchange(false)) {
      auto next = load_config();
      Status s = next.ok() ? Reload(std::move(next.value())) : next.status();
      if (s.ok()) {
        log_.Info("", "Reloaded the configuration");
      } else {
        log_.Error("", "Reload failed, keeping the running configuration: " + s.message());
      }
    }
    TimePoint now = clock_.Now();
    if (until && now >= *until) break;
    std::optional<TimePoint> due = NextDue();
    if (due && *due <= now) {
      TickDue();
      continue;
    }
    TimePoint wake = now + Duration(0.1);
    if (due && *due < wake) wake = *due;
    if (until && *until < wake) wake = *until;
    if (dynamic_cast<SimulatedClock*>(&clock_) != nullptr) WaitIdle();
    clock_.SleepUntil(wake);
  }
  Shutdown();
}

Status Daemon::Reload(DaemonConfig config) {
  if (Status s = ValidateDaemonConfig(config); !s.ok()) return s;
  WaitIdle();  // no tick may run while its group is being replaced
  TimePoint now = clock_.Now();
  std::vector<std::unique_ptr<Runtime>> next;
  for (const GroupConfig& g : config.groups) {
    const Runtime* old = nullptr;
    for (const auto& o : groups_) {
      if (o->info.name == g.spec.name) old = o.get();
    }
    auto rt = Build(g, old, now);
    if (!rt.ok()) return rt.status();
    if (old) {
      (*rt)->next_tick = old->next_tick;
      (*rt)->history = old->history;
    }
    next.push_back(std::move(rt.value()));
  }
  std::lock_guard lock(mu_);
  groups_ = std::move(next);
  config_.groups = std::move(config.groups);
  config_.global.history_points = config.global.history_points;
  config_.global.model_save = config.global.model_save;
  return Status::Ok();
}

void Daemon::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  WaitIdle();  // the ticks in progress finish
  if (outputs_) outputs_->FlushAll();
  if (store_) {
    // A group at a time: a thousand groups' models at once would double the memory.
    // Stamped with each group's last tick, the newest value its models have seen, so
    // that a restart counts the intervals they missed from there.
    const TimePoint now = clock_.Now();
    for (const auto& g : groups_) {
      SaveState({g.get()}, g->snapshot.ticks > 0 ? g->snapshot.last_tick : now, true);
    }
  }
  log_.Info("", "Stopped: files flushed, state saved");
  log_.Flush();
}

std::vector<GroupSnapshot> Daemon::Groups() const {
  std::lock_guard lock(mu_);
  std::vector<GroupSnapshot> out;
  for (const auto& g : groups_) out.push_back(g->snapshot);
  return out;
}

std::optional<GroupSnapshot> Daemon::Group(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& g : groups_) {
    if (g->info.name == name) return g->snapshot;
  }
  return std::nullopt;
}

std::optional<std::vector<HistoryPoint>> Daemon::History(const std::string& name,
                                                         TimePoint since) const {
  std::lock_guard lock(mu_);
  for (const auto& g : groups_) {
    if (g->info.name != name) continue;
    std::vector<HistoryPoint> out;
    for (const PackedPoint& p : g->history) {
      if (p.time > since) out.push_back(p.Unpack());
    }
    return out;
  }
  return std::nullopt;
}

std::vector<DecisionRecord> Daemon::Decisions(TimePoint since, std::size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<DecisionRecord> out;
  for (auto it = decisions_.rbegin(); it != decisions_.rend() && out.size() < limit; ++it) {
    // Groups tick in parallel, so the log is only nearly in time order: look at all.
    if (it->time > since) out.push_back(*it);
  }
  return out;
}

bool Daemon::Healthy(TimePoint now, std::string* why) const {
  std::lock_guard lock(mu_);
  for (const auto& g : groups_) {
    // A group that has not ticked yet counts from when it was due.
    TimePoint last = g->snapshot.ticks > 0 ? g->snapshot.last_tick : g->next_tick;
    if (now - last > g->config.spec.interval * 3.0) {
      if (why) {
        *why = fmt::format("group '{}' has not ticked for {:.1f}s (interval {:.1f}s)", g->info.name,
                           (now - last).count(), g->config.spec.interval.count());
      }
      return false;
    }
  }
  return true;
}

}  // namespace prescale
