#include "sources/procfs.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "core/text.h"

namespace prescale {
namespace {

// Fields of the "cpu" line, in the order of proc(5). guest and guest_nice follow
// steal but are already counted in user and nice, so they are not added again.
constexpr std::size_t kIdleField = 3;
constexpr std::size_t kIowaitField = 4;
constexpr std::size_t kCountedFields = 8;  // user .. steal
// Old kernels (before 2.5.41) give only user, nice, system and idle.
constexpr std::size_t kMinCpuFields = 4;
// /proc/net/dev: receive bytes is the 1st field after the colon, transmit bytes the 9th.
constexpr std::size_t kReceiveBytesField = 0;
constexpr std::size_t kTransmitBytesField = 8;

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) fields.push_back(s.substr(start, i - start));
  }
  return fields;
}

template <class T>
bool ParseNumber(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Calls `f(line)` for each line of `text` until it returns false.
template <class F>
void ForEachLine(std::string_view text, F f) {
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!f(line)) return;
    if (end == std::string_view::npos) return;
    text.remove_prefix(end + 1);
  }
}

}  // namespace

Result<CpuTimes> ParseProcStat(std::string_view text) {
  std::optional<std::string_view> cpu_line;
  ForEachLine(text, [&](std::string_view line) {
    if (!line.starts_with("cpu ")) return true;
    cpu_line = line.substr(4);
    return false;
  });
  if (!cpu_line) return Status::Error("no aggregate 'cpu' line");
  std::vector<std::string_view> fields = SplitSpaces(*cpu_line);
  if (fields.size() < kMinCpuFields) {
    return Status::Error("'cpu' line has " + std::to_string(fields.size()) +
                         " fields, expected at least " + std::to_string(kMinCpuFields));
  }
  CpuTimes t;
  for (std::size_t i = 0; i < fields.size() && i < kCountedFields; ++i) {
    std::uint64_t v = 0;
    if (!ParseNumber(fields[i], v)) {
      return Status::Error("'cpu' field " + std::to_string(i + 1) + " " + Quote(fields[i]) +
                           " is not a count");
    }
    t.total += v;
    if (i == kIdleField || i == kIowaitField) t.idle += v;
  }
  return t;
}

Result<double> ParseMeminfo(std::string_view text) {
  std::optional<double> total_kb, available_kb;
  std::string bad;
  ForEachLine(text, [&](std::string_view line) {
    std::optional<double>* slot = line.starts_with("MemTotal:")       ? &total_kb
                                  : line.starts_with("MemAvailable:") ? &available_kb
                                                                      : nullptr;
    if (slot == nullptr) return true;
    std::vector<std::string_view> fields = SplitSpaces(line);
    double v = 0;
    if (fields.size() < 2 || !ParseNumber(fields[1], v) || v < 0) {
      bad = Quote(line);
      return false;
    }
    *slot = v;
    return !(total_kb && available_kb);
  });
  if (!bad.empty()) return Status::Error("line " + bad + " has no size in kB");
  if (!total_kb) return Status::Error("no MemTotal line");
  // MemAvailable appeared in Linux 3.14; free memory alone would overstate the use.
  if (!available_kb) return Status::Error("no MemAvailable line (Linux 3.14 or later needed)");
  if (*total_kb <= 0) return Status::Error("MemTotal is 0");
  return std::clamp(1 - *available_kb / *total_kb, 0.0, 1.0);
}

Result<NetCounters> ParseNetDev(std::string_view text) {
  NetCounters counters;
  std::string bad;
  // The two header lines have no colon; every interface line does ("eth0: 123 ...",
  // or "eth0:123 ..." when the counter is wide).
  ForEachLine(text, [&](std::string_view line) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    std::vector<std::string_view> names = SplitSpaces(line.substr(0, colon));
    std::vector<std::string_view> fields = SplitSpaces(line.substr(colon + 1));
    InterfaceBytes bytes;
    if (names.size() != 1 || fields.size() <= kTransmitBytesField ||
        !ParseNumber(fields[kReceiveBytesField], bytes.received) ||
        !ParseNumber(fields[kTransmitBytesField], bytes.sent)) {
      bad = Quote(line);
      return false;
    }
    if (names[0] != "lo") counters[std::string(names[0])] = bytes;
    return true;
  });
  if (!bad.empty()) return Status::Error("interface line " + bad + " is not understood");
  return counters;
}

Result<double> ParseUptime(std::string_view text) {
  std::vector<std::string_view> fields = SplitSpaces(text.substr(0, text.find('\n')));
  double v = 0;
  if (fields.empty() || !ParseNumber(fields[0], v) || !std::isfinite(v) || v < 0) {
    return Status::Error("first field is not seconds since boot");
  }
  return v;
}

ProcfsSource::ProcfsSource(ProcfsConfig config, std::string group)
    : config_(std::move(config)), group_(std::move(group)) {
  // The baseline: a failure here is reported by the first Read, which tries again.
  if (Result<CpuTimes> cpu = SampleCpu(); cpu.ok()) previous_cpu_ = *cpu;
  if (Result<NetSample> net = SampleNet(); net.ok()) previous_net_ = std::move(*net);
}

Result<std::string> ProcfsSource::ReadProcFile(const std::string& relative) const {
  const std::string path = config_.proc_root + "/" + relative;
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return Status::Error("cannot open " + path + ": " + std::generic_category().message(errno));
  }
  // /proc files report a size of 0, so read to the end rather than by size.
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    return Status::Error("cannot read " + path + ": " + std::generic_category().message(errno));
  }
  return text;
}

Result<CpuTimes> ProcfsSource::SampleCpu() const {
  Result<std::string> text = ReadProcFile("stat");
  if (!text.ok()) return text.status();
  Result<CpuTimes> cpu = ParseProcStat(*text);
  if (!cpu.ok()) return cpu.status().WithContext(config_.proc_root + "/stat");
  return cpu;
}

Result<ProcfsSource::NetSample> ProcfsSource::SampleNet() const {
  Result<std::string> dev = ReadProcFile("net/dev");
  if (!dev.ok()) return dev.status();
  Result<std::string> uptime_text = ReadProcFile("uptime");
  if (!uptime_text.ok()) return uptime_text.status();
  Result<NetCounters> counters = ParseNetDev(*dev);
  if (!counters.ok()) return counters.status().WithContext(config_.proc_root + "/net/dev");
  Result<double> uptime_s = ParseUptime(*uptime_text);
  if (!uptime_s.ok()) return uptime_s.status().WithContext(config_.proc_root + "/uptime");
  return NetSample{std::move(*counters), *uptime_s};
}

Observation ProcfsSource::Read(TimePoint now) {
  Observation o;
  o.time = now;
  o.instances = 1;
  std::vector<std::string> errors;

  // 1. CPU over the interval since the previous sample. Counters can step back when
  //    a CPU goes offline; then, as when no tick has passed, use the since-boot mean.
  if (Result<CpuTimes> cpu = SampleCpu(); cpu.ok()) {
    CpuTimes interval = *cpu;
    if (previous_cpu_ && cpu->total > previous_cpu_->total && cpu->idle >= previous_cpu_->idle &&
        cpu->idle - previous_cpu_->idle <= cpu->total - previous_cpu_->total) {
      interval.total -= previous_cpu_->total;
      interval.idle -= previous_cpu_->idle;
    }
    if (interval.total > 0 && interval.idle <= interval.total) {
      o.cpu_utilization =
          1 - static_cast<double>(interval.idle) / static_cast<double>(interval.total);
    } else {
      errors.push_back(config_.proc_root + "/stat: no CPU time counted yet");
    }
    previous_cpu_ = *cpu;
  } else {
    errors.push_back(cpu.status().message());
  }
  if (o.cpu_utilization && config_.capacity_per_instance) {
    o.load_per_s = *o.cpu_utilization * *config_.capacity_per_instance;
  }

  // 2. Memory is a level, not a rate: one read is enough.
  if (Result<std::string> text = ReadProcFile("meminfo"); !text.ok()) {
    errors.push_back(text.status().message());
  } else if (Result<double> memory = ParseMeminfo(*text); !memory.ok()) {
    errors.push_back(config_.proc_root + "/meminfo: " + memory.status().message());
  } else {
    o.memory_utilization = *memory;
  }

  // 3. Network rates. An interface that is new, or whose counters went back (it was
  //    re-created), has no interval and is left out of this one.
  if (Result<NetSample> net = SampleNet(); net.ok()) {
    double received = 0, sent = 0, elapsed_s = 0;
    if (previous_net_ && net->uptime_s > previous_net_->uptime_s) {
      elapsed_s = net->uptime_s - previous_net_->uptime_s;
      for (const auto& [name, bytes] : net->counters) {
        auto before = previous_net_->counters.find(name);
        if (before == previous_net_->counters.end()) continue;
        if (bytes.received < before->second.received || bytes.sent < before->second.sent) {
          continue;
        }
        received += static_cast<double>(bytes.received - before->second.received);
        sent += static_cast<double>(bytes.sent - before->second.sent);
      }
    } else {
      elapsed_s = net->uptime_s;
      for (const auto& [name, bytes] : net->counters) {
        received += static_cast<double>(bytes.received);
        sent += static_cast<double>(bytes.sent);
      }
    }
    if (elapsed_s > 0) {
      o.network_in_bytes_per_s = received / elapsed_s;
      o.network_out_bytes_per_s = sent / elapsed_s;
    } else {
      errors.push_back(config_.proc_root + "/uptime: no time has passed since boot");
    }
    previous_net_ = std::move(*net);
  } else {
    errors.push_back(net.status().message());
  }

  if (!errors.empty()) {
    o.error = "procfs";
    if (!group_.empty()) o.error += " for group " + group_;
    o.error += ": ";
    for (std::size_t i = 0; i < errors.size(); ++i) o.error += (i ? "; " : "") + errors[i];
  }
  return o;
}

}  // namespace prescale
