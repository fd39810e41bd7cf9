// The daemon's view of the outside world that watches it: what the HTTP server
// shows (StatusProvider) and what it counts (TelemetrySink). The daemon implements
// StatusProvider; the server adapter implements TelemetrySink with prometheus-cpp,
// so neither the daemon nor the domain code sees HTTP or Prometheus types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "prescale/clock.h"
#include "prescale/decision.h"

namespace prescale {

// One group as it stood after its last tick.
struct GroupSnapshot {
  std::string name;
  std::string policy;        // policy type
  std::string source;        // source type
  std::string actuator;      // actuator type
  bool dry_run = false;
  Duration interval{60};
  int min = 0;
  int max = 0;
  TimePoint last_tick;       // epoch 0 = never ticked
  int current = 0;           // desired size reported by the actuator before deciding
  int ready = 0;
  int desired = 0;           // what was decided
  std::optional<double> load_per_s;
  std::optional<double> cpu_utilization;     // [0, 1]
  std::optional<double> memory_utilization;  // [0, 1]
  std::optional<double> forecast;            // next step, policy's series
  std::optional<double> forecast_upper;      // peak upper bound over the horizon
  double anomaly_score = 0;
  bool anomaly = false;
  Action action = Action::kHold;
  Reason reason = Reason::kWithinTolerance;
  std::string message;
  std::string error;         // last source or actuator error, "" if none
  // The series the forecast and the anomaly score are of: "load" (units/s) or
  // "cpu" (a utilisation in [0, 1]).
  std::string series = "load";
  std::int64_t ticks = 0;
  std::int64_t actions = 0;
  std::int64_t missing_data = 0;
  std::int64_t source_errors = 0;
  std::int64_t actuator_errors = 0;
};

// One point of a group's recent history (kept in memory, bounded).
struct HistoryPoint {
  TimePoint time;
  std::optional<double> load_per_s;
  std::optional<double> cpu_utilization;
  std::optional<double> forecast;
  std::optional<double> forecast_upper;
  int ready = 0;
  int desired = 0;
  bool anomaly = false;
  double anomaly_score = 0;
  Action action = Action::kHold;
  Reason reason = Reason::kWithinTolerance;
};

// One decision worth a line in a log: an action (or a failed one), or a hold whose
// reason differs from the group's previous decision.
struct DecisionRecord {
  TimePoint time;
  std::string group;
  int current = 0;  // the desired size before the decision
  int ready = 0;
  int desired = 0;
  Action action = Action::kHold;
  Reason reason = Reason::kWithinTolerance;
  std::string message;
  bool applied = false;  // the actuator resized the group (false in dry run)
  std::optional<double> load_per_s;
  std::optional<double> cpu_utilization;
  std::optional<double> forecast;
  std::optional<double> forecast_upper;
  bool anomaly = false;
  std::string error;  // the actuator's, "" if none
};

// Thread-safe: the HTTP server calls these from its own threads.
class StatusProvider {
 public:
  virtual ~StatusProvider() = default;
  virtual std::vector<GroupSnapshot> Groups() const = 0;
  virtual std::optional<GroupSnapshot> Group(const std::string& name) const = 0;
  // Points with time > since, oldest first; nullopt if no such group.
  virtual std::optional<std::vector<HistoryPoint>> History(const std::string& name,
                                                          TimePoint since) const = 0;
  // Healthy unless a group has not ticked for 3 of its intervals (`why` says which).
  virtual bool Healthy(TimePoint now, std::string* why) const = 0;
  // The most recent decisions with time > since, newest first, at most `limit`. A
  // provider that keeps no decision log has none.
  virtual std::vector<DecisionRecord> Decisions(TimePoint since, std::size_t limit) const {
    (void)since, (void)limit;
    return {};
  }
};

// Thread-safe: the daemon calls these from its tick loop.
class TelemetrySink {
 public:
  virtual ~TelemetrySink() = default;
  virtual void OnTick(const GroupSnapshot& after, Duration tick_duration) = 0;
  virtual void OnSourceError(const std::string& group) = 0;
  virtual void OnActuatorError(const std::string& group) = 0;
};

}  // namespace prescale
