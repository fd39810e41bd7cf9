// The "procfs" source: this host's own CPU, memory and network, read from Linux's
// /proc, as a group of one instance. It suits a daemon that scales the machine it
// runs on, and demos.
//
//   cpu_utilization     1 - idle_delta / total_delta over the interval between two
//                       reads of /proc/stat's "cpu" line, idle including iowait
//   memory_utilization  1 - MemAvailable / MemTotal from /proc/meminfo
//   network_*_bytes_per_s  bytes received / sent per second between two reads of
//                       /proc/net/dev, summed over every interface but loopback
//   instances           1
//   load_per_s          cpu_utilization * capacity_per_instance, when that is given
//
// The interval for the network rates is measured with /proc/uptime, read with the
// counters: it is monotonic (no wall-clock jumps) and lets tests set it in fixture
// files. The constructor takes a baseline sample, so the first Read measures the
// interval since construction. When no time has passed since the previous sample
// (two reads within one clock tick of 10 ms), the values are the averages since boot
// instead, which are still utilisations and rates.
//
// Each metric fails on its own: a missing or garbled file leaves its metrics empty
// and names the file in `error`, and the others are still read. Reads are of local
// pseudo-files and do not block.
//
// Thread safety: not thread-safe (Read updates the previous sample).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "prescale/metric_source.h"
#include "prescale/status.h"

namespace prescale {

// Jiffies (USER_HZ ticks) from the aggregate "cpu" line of /proc/stat.
struct CpuTimes {
  std::uint64_t idle = 0;   // idle + iowait
  std::uint64_t total = 0;  // user + nice + system + idle + iowait + irq + softirq + steal
};

// Byte counters of one network interface, from /proc/net/dev.
struct InterfaceBytes {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
};
// By interface name, loopback ("lo") left out.
using NetCounters = std::map<std::string, InterfaceBytes, std::less<>>;

// Parsers of the /proc files' text. Errors say what is wrong but not which file,
// which the caller adds.
Result<CpuTimes> ParseProcStat(std::string_view text);
// Memory utilisation, 1 - MemAvailable / MemTotal, in [0, 1].
Result<double> ParseMeminfo(std::string_view text);
Result<NetCounters> ParseNetDev(std::string_view text);
// Seconds since boot, the first field of /proc/uptime.
Result<double> ParseUptime(std::string_view text);

struct ProcfsConfig {
  std::string proc_root = "/proc";
  // Work units per second one instance serves at 100 % CPU; unset = no load.
  std::optional<double> capacity_per_instance;
};

class ProcfsSource final : public MetricSource {
 public:
  // `group` names the scaling group in error messages.
  ProcfsSource(ProcfsConfig config, std::string group);

  std::string_view name() const override { return "procfs"; }
  Observation Read(TimePoint now) override;

 private:
  struct NetSample {
    NetCounters counters;
    double uptime_s = 0;
  };

  Result<std::string> ReadProcFile(const std::string& relative) const;
  Result<CpuTimes> SampleCpu() const;
  Result<NetSample> SampleNet() const;

  ProcfsConfig config_;
  std::string group_;
  // The last good sample of each, the start of the next interval.
  std::optional<CpuTimes> previous_cpu_;
  std::optional<NetSample> previous_net_;
};

}  // namespace prescale
