// PrometheusTelemetry: the daemon's TelemetrySink, kept as prometheus-cpp metrics and
// served as the text exposition format by the HTTP server's /metrics.
//
// Metrics (every one labelled by group):
//   prescale_group_desired            gauge     the size decided at the last tick
//   prescale_group_current            gauge     the size the actuator reported before it
//   prescale_group_ready              gauge     ready instances
//   prescale_group_forecast           gauge     peak upper forecast over the horizon
//   prescale_group_cpu_utilization    gauge     [0, 1]
//   prescale_group_load_per_second    gauge     load in units/s
//   prescale_group_anomaly_score      gauge     the detector's score
//   prescale_decisions_total          counter   one per tick, also by reason and action
//   prescale_tick_duration_seconds    histogram how long a tick took, 100 us .. 10 s
//   prescale_source_errors_total      counter
//   prescale_actuator_errors_total    counter
//
// Missing data: a gauge whose value was missing at the last tick (an empty optional
// in the snapshot) is set to NaN rather than left at its previous value, so a graph
// shows a gap instead of a stale number.
// (prometheus-cpp 1.0.1 spells it "Nan"; Prometheus parses it case-insensitively.) A group's error
// counters exist at 0 from its first tick on, so that rate() sees the first error.
//
// Thread-safe: the daemon's tick loop reports while the server's threads serialize.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "daemon/telemetry.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace prescale {

class PrometheusTelemetry final : public TelemetrySink {
 public:
  PrometheusTelemetry();
  ~PrometheusTelemetry() override;
  PrometheusTelemetry(const PrometheusTelemetry&) = delete;
  PrometheusTelemetry& operator=(const PrometheusTelemetry&) = delete;

  void OnTick(const GroupSnapshot& after, Duration tick_duration) override;
  void OnSourceError(const std::string& group) override;
  void OnActuatorError(const std::string& group) override;

  // The Prometheus text exposition format (version 0.0.4) of every metric in the
  // registry, the ones others added included.
  std::string Serialize() const;

  // For other components to add their own metrics (say, /predict latencies) to the
  // same exposition. Lives as long as this object.
  prometheus::Registry& registry() { return *registry_; }

 private:
  // A group's series, found once: Family::Add builds a label map and hashes it on
  // every call, a dozen times a tick.
  struct GroupSeries;
  GroupSeries& Series(const std::string& group);  // REQUIRES: mu_ held

  std::unique_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& desired_;
  prometheus::Family<prometheus::Gauge>& current_;
  prometheus::Family<prometheus::Gauge>& ready_;
  prometheus::Family<prometheus::Gauge>& forecast_;
  prometheus::Family<prometheus::Gauge>& cpu_utilization_;
  prometheus::Family<prometheus::Gauge>& load_per_second_;
  prometheus::Family<prometheus::Gauge>& anomaly_score_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Histogram>& tick_duration_;
  prometheus::Family<prometheus::Counter>& source_errors_;
  prometheus::Family<prometheus::Counter>& actuator_errors_;
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<GroupSeries>> series_;
};

}  // namespace prescale
