#include "actuators/exec.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <string>

namespace prescale {
namespace {

namespace fs = std::filesystem;

// Real processes in a fresh temp directory per test.
class ExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "prescale_exec_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name)) << text;
  }
  pid_t ReadPid(const std::string& name) const { return std::stoi(Read(name)); }

  static ExecActuator Make(std::string command, std::string describe = "", double timeout_s = 10,
                           double grace_s = 1, int initial = 2) {
    ExecOptions options;
    options.command = std::move(command);
    options.describe_command = std::move(describe);
    options.run.timeout = Duration(timeout_s);
    options.run.kill_grace = Duration(grace_s);
    return ExecActuator(std::move(options), "web", initial);
  }

  fs::path dir_;
};

// A process is gone once it has been reaped (ESRCH). An orphaned grandchild is
// reaped by init, which may not have happened yet, so a zombie counts as gone.
bool GoneNow(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  if (!(stat >> pid_field >> comm >> state)) return true;
  return state == "Z";
}

// A signalled process takes a moment to finish dying on a loaded machine: wait for
// it, within a bound.
bool Gone(pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!GoneNow(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const TimePoint kNow = FromEpochSeconds(1000);

TEST_F(ExecTest, SuccessUpdatesTheReportedSize) {
  ExecActuator a = Make("echo {group} {desired} > " + Path("out"));
  EXPECT_EQ(a.name(), "exec");
  auto before = a.Describe(kNow);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->desired, 2);  // the initial size
  EXPECT_EQ(before->ready, 2);

  ASSERT_TRUE(a.SetDesired(5, kNow).ok());
  EXPECT_EQ(Read("out"), "web 5\n");
  auto after = a.Describe(kNow);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->desired, 5);
  EXPECT_EQ(after->ready, 5);
  EXPECT_EQ(a.last_set(), 5);
}

TEST(ExecExpandTest, TemplateFieldsAreSubstitutedAndTheGroupQuoted) {
  struct Case {
    const char* name;
    const char* command;
    const char* group;
    int desired;
    const char* want;
  };
  const Case cases[] = {
      {"plain", "./scale.sh {group} {desired}", "web", 3, "./scale.sh web 3"},
      {"safe punctuation", "s {group}", "asg-prod_1.eu:a/b@c%d+e=f,g", 1,
       "s asg-prod_1.eu:a/b@c%d+e=f,g"},
      {"space", "s {group}", "my group", 1, "s 'my group'"},
      {"single quote", "s {group}", "it's", 1, "s 'it'\"'\"'s'"},
      {"command substitution", "s {group}", "$(rm -rf /)", 1, "s '$(rm -rf /)'"},
      {"empty group", "s {group} {desired}", "", 0, "s '' 0"},
      {"repeated", "{desired}-{desired} {group}{group}", "a", 12, "12-12 aa"},
      {"other braces stay", "echo ${HOME} {other} {group", "a", 1, "echo ${HOME} {other} {group"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ExpandCommand(c.command, c.group, c.desired), c.want);
  }
}

TEST_F(ExecTest, QuotedGroupReachesTheCommandAsOneArgument) {
  ExecOptions options;
  options.command = "printf '[%s]' {group} {desired} > " + Path("out");
  const std::string group = "a b;touch " + Path("pwned") + " 'x";
  ExecActuator a(std::move(options), group, 1);
  ASSERT_TRUE(a.SetDesired(3, kNow).ok());
  EXPECT_EQ(Read("out"), "[" + group + "][3]");
  EXPECT_FALSE(fs::exists(Path("pwned")));
}

TEST_F(ExecTest, NonZeroExitIsAnErrorAndLeavesTheSize) {
  Write("scale.sh", "#!/bin/sh\necho permission denied >&2\nexit 1\n");
  fs::permissions(Path("scale.sh"), fs::perms::owner_all);
  ExecActuator a = Make(Path("scale.sh") + " {group} {desired}");
  Status s = a.SetDesired(3, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "exec actuator for group web: '" + Path("scale.sh") +
                             " web 3' exited with 1: permission denied");
  EXPECT_EQ(a.last_set(), 2);
  auto status = a.Describe(kNow);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->desired, 2);
}

TEST_F(ExecTest, StderrIsCapturedIntoTheMessage) {
  ExecActuator a = Make("echo 'line one' >&2; echo 'line  two' >&2; exit 3 # {desired}");
  Status s = a.SetDesired(4, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exited with 3: line one line two"), std::string::npos) << s.message();
}

TEST_F(ExecTest, DeathBySignalIsAnError) {
  ExecActuator a = Make("kill -9 $$ # {desired}");
  Status s = a.SetDesired(4, kNow);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("was killed by signal 9"), std::string::npos) << s.message();
  EXPECT_EQ(a.last_set(), 2);
}

TEST_F(ExecTest, TimeoutKillsTheCommandAndItsChildren) {
  // The shell waits on a background sleep: both are in the killed process group.
  ExecActuator a = Make("echo $$ > " + Path("shell.pid") + "; sleep 30 & echo $! > " +
                            Path("sleep.pid") + "; wait # {desired}",
                        "", /*timeout_s=*/0.5, /*grace_s=*/0.5);
  auto start = std::chrono::steady_clock::now();
  Status s = a.SetDesired(3, kNow);
  double elapsed = SecondsSince(start);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("timed out after 0.5 s and was killed"), std::string::npos)
      << s.message();
  EXPECT_GE(elapsed, 0.45);
  EXPECT_LT(elapsed, 0.5 + 0.5 + 3);  // timeout + grace, and slack for a loaded machine
  EXPECT_EQ(a.last_set(), 2);
  EXPECT_TRUE(Gone(ReadPid("shell.pid")));
  EXPECT_TRUE(Gone(ReadPid("sleep.pid")));
}

TEST_F(ExecTest, TimeoutEscalatesToSigkillWhenSigtermIsIgnored) {
  // Ignored signals stay ignored across exec, so the sleep ignores SIGTERM too.
  RunOptions options{Duration(0.3), Duration(0.3)};
  auto start = std::chrono::steady_clock::now();
  CommandOutcome out = RunShellCommand(
      "trap '' TERM; echo $$ > " + Path("shell.pid") + "; sleep 30; sleep 30", options);
  double elapsed = SecondsSince(start);
  EXPECT_TRUE(out.started);
  EXPECT_TRUE(out.timed_out);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.signal, SIGKILL);
  EXPECT_GE(elapsed, 0.55);  // the grace was given
  EXPECT_LT(elapsed, 0.3 + 0.3 + 3);
  EXPECT_TRUE(Gone(ReadPid("shell.pid")));
}

TEST_F(ExecTest, ReturnsWhenTheShellExitsEvenIfABackgroundChildHoldsItsOutput) {
  RunOptions options{Duration(20), Duration(1)};
  auto start = std::chrono::steady_clock::now();
  CommandOutcome out =
      RunShellCommand("sleep 30 & echo $! > " + Path("sleep.pid") + "; echo early", options);
  double elapsed = SecondsSince(start);
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.out, "early\n");
  EXPECT_LT(elapsed, 10);  // far below the 20 s timeout
  ::kill(ReadPid("sleep.pid"), SIGKILL);
}

TEST_F(ExecTest, OutputIsBoundedAndAChattyCommandDoesNotBlock) {
  // 1 MB on each stream, far more than a pipe buffer holds.
  RunOptions options{Duration(20), Duration(1)};
  CommandOutcome out = RunShellCommand(
      "head -c 1000000 /dev/zero | tr '\\0' o; head -c 1000000 /dev/zero | tr '\\0' e >&2",
      options);
  EXPECT_TRUE(out.ok()) << out.err;
  EXPECT_EQ(out.out, std::string(kCaptureLimitBytes, 'o'));
  EXPECT_EQ(out.err, std::string(kCaptureLimitBytes, 'e'));
}

TEST_F(ExecTest, LostExitStatusIsAnError) {
  // With SIGCHLD ignored the kernel reaps children itself and their status is lost;
  // that must not pass for success.
  struct sigaction ignore {
  }, saved{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &saved), 0);
  CommandOutcome out = RunShellCommand("exit 0", RunOptions{});
  ::sigaction(SIGCHLD, &saved, nullptr);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(DescribeFailure("exit 0", out, RunOptions{}),
            "'exit 0' exit status was lost (is SIGCHLD ignored?)");
}

TEST(ExecParseTest, DescribeOutput) {
  struct Case {
    const char* name;
    const char* text;
    bool ok;
    int desired, ready;
  };
  const Case cases[] = {
      {"one integer", "3\n", true, 3, 3},
      {"two integers", "3 2\n", true, 3, 2},
      {"blanks around", "  4\t1 \r\n", true, 4, 1},
      {"zero", "0", true, 0, 0},
      {"ready above desired is clamped", "3 5", true, 3, 3},
      {"empty", "", false, 0, 0},
      {"only blanks", " \n", false, 0, 0},
      {"garbage", "garbage", false, 0, 0},
      {"trailing garbage", "3abc", false, 0, 0},
      {"second is garbage", "3 abc", false, 0, 0},
      {"fraction", "3.5", false, 0, 0},
      {"negative", "-1", false, 0, 0},
      {"three integers", "1 2 3", false, 0, 0},
      {"huge", "99999999999999999999", false, 0, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = ParseDescribeOutput(c.text);
    ASSERT_EQ(r.ok(), c.ok) << r.status().message();
    if (!c.ok) continue;
    EXPECT_EQ(r->desired, c.desired);
    EXPECT_EQ(r->ready, c.ready);
  }
}

TEST_F(ExecTest, DescribeCommandIsRunAndParsed) {
  ExecActuator one = Make("true {desired}", "echo 7");
  auto r1 = one.Describe(kNow);
  ASSERT_TRUE(r1.ok()) << r1.status().message();
  EXPECT_EQ(r1->desired, 7);
  EXPECT_EQ(r1->ready, 7);

  ExecActuator two = Make("true {desired}", "echo {group}: >&2; echo 7 4");
  auto r2 = two.Describe(kNow);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  EXPECT_EQ(r2->desired, 7);
  EXPECT_EQ(r2->ready, 4);
}

TEST_F(ExecTest, DescribeCommandErrors) {
  ExecActuator garbage = Make("true {desired}", "echo lots of garbage");
  auto r1 = garbage.Describe(kNow);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().message(),
            "exec actuator for group web: describe command 'echo lots of garbage': expected "
            "'desired' or 'desired ready' as integers, got 'lots of garbage'");

  ExecActuator failing = Make("true {desired}", "echo no such group >&2; exit 2");
  auto r2 = failing.Describe(kNow);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("exited with 2: no such group"), std::string::npos)
      << r2.status().message();
}

// A command that fails until a flag file exists, and appends the size to a log when
// it succeeds: the log holds exactly one line per successful SetDesired(), and a
// failed run applies nothing.
TEST_F(ExecTest, NoActionIsAppliedTwice) {
  ExecActuator a = Make("[ -f " + Path("flag") + " ] || { echo not ready >&2; exit 1; }; echo " +
                        "{desired} >> " + Path("log"));
  int successes = 0;
  struct Step {
    bool flag;
    int desired;
    bool want_ok;
    int want_size;
  };
  const Step steps[] = {
      {false, 3, false, 2}, {true, 3, true, 3}, {false, 4, false, 3},
      {false, 4, false, 3}, {true, 4, true, 4}, {true, 5, true, 5},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.desired);
    if (step.flag) {
      Write("flag", "");
    } else {
      fs::remove(Path("flag"));
    }
    Status s = a.SetDesired(step.desired, kNow);
    EXPECT_EQ(s.ok(), step.want_ok) << s.message();
    successes += s.ok();
    EXPECT_EQ(a.last_set(), step.want_size);
  }
  EXPECT_EQ(successes, 3);
  EXPECT_EQ(Read("log"), "3\n4\n5\n");
}

TEST(ExecRegistryTest, CreatedByNameWithCheckedParams) {
  ActuatorContext ctx;
  ctx.group = "web";
  ctx.initial = 4;

  Params good("actuator 'exec'");
  good.Set("command", "true {group} {desired}");
  good.Set("timeout_s", "5");
  auto a = Actuators().Create("exec", good, ctx);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ((*a)->name(), "exec");
  auto status = (*a)->Describe(kNow);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->desired, 4);
  ASSERT_TRUE((*a)->SetDesired(6, kNow).ok());
  EXPECT_EQ((*a)->Describe(kNow)->desired, 6);

  struct Case {
    const char* name;
    const char* key;
    const char* value;
    const char* want;
  };
  const Case bad[] = {
      {"no command", "timeout_s", "5", "'command' is required"},
      {"no {desired}", "command", "./scale.sh {group}", "must contain {desired}"},
      {"unknown key", "timeout", "5", "timeout_s"},
  };
  for (const Case& c : bad) {
    SCOPED_TRACE(c.name);
    Params p("actuator 'exec'");
    p.Set(c.key, c.value);
    auto r = Actuators().Create("exec", p, ctx);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status().message();
  }
  Params zero("actuator 'exec'");
  zero.Set("command", "true {desired}");
  zero.Set("timeout_s", "0");
  EXPECT_FALSE(Actuators().Create("exec", zero, ctx).ok());
}

}  // namespace
}  // namespace prescale
