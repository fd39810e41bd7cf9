// The files `prescale run` writes (DESIGN.md, "Contract: files written by run"):
//   data/metrics.csv         a row per group per tick
//   logs/anomalies.log       a line per anomaly
//   output/decisions.jsonl   a JSON object per decision, with its inputs
// plus the seed-style lines of the human log. Files are appended to across restarts
// (a header is written only to a new file) and flushed after every tick, so a crash
// loses at most the tick in progress. Not thread-safe: the tick loop owns it.
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

  void Write(const GroupInfo& group, const StepRecord& step, Logger& log);
  void Flush();

 private:
  Outputs() = default;
  std::FILE* metrics_ = nullptr;
  std::FILE* anomalies_ = nullptr;
  std::FILE* decisions_ = nullptr;
};

// The seed-style human log lines for one step ("Collected CPU: 82.3%",
// "SCALING UP: 2 -> 3 instances", ...). Exposed for tests.
void LogStep(const GroupInfo& group, const StepRecord& step, Logger& log);

}  // namespace prescale
