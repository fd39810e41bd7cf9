// The files `prescale run` writes (DESIGN.md, "Contract: files written by run"):
//   data/metrics.csv         a row per group per tick
//   logs/anomalies.log       a line per anomaly
//   output/decisions.jsonl   a JSON object per decision, with its inputs
// plus the seed-style lines of the human log. Files are appended to across restarts
// (a header is written only to a new file) and flushed after every tick, so a crash
// loses at most the tick in progress. A tick's lines are kept in memory and written
// with one write per file at Flush(), so a crash never leaves half a line (and a
// torn last line found on opening is ended first). Not thread-safe: the tick loop
// owns it.
#pragma once

#include <cstdio>
#include <memory>
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

  // Adds the step's lines to the pending tick; logs its human lines at once.
  void Write(const GroupInfo& group, const StepRecord& step, Logger& log);
  // Writes the pending lines, one write per file.
  void Flush();

 private:
  struct File {
    std::FILE* f = nullptr;
    std::string pending;
  };
  Outputs() = default;
  File metrics_;
  File anomalies_;
  File decisions_;
};

// The seed-style human log lines for one step ("Collected CPU: 82.3%",
// "SCALING UP: 2 -> 3 instances", ...). Exposed for tests.
void LogStep(const GroupInfo& group, const StepRecord& step, Logger& log);

}  // namespace prescale
