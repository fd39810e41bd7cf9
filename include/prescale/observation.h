// Observation: what a metric source saw of one scaling group at one time.
//
// Every metric is optional: a source that could not read a metric leaves it empty
// and says why in `error`. Consumers must treat a missing metric as "unknown", never
// as zero. In particular no policy may scale in on missing data.
#pragma once

#include <optional>
#include <string>

#include "prescale/clock.h"

namespace prescale {

struct Observation {
  TimePoint time;  // when the sample was taken (end of the interval it describes)

  // Work arriving at the group, in work units per second (requests/s, or CPU demand
  // in instance-capacity units). This is what the capacity model sizes for.
  std::optional<double> load_per_s;
  // Mean CPU utilisation of the ready instances, in [0, 1].
  std::optional<double> cpu_utilization;
  // Mean memory utilisation of the ready instances, in [0, 1].
  std::optional<double> memory_utilization;
  // Network traffic per instance (aggregated across instances), bytes per second.
  std::optional<double> network_in_bytes_per_s;
  std::optional<double> network_out_bytes_per_s;
  // Instances the metrics came from (seed 2 scales some features by it).
  std::optional<int> instances;
  // Disk and packet rates per instance (aggregated across instances), which seed 2
  // reads from CloudWatch; other sources leave them empty.
  std::optional<double> disk_read_bytes_per_s;
  std::optional<double> disk_write_bytes_per_s;
  std::optional<double> network_packets_in_per_s;
  std::optional<double> network_packets_out_per_s;

  // Empty when the read succeeded; otherwise why metrics are missing.
  std::string error;

  bool HasLoad() const { return load_per_s.has_value(); }
  bool HasCpu() const { return cpu_utilization.has_value(); }
};

// What an actuator reports of a group's size. `desired` counts every instance that
// is asked for (ready + starting); `ready` those serving traffic now.
struct CapacityStatus {
  int desired = 0;
  int ready = 0;
  int booting() const { return desired - ready; }
};

// Inclusive bounds on the desired size of a group. REQUIRES: 0 <= min <= max.
struct Limits {
  int min = 1;
  int max = 1000;
  int Clamp(int n) const { return n < min ? min : (n > max ? max : n); }
};

}  // namespace prescale
