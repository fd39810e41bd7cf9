#include "actuators/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

extern char** environ;

namespace prescale {
namespace {

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string ErrnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Arms `timer` to fire once, `after` from now. A zero it_value would disarm it, so
// anything shorter than a nanosecond fires after one.
bool ArmTimer(const Fd& timer, Duration after) {
  std::uint64_t expirations;  // clear a past expiry, so that poll waits for the new one
  while (::read(timer.get(), &expirations, sizeof(expirations)) < 0 && errno == EINTR) {
  }
  double s = std::max(after.count(), 1e-9);
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(s);
  spec.it_value.tv_nsec = static_cast<long>((s - std::floor(s)) * 1e9);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  return ::timerfd_settime(timer.get(), 0, &spec, nullptr) == 0;
}

// A pidfd becomes readable when the process exits; -1 where the kernel has none
// (before Linux 5.3), and the caller falls back to polling waitpid.
Fd OpenPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return Fd();
#endif
}

// Reads what `fd` has now into `into` (up to the capture limit; the rest is
// dropped). Returns false at end of file or on an error, when the pipe is done.
bool Drain(const Fd& fd, std::string& into) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n > 0) {
      std::size_t room = kCaptureLimitBytes - std::min(kCaptureLimitBytes, into.size());
      into.append(buf, std::min(room, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

// Waits for readiness on `fds`; false if poll itself failed.
bool Poll(std::vector<pollfd>& fds, int timeout_ms) {
  for (;;) {
    int r = ::poll(fds.data(), fds.size(), timeout_ms);
    if (r >= 0) return true;
    if (errno != EINTR) return false;
  }
}

// Reaps `pid` without blocking; true once it has exited.
bool TryReap(pid_t pid, int& wait_status) {
  for (;;) {
    pid_t r = ::waitpid(pid, &wait_status, WNOHANG);
    if (r == pid) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // ECHILD: reaped already, its status lost
  }
}

void Reap(pid_t pid, int& wait_status) {
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
}

// Without a pidfd, how often to look for the exit.
constexpr int kFallbackPollMs = 20;

bool IsSafeShellChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("_@%+=:,./-", c) != nullptr;
}

// Whitespace runs (newlines included) become one space; at most `limit` bytes.
std::string OneLine(std::string_view text, std::size_t limit) {
  std::string line;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      space = !line.empty();
      continue;
    }
    if (space) line += ' ';
    space = false;
    line += c;
    if (line.size() >= limit) return line + "...";
  }
  return line;
}

std::string FormatSeconds(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", d.count());
  return buf;
}

}  // namespace

CommandOutcome RunShellCommand(const std::string& command, const RunOptions& options) {
  CommandOutcome outcome;
  // 1. Everything the child needs is made before fork: after it, in a multithreaded
  //    process, only async-signal-safe calls are allowed.
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    outcome.error = ErrnoText("pipe");
    return outcome;
  }
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    outcome.error = ErrnoText("pipe");
    return outcome;
  }
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);
  Fd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!timer.valid()) {
    outcome.error = ErrnoText("timerfd_create");
    return outcome;
  }
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};

  pid_t pid = ::fork();
  if (pid < 0) {
    outcome.error = ErrnoText("fork");
    return outcome;
  }
  if (pid == 0) {
    // 2. The child: its own process group (so a timeout kills the command's children
    //    too), /dev/null for stdin, the pipes for stdout and stderr, and none of the
    //    daemon's other descriptors. A daemon that ignores SIGPIPE or blocks signals
    //    must not pass that on: ignored signals stay ignored across exec.
    ::setpgid(0, 0);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_w.get(), 1) < 0 ||
        ::dup2(err_w.get(), 2) < 0) {
      ::_exit(127);
    }
#ifdef SYS_close_range
    ::syscall(SYS_close_range, 3u, ~0u, 0u);
#endif
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve("/bin/sh", const_cast<char**>(argv), environ);
    ::_exit(127);
  }
  // Also from this side, so that a kill of the group cannot race the child's setpgid.
  ::setpgid(pid, pid);
  outcome.started = true;
  out_w.Reset();
  err_w.Reset();
  ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_r.get(), F_SETFL, O_NONBLOCK);
  Fd pidfd = OpenPidFd(pid);
  ArmTimer(timer, options.timeout);

  // 3. Read both pipes until the shell exits or the timer fires. A pipe at end of
  //    file leaves the poll set (fd -1 is ignored by poll).
  int wait_status = -1;  // stays -1 if the status is lost (SIGCHLD set to SIG_IGN)
  bool reaped = false;
  const int wait_ms = pidfd.valid() ? -1 : kFallbackPollMs;
  std::vector<pollfd> fds = {{out_r.get(), POLLIN, 0},
                             {err_r.get(), POLLIN, 0},
                             {timer.get(), POLLIN, 0},
                             {pidfd.get(), POLLIN, 0}};
  while (!reaped && !outcome.timed_out) {
    if (!Poll(fds, wait_ms)) break;
    if (fds[0].revents != 0 && !Drain(out_r, outcome.out)) fds[0].fd = -1;
    if (fds[1].revents != 0 && !Drain(err_r, outcome.err)) fds[1].fd = -1;
    if (pidfd.valid() ? fds[3].revents != 0 : true) reaped = TryReap(pid, wait_status);
    // An exit at the deadline counts as an exit.
    if (!reaped && fds[2].revents != 0) outcome.timed_out = true;
  }

  // 4. On timeout: SIGTERM to the group, SIGKILL if the shell outlives the grace,
  //    then SIGKILL again for any child that ignored SIGTERM. The group id outlives
  //    the reaped leader while members remain, so the last kill reaches them.
  if (!reaped) {
    ::kill(-pid, SIGTERM);
    ArmTimer(timer, options.kill_grace);
    std::vector<pollfd> wait_fds = {{timer.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    bool killed = false;
    while (!reaped) {
      if (!Poll(wait_fds, wait_ms)) break;
      if (pidfd.valid() ? wait_fds[1].revents != 0 : true) reaped = TryReap(pid, wait_status);
      if (!reaped && wait_fds[0].revents != 0 && !killed) {
        ::kill(-pid, SIGKILL);
        killed = true;
        wait_fds[0].fd = -1;
      }
    }
    if (!reaped) {
      ::kill(-pid, SIGKILL);
      Reap(pid, wait_status);
    }
    ::kill(-pid, SIGKILL);
  }

  // 5. What the shell wrote before it exited is in the pipes now.
  if (fds[0].fd >= 0) Drain(out_r, outcome.out);
  if (fds[1].fd >= 0) Drain(err_r, outcome.err);
  if (wait_status == -1) {
    outcome.error = "exit status was lost (is SIGCHLD ignored?)";
  } else if (WIFEXITED(wait_status)) {
    outcome.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    outcome.signal = WTERMSIG(wait_status);
  }
  return outcome;
}

std::string ShellQuote(std::string_view s) {
  bool safe = !s.empty();
  for (char c : s) safe = safe && IsSafeShellChar(c);
  if (safe) return std::string(s);
  std::string quoted = "'";
  for (char c : s) {
    if (c == '\'') {
      quoted += "'\"'\"'";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string ExpandCommand(std::string_view command, std::string_view group, int desired) {
  static constexpr std::string_view kGroup = "{group}", kDesired = "{desired}";
  std::string out;
  for (std::size_t i = 0; i < command.size();) {
    std::string_view rest = command.substr(i);
    if (rest.starts_with(kGroup)) {
      out += ShellQuote(group);
      i += kGroup.size();
    } else if (rest.starts_with(kDesired)) {
      out += std::to_string(desired);
      i += kDesired.size();
    } else {
      out += command[i++];
    }
  }
  return out;
}

Result<CapacityStatus> ParseDescribeOutput(std::string_view out) {
  std::vector<long long> numbers;
  std::size_t i = 0;
  bool bad = false;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!bad) {
    while (i < out.size() && blank(out[i])) ++i;
    if (i == out.size()) break;
    long long n = 0;
    auto [end, ec] = std::from_chars(out.data() + i, out.data() + out.size(), n);
    std::size_t stop = static_cast<std::size_t>(end - out.data());
    bad = ec != std::errc() || n < 0 || n > 100000000 || (stop < out.size() && !blank(out[stop]));
    numbers.push_back(n);
    bad = bad || numbers.size() > 2;
    i = stop;
  }
  if (bad || numbers.empty() || numbers.size() > 2) {
    return Status::Error("expected 'desired' or 'desired ready' as integers, got '" +
                         OneLine(out, 80) + "'");
  }
  CapacityStatus status;
  status.desired = static_cast<int>(numbers[0]);
  status.ready =
      static_cast<int>(numbers.size() == 2 ? std::min(numbers[1], numbers[0]) : numbers[0]);
  return status;
}

std::string DescribeFailure(std::string_view command, const CommandOutcome& outcome,
                            const RunOptions& options) {
  // Appended piece by piece: GCC 12's -Wrestrict misfires on "'" + std::string(...).
  std::string msg = "'";
  msg.append(command).append("' ");
  if (!outcome.started) return msg + "could not be started: " + outcome.error;
  if (outcome.timed_out) {
    msg += "timed out after " + FormatSeconds(options.timeout) + " s and was killed";
  } else if (outcome.signal != 0) {
    msg += "was killed by signal " + std::to_string(outcome.signal);
  } else if (outcome.exit_code >= 0) {
    msg += "exited with " + std::to_string(outcome.exit_code);
  } else {
    msg += outcome.error;
  }
  std::string err = OneLine(outcome.err, 200);
  return err.empty() ? msg : msg + ": " + err;
}

ExecActuator::ExecActuator(ExecOptions options, std::string group, int initial)
    : options_(std::move(options)), group_(std::move(group)), last_set_(initial) {}

Result<std::unique_ptr<Actuator>> ExecActuator::Create(const Params& params,
                                                       const ActuatorContext& ctx) {
  if (Status s = params.CheckKnown({"command", "describe_command", "timeout_s", "kill_grace_s"});
      !s.ok()) {
    return s;
  }
  ParamReader r(params);
  ExecOptions options;
  options.command = r.Text("command", "");
  options.describe_command = r.Text("describe_command", "");
  options.run.timeout = Duration(r.NumberIn("timeout_s", 30, 0.001, 86400));
  options.run.kill_grace = Duration(r.NumberIn("kill_grace_s", 2, 0.001, 600));
  r.Require(!options.command.empty(), "command",
            "is required: a shell command such as './scale.sh {group} {desired}'");
  r.Require(options.command.empty() || options.command.find("{desired}") != std::string::npos,
            "command", "must contain {desired}, the size to set");
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<Actuator>(
      std::make_unique<ExecActuator>(std::move(options), ctx.group, ctx.initial));
}

Status ExecActuator::Failure(std::string_view command, const CommandOutcome& outcome) const {
  return Status::Error("exec actuator for group " + group_ + ": " +
                       DescribeFailure(command, outcome, options_.run));
}

Result<CapacityStatus> ExecActuator::Describe(TimePoint /*now*/) {
  if (options_.describe_command.empty()) return CapacityStatus{last_set_, last_set_};
  std::string command = ExpandCommand(options_.describe_command, group_, last_set_);
  CommandOutcome outcome = RunShellCommand(command, options_.run);
  if (!outcome.ok()) return Failure(command, outcome);
  Result<CapacityStatus> status = ParseDescribeOutput(outcome.out);
  if (!status.ok()) {
    return status.status().WithContext("exec actuator for group " + group_ +
                                       ": describe command '" + command + "'");
  }
  return status;
}

Status ExecActuator::SetDesired(int desired, TimePoint /*now*/) {
  std::string command = ExpandCommand(options_.command, group_, desired);
  CommandOutcome outcome = RunShellCommand(command, options_.run);
  if (!outcome.ok()) return Failure(command, outcome);
  last_set_ = desired;
  return Status::Ok();
}

}  // namespace prescale
