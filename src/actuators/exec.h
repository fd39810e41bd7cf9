// "exec": resizes a group by running a user's shell command, for platforms without
// a built-in adapter (a script around kubectl, a VM manager's CLI, a test rig).
//
//   actuator:
//     type: exec
//     command: ./scale.sh {group} {desired}      # required; must contain {desired}
//     describe_command: ./size.sh {group}        # optional; prints "desired [ready]"
//     timeout_s: 30                              # per run, then the command is killed
//     kill_grace_s: 2                            # SIGTERM to SIGKILL
//
// Each run is `/bin/sh -c <command>` with {group} replaced by the shell-quoted group
// name and {desired} by the size. A run that exits non-zero, dies of a signal or
// outlives its timeout is an error, and the actuator's idea of the size is left as
// it was, so the controller holds and retries on the next tick. The size is updated
// only after a successful run, so each successful SetDesired() is exactly one
// successful run of the command. Commands should be idempotent: after a timeout the
// command may or may not have taken effect.
//
// Linux only (a timerfd measures the timeout and a pidfd signals the exit, so no
// clock is read here; see STYLE.md, point 2).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "prescale/actuator.h"
#include "prescale/params.h"

namespace prescale {

// What one run of a shell command did.
struct CommandOutcome {
  bool started = false;    // false: it could not be started (see `error`)
  bool timed_out = false;  // it outlived the timeout and was killed
  int exit_code = -1;      // when it exited normally
  int signal = 0;          // when a signal ended it (our own kill on timeout included)
  std::string out;         // the first kCaptureLimitBytes of stdout
  std::string err;         // the first kCaptureLimitBytes of stderr
  std::string error;       // why it could not be started, or its status was lost

  bool ok() const { return started && !timed_out && signal == 0 && exit_code == 0; }
};

inline constexpr std::size_t kCaptureLimitBytes = 4096;

struct RunOptions {
  Duration timeout{30};    // REQUIRES: > 0
  Duration kill_grace{2};  // SIGTERM to SIGKILL; REQUIRES: > 0
};

// Runs `/bin/sh -c command` as the leader of a new process group, with stdin from
// /dev/null and no file descriptors of ours but the two output pipes. Returns when
// the shell has exited and been reaped. On timeout the whole group gets SIGTERM,
// then SIGKILL after the grace (and once more after the shell is reaped, for
// children that ignored SIGTERM), so the call returns within about
// timeout + kill_grace. Output past kCaptureLimitBytes is read and dropped, so a
// chatty command cannot block on a full pipe. Background processes that outlive a
// successful shell are left running; their output after the shell exits is lost.
// Thread-safe (the child runs only async-signal-safe calls before exec).
CommandOutcome RunShellCommand(const std::string& command, const RunOptions& options);

// POSIX shell quoting, as Python's shlex.quote: `web` and `asg-prod` stay as they
// are; anything else is single-quoted (`my group` -> `'my group'`,
// `it's` -> `'it'"'"'s'`); the empty string is `''`.
std::string ShellQuote(std::string_view s);

// Replaces every `{group}` with ShellQuote(group) and every `{desired}` with the
// decimal size. Other braces are left alone (so `${HOME}` still works).
std::string ExpandCommand(std::string_view command, std::string_view group, int desired);

// Reads a describe command's stdout: one integer (the desired size, all of it
// counted ready) or two ("desired ready"), separated by blanks, with surrounding
// whitespace ignored. A ready count above the desired one (instances still
// draining after a scale-in) is reported as `desired`, since they are leaving.
// Anything else is an error quoting the start of the text.
Result<CapacityStatus> ParseDescribeOutput(std::string_view out);

// One line for an error Status: "'./scale.sh web 3' exited with 1: permission
// denied" (the command, how it ended, and the start of its stderr).
std::string DescribeFailure(std::string_view command, const CommandOutcome& outcome,
                            const RunOptions& options);

struct ExecOptions {
  std::string command;           // REQUIRES: contains {desired}
  std::string describe_command;  // empty: report the last size set. {group} is
                                 // expanded as in `command`, {desired} to last_set()
  RunOptions run;
};

// Not thread-safe (as every Actuator).
class ExecActuator final : public Actuator {
 public:
  // `initial` is the size reported before the first successful SetDesired() when
  // there is no describe command.
  ExecActuator(ExecOptions options, std::string group, int initial);
  // Reads command, describe_command, timeout_s and kill_grace_s.
  static Result<std::unique_ptr<Actuator>> Create(const Params& params, const ActuatorContext& ctx);

  std::string_view name() const override { return "exec"; }
  // Runs the describe command, or reports the last size set.
  Result<CapacityStatus> Describe(TimePoint now) override;
  Status SetDesired(int desired, TimePoint now) override;

  // The size of the last successful SetDesired(), or the initial one.
  int last_set() const { return last_set_; }

 private:
  Status Failure(std::string_view command, const CommandOutcome& outcome) const;

  ExecOptions options_;
  std::string group_;
  int last_set_;
};

}  // namespace prescale
