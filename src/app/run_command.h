// `prescale run` (the daemon) and `prescale validate` (its config check).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace prescale::app {

struct RunFlags {
  std::string config;              // empty: the built-in default
  std::optional<double> for_s;     // stop after this many seconds (for scripts and demos)
  std::string listen;              // overrides global.listen when set
  bool print_default = false;      // print the built-in config and exit
  std::string plot;                // when set: chart the session to this PNG on stopping
  // "real" (default) or "simulated": time jumps to each next tick as soon as the
  // groups have ticked, so --for 86400 runs a day as fast as the machine can (soak
  // tests, bench/soak_run.sh).
  std::string clock = "real";
};

// Exit codes: 0 after a clean stop (SIGTERM, SIGINT, --for), 2 for a bad config,
// 1 when the daemon cannot start (files, port) or --plot cannot draw the session.
int RunRun(const RunFlags& flags, std::ostream& out, std::ostream& err);

// 0 when `path` is a valid config, else 2 with every error's file:line:column.
int RunValidate(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace prescale::app
