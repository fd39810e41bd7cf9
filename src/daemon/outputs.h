// The files `prescale run` writes (DESIGN.md, "Contract: files written by run"):
//   data/metrics.csv         a row per group per tick
//   logs/anomalies.log       a line per anomaly
//   output/decisions.jsonl   a JSON object per decision, with its inputs
// plus the seed-style lines of the human log. Files are appended to across restarts
// (a header is written only to a new file) and flushed after every tick, so a crash
// loses at most the tick in progress. A group's lines are kept in memory until
// Flush(group), which the daemon calls after saving that group's state, and written
// with one write per file, so a crash never leaves half a line (a torn last line
// found on opening is ended first) and never reports an action the state does not
// know. Thread-safe: groups tick on a worker pool.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/daemon_config.h"
#include "controller/controller.h"
#include "daemon/log.h"

namespace prescale {

// What the outputs need to know of a group besides the step itself.
struct GroupInfo {
  std::string name;
  std::string policy;
  std::string detector;
  std::string source;
  std::string actuator;
  bool dry_run = false;
  Limits limits;
};

class Outputs {
 public:
  static Result<std::unique_ptr<Outputs>> Open(const OutputPaths& paths);
  ~Outputs();

  // Adds the step's lines to the group's pending ones; logs its human lines at once.
  void Write(const GroupInfo& group, const StepRecord& step, Logger& log);
  // Writes one group's pending lines (or every group's), one write per file.
  void Flush(const std::string& group);
  void FlushAll();

 private:
  enum FileIndex { kMetrics, kAnomalies, kDecisions, kFiles };
  struct Pending {
    std::string text[kFiles];
  };
  Outputs() = default;
  std::mutex mu_;
  std::FILE* files_[kFiles] = {};
  std::map<std::string, Pending, std::less<>> pending_;  // by group
};

// The seed-style human log lines for one step ("Collected CPU: 82.3%",
// "SCALING UP: 2 -> 3 instances", ...). Exposed for tests.
void LogStep(const GroupInfo& group, const StepRecord& step, Logger& log);

}  // namespace prescale
