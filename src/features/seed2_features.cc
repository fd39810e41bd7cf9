#include "features/seed2_features.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace prescale {
namespace {

std::optional<double> Finite(const std::optional<double>& v) {
  if (v && std::isfinite(*v)) return v;
  return std::nullopt;
}

}  // namespace

double PythonRound(double x, int ndigits) {
  if (!std::isfinite(x)) return x;
  // to_chars in fixed notation is exact (as printf in the C locale): it rounds the
  // binary value itself, ties to even, which is what CPython's round() does through
  // its correctly rounded dtoa. Reading the text back gives the nearest double.
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed, ndigits);
  if (ec != std::errc()) return x;
  double rounded = x;
  std::from_chars(buf, end, rounded);
  return rounded;
}

std::string ClassifySeed2TaskType(double cpu_pct, double memory_pct, double network_mb_per_s) {
  if (cpu_pct >= std::max(network_mb_per_s, memory_pct)) return "compute";
  if (network_mb_per_s >= std::max(cpu_pct, memory_pct)) return "network";
  return "io";
}

std::string ClassifySeed2TaskPriority(double cpu_pct, double memory_pct, double network_mb_per_s,
                                      int instances, int min_instances, int max_instances) {
  const double intensity = std::max({cpu_pct, memory_pct, std::min(network_mb_per_s * 2, 100.0)});
  if (instances <= min_instances && intensity > 60) return "high";
  if (instances >= max_instances && intensity < 30) return "low";
  if (intensity > 80) return "high";
  if (intensity > 50) return "medium";
  return "low";
}

Observation FeatureObservation(const Observation& obs, int ready, double capacity_per_instance) {
  Observation o = obs;
  if (!o.instances && ready > 0) o.instances = ready;
  if (!o.cpu_utilization && o.load_per_s && std::isfinite(*o.load_per_s) && ready > 0 &&
      capacity_per_instance > 0) {
    o.cpu_utilization = std::min(1.0, *o.load_per_s / (ready * capacity_per_instance));
  }
  return o;
}

// The steps and constants are the seed's calculate_derived_metrics, in its order of
// evaluation (floating-point products are not associative).
std::optional<Seed2Features> ComputeSeed2Features(const Observation& obs, int min_instances,
                                                  int max_instances) {
  const std::optional<double> cpu = Finite(obs.cpu_utilization);
  if (!cpu || !obs.instances || *obs.instances < 1) return std::nullopt;
  const std::optional<double> memory = Finite(obs.memory_utilization);
  const std::optional<double> net_in = Finite(obs.network_in_bytes_per_s);
  const std::optional<double> net_out = Finite(obs.network_out_bytes_per_s);
  const int n = *obs.instances;

  // 0. The seed's inputs: percentages and bytes/s, rounded to 2 decimals.
  const double cpu_raw = PythonRound(*cpu * 100, 2);
  const double network_in = net_in ? PythonRound(*net_in, 2) : 0.0;
  const double network_out = net_out ? PythonRound(*net_out, 2) : 0.0;

  Seed2Features f;
  f.instance_count = n;
  f.memory_estimated = !memory.has_value();
  f.network_missing = !net_in || !net_out;

  // 1. CPU usage (%).
  f.cpu_usage = PythonRound(cpu_raw, 1);
  // 2. Memory usage (%), estimated from CPU when missing (without the seed's noise).
  f.memory_usage = memory ? PythonRound(PythonRound(*memory * 100, 2), 1)
                          : PythonRound(std::min(cpu_raw * 1.2, 95.0), 1);
  // 3. Network traffic (MB/s), in and out over all instances.
  f.network_traffic = PythonRound((network_in + network_out) * n / (1024 * 1024), 1);
  // 4. Power (W): 20 W per t3.small instance at idle, up to 60 % more at full CPU.
  const int base_power_per_instance = 20;
  const double cpu_factor = f.cpu_usage / 100;
  f.power_consumption =
      PythonRound(n * (base_power_per_instance + (base_power_per_instance * 0.6 * cpu_factor)), 1);
  // 5. Instructions per second: 2400 MHz at 2.5 instructions per cycle, truncated.
  const int cpu_frequency_mhz = 2400;
  const double instructions_per_cycle = 2.5;
  const double utilization = f.cpu_usage / 100;
  f.num_executed_instructions =
      std::trunc(n * utilization * cpu_frequency_mhz * 1e6 * instructions_per_cycle);
  // 6. Execution time (s): 0.3 s plus up to 2 s for the workload's complexity,
  //    shared over 80 % of the instances (but never over fewer than one).
  const double workload_complexity =
      (f.cpu_usage + f.memory_usage + std::min(f.network_traffic * 10, 50.0)) / 3;
  f.execution_time =
      PythonRound((0.3 + (workload_complexity / 100) * 2) / std::max(n * 0.8, 1.0), 2);
  // 7. Energy efficiency: mean utilisation times instances, per watt.
  const double performance_metric = (f.cpu_usage + f.memory_usage) / 2 * n;
  f.energy_efficiency = PythonRound(performance_metric / std::max(f.power_consumption, 1.0), 4);
  // 8, 9. The classifications, from the rounded features.
  f.task_type = ClassifySeed2TaskType(f.cpu_usage, f.memory_usage, f.network_traffic);
  f.task_priority = ClassifySeed2TaskPriority(f.cpu_usage, f.memory_usage, f.network_traffic, n,
                                              min_instances, max_instances);
  return f;
}

}  // namespace prescale
