// Daemon: `prescale run`. One Controller per scaling group, ticking every group's
// interval on the injected clock, with the outputs, the durable state and the status
// the HTTP server shows (STYLE.md: the same controller as `simulate`).
//
//   - a tick that runs longer than its interval logs a warning (seed 2);
//   - missing metrics hold (the controller never scales in on them), are logged
//     and counted;
//   - a failed action is retried with back-off, the policy state unchanged;
//   - Stop(): the tick in progress finishes, files are flushed and the state saved;
//   - Reload(): a new config replaces the old only if it is valid; groups that keep
//     their name keep their state.
//
// Groups tick on a worker pool (when `workers` > 0), so one slow group does not hold
// up the others; a group whose previous tick is still running skips a tick, with a
// warning. With 0 workers ticks run inline, in order (tests use that).
//
// Thread safety: Run/TickDue/Reload/Shutdown from one thread; the StatusProvider
// methods from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/daemon_config.h"
#include "controller/controller.h"
#include "daemon/log.h"
#include "daemon/outputs.h"
#include "daemon/state_store.h"
#include "daemon/telemetry.h"
#include "daemon/worker_pool.h"

namespace prescale {

class Daemon final : public StatusProvider {
 public:
  // Builds every group, opens the outputs and the state store, restores saved state.
  // `telemetry` may be null. `clock` and `log` must outlive the daemon.
  // `gate` (may be null) is asked before every action (high availability, see
  // prescale/actuation_gate.h) and must outlive the daemon.
  static Result<std::unique_ptr<Daemon>> Create(DaemonConfig config, Clock& clock, Logger& log,
                                                TelemetrySink* telemetry, int workers = 0,
                                                ActuationGate* gate = nullptr);
  ~Daemon() override;

  // Starts a tick for every group due at the clock's now; returns how many.
  int TickDue();
  // Blocks until no tick is running.
  void WaitIdle();
  // Whether the group's tick (and its saving and writing) is still running.
  bool TickRunning(const std::string& name) const;

  // Loops until `stop` is set or the clock reaches `until`: sleeps to the next
  // due tick (waking every 100 ms to look at the flags), ticks, and on `reload`
  // calls `load_config` and Reload()s, keeping the old config if that fails. On a
  // SimulatedClock (`run --clock simulated`), which jumps at once, the ticks in
  // flight finish before the clock moves on, so time runs as fast as the groups
  // can tick.
  void Run(const std::atomic<bool>& stop, std::atomic<bool>& reload,
           const std::function<Result<DaemonConfig>()>& load_config,
           std::optional<TimePoint> until);

  Status Reload(DaemonConfig config);
  // Saves the state and flushes the files. Called by Run() on the way out.
  void Shutdown();

  const DaemonConfig& config() const { return config_; }

  // StatusProvider.
  std::vector<GroupSnapshot> Groups() const override;
  std::optional<GroupSnapshot> Group(const std::string& name) const override;
  std::optional<std::vector<HistoryPoint>> History(const std::string& name,
                                                   TimePoint since) const override;
  bool Healthy(TimePoint now, std::string* why) const override;
  // Actions and changes of reason, across groups; the last kDecisionLogSize kept.
  std::vector<DecisionRecord> Decisions(TimePoint since, std::size_t limit) const override;
  static constexpr std::size_t kDecisionLogSize = 1000;

 private:
  struct PackedPoint;
  struct Runtime;
  Daemon(DaemonConfig config, Clock& clock, Logger& log, TelemetrySink* telemetry);
  // Builds a group's runtime. A reload passes the old runtime of the same name, whose
  // source and actuator are kept when their settings did not change (a reload must
  // not forget a group's size or a source's baseline).
  Result<std::unique_ptr<Runtime>> Build(const GroupConfig& g, const Runtime* previous,
                                         TimePoint now);
  void Tick(Runtime& g, TimePoint now);
  // Saves the groups' state (the models too with `with_models`) in one transaction;
  // false on a failure, which it logs.
  bool SaveState(const std::vector<const Runtime*>& groups, TimePoint now, bool with_models);
  std::optional<TimePoint> NextDue() const;
  void ShowStatus();

  DaemonConfig config_;
  Clock& clock_;
  Logger& log_;
  TelemetrySink* telemetry_;
  ActuationGate* gate_ = nullptr;
  std::unique_ptr<Outputs> outputs_;
  std::unique_ptr<StateStore> store_;
  std::vector<std::unique_ptr<Runtime>> groups_;
  std::unique_ptr<WorkerPool> pool_;  // null: ticks run inline
  mutable std::mutex mu_;  // guards the snapshots and histories in groups_, and decisions_
  std::deque<DecisionRecord> decisions_;  // oldest first
  std::mutex store_mu_;                   // one writer to the state store at a time
  bool shut_down_ = false;
};

}  // namespace prescale
