#include "server/prometheus_telemetry.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <limits>
#include <optional>
#include <string_view>

#include "prescale/decision.h"

namespace prescale {
namespace {

prometheus::Family<prometheus::Gauge>& GroupGauge(prometheus::Registry& r, const char* name,
                                                  const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Counter>& Counter(prometheus::Registry& r, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

// 100 us .. 10 s in 1-2.5-5 steps: a tick that only reads a local trace takes
// microseconds, one that calls a cloud API with retries takes seconds.
const prometheus::Histogram::BucketBoundaries& TickBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

double OrNaN(const std::optional<double>& v) {
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

prometheus::Labels GroupLabel(const std::string& group) { return {{"group", group}}; }

}  // namespace

PrometheusTelemetry::PrometheusTelemetry()
    : registry_(std::make_unique<prometheus::Registry>()),
      desired_(GroupGauge(*registry_, "prescale_group_desired",
                          "The group size decided at the last tick.")),
      current_(GroupGauge(*registry_, "prescale_group_current",
                          "The group size the actuator reported before the last decision.")),
      ready_(GroupGauge(*registry_, "prescale_group_ready", "Ready instances in the group.")),
      forecast_(GroupGauge(*registry_, "prescale_group_forecast",
                           "Peak upper forecast over the horizon, in the policy's series "
                           "units; NaN when there is none.")),
      cpu_utilization_(GroupGauge(*registry_, "prescale_group_cpu_utilization",
                                  "CPU utilization in [0, 1]; NaN when missing.")),
      load_per_second_(GroupGauge(*registry_, "prescale_group_load_per_second",
                                  "Load in units per second; NaN when missing.")),
      anomaly_score_(GroupGauge(*registry_, "prescale_group_anomaly_score",
                                "The anomaly detector's score at the last tick.")),
      decisions_(Counter(*registry_, "prescale_decisions_total",
                         "Scaling decisions, one per tick, by reason and action.")),
      tick_duration_(prometheus::BuildHistogram()
                         .Name("prescale_tick_duration_seconds")
                         .Help("How long one tick (read, decide, actuate) took.")
                         .Register(*registry_)),
      source_errors_(Counter(*registry_, "prescale_source_errors_total", "Metric source errors.")),
      actuator_errors_(Counter(*registry_, "prescale_actuator_errors_total", "Actuator errors.")) {}

PrometheusTelemetry::~PrometheusTelemetry() = default;

// Reasons and actions a decision counter is kept for, by their enum's value.
constexpr int kReasons = static_cast<int>(Reason::kClassifierFallback) + 1;
constexpr int kActions = static_cast<int>(Action::kScaleDown) + 1;

struct PrometheusTelemetry::GroupSeries {
  prometheus::Gauge *desired, *current, *ready, *forecast, *cpu_utilization, *load_per_second,
      *anomaly_score;
  prometheus::Histogram* tick_duration;
  prometheus::Counter *source_errors, *actuator_errors;
  std::array<prometheus::Counter*, kReasons * kActions> decisions{};  // made when first seen
};

PrometheusTelemetry::GroupSeries& PrometheusTelemetry::Series(const std::string& group) {
  std::unique_ptr<GroupSeries>& s = series_[group];
  if (!s) {
    const prometheus::Labels l = GroupLabel(group);
    // The error counters exist at 0 from the first tick on, so that rate() sees the
    // first error.
    s.reset(new GroupSeries{&desired_.Add(l), &current_.Add(l), &ready_.Add(l), &forecast_.Add(l),
                            &cpu_utilization_.Add(l), &load_per_second_.Add(l),
                            &anomaly_score_.Add(l), &tick_duration_.Add(l, TickBuckets()),
                            &source_errors_.Add(l), &actuator_errors_.Add(l)});
  }
  return *s;
}

// The series are prometheus-cpp's, atomic to update; mu_ guards only the lookup.
void PrometheusTelemetry::OnTick(const GroupSnapshot& after, Duration tick_duration) {
  prometheus::Counter* decision = nullptr;
  GroupSeries* g = nullptr;
  {
    std::lock_guard lock(mu_);
    g = &Series(after.name);
    prometheus::Counter*& c =
        g->decisions[static_cast<int>(after.reason) * kActions + static_cast<int>(after.action)];
    if (c == nullptr) {
      c = &decisions_.Add({{"group", after.name},
                           {"reason", std::string(ReasonName(after.reason))},
                           {"action", std::string(ActionName(after.action))}});
    }
    decision = c;
  }
  g->desired->Set(after.desired);
  g->current->Set(after.current);
  g->ready->Set(after.ready);
  g->forecast->Set(OrNaN(after.forecast_upper));
  g->cpu_utilization->Set(OrNaN(after.cpu_utilization));
  g->load_per_second->Set(OrNaN(after.load_per_s));
  g->anomaly_score->Set(after.anomaly_score);
  decision->Increment();
  g->tick_duration->Observe(tick_duration.count());
}

void PrometheusTelemetry::OnSourceError(const std::string& group) {
  std::lock_guard lock(mu_);
  Series(group).source_errors->Increment();
}

void PrometheusTelemetry::OnActuatorError(const std::string& group) {
  std::lock_guard lock(mu_);
  Series(group).actuator_errors->Increment();
}

std::string PrometheusTelemetry::Serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace prescale
