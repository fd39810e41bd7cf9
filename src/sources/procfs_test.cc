#include "sources/procfs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace prescale {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- fixture files

// Two snapshots of a two-CPU host ten seconds apart. Over the interval: total
// 1400 - 1000 = 400 jiffies, idle (idle + iowait) 1050 - 850 = 200, so 50 % busy.
// guest (the 9th field) is already inside user and must not count twice.
constexpr std::string_view kStat1 =
    "cpu  100 0 50 800 50 0 0 0 0 0\n"
    "cpu0 50 0 25 400 25 0 0 0 0 0\n"
    "cpu1 50 0 25 400 25 0 0 0 0 0\n"
    "intr 12345 0 0\n"
    "ctxt 999\n";
constexpr std::string_view kStat2 =
    "cpu  250 0 100 1000 50 0 0 0 30 0\n"
    "cpu0 125 0 50 500 25 0 0 0 15 0\n"
    "cpu1 125 0 50 500 25 0 0 0 15 0\n"
    "intr 12399 0 0\n";

constexpr std::string_view kMeminfo =
    "MemTotal:        8000000 kB\n"
    "MemFree:         1000000 kB\n"
    "MemAvailable:    2000000 kB\n"
    "Buffers:          100000 kB\n";

constexpr std::string_view kNetDevHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

std::string NetDev(std::string_view rows) { return std::string(kNetDevHeader) + std::string(rows); }

// eth0 receives 10000 and sends 2000 bytes over the 10 s; wlan0 500 and 1000.
// Loopback moves a lot and must not count.
const std::string kNetDev1 = NetDev(
    "    lo:    5000      50    0    0    0     0          0         0     5000      50    0 "
    "   0    0     0       0          0\n"
    "  eth0:    1000      10    0    0    0     0          0         0     2000      20    0 "
    "   0    0     0       0          0\n"
    " wlan0:       0       0    0    0    0     0          0         0        0       0    0 "
    "   0    0     0       0          0\n");
const std::string kNetDev2 = NetDev(
    "    lo: 9000000      90    0    0    0     0          0         0  9000000      90    0 "
    "   0    0     0       0          0\n"
    "  eth0:   11000      30    0    0    0     0          0         0     4000      40    0 "
    "   0    0     0       0          0\n"
    " wlan0:     500       5    0    0    0     0          0         0     1000      10    0 "
    "   0    0     0       0          0\n");

constexpr std::string_view kUptime1 = "100.00 150.00\n";
constexpr std::string_view kUptime2 = "110.00 165.00\n";

const TimePoint kNow = FromEpochSeconds(1'700'000'000);

// A fake /proc in a fresh temporary directory, removed at the end of the test.
class ProcfsTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "prescale-procfs-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  void Write(const std::string& relative, std::string_view text) {
    fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  void WriteFirstSnapshot() {
    Write("stat", kStat1);
    Write("meminfo", kMeminfo);
    Write("net/dev", kNetDev1);
    Write("uptime", kUptime1);
  }
  void WriteSecondSnapshot() {
    Write("stat", kStat2);
    Write("net/dev", kNetDev2);
    Write("uptime", kUptime2);
  }
  ProcfsSource Source(std::optional<double> capacity = std::nullopt) {
    return ProcfsSource(ProcfsConfig{root_.string(), capacity}, "web");
  }

  fs::path root_;
};

// ---------------------------------------------------------------- the source

TEST_F(ProcfsTest, TwoSnapshotsGiveTheUtilisationAndRatesBetweenThem) {
  WriteFirstSnapshot();
  ProcfsSource source = Source();  // the baseline
  WriteSecondSnapshot();

  Observation o = source.Read(kNow);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.time, kNow);
  ASSERT_TRUE(o.cpu_utilization);
  EXPECT_DOUBLE_EQ(*o.cpu_utilization, 0.5);
  ASSERT_TRUE(o.memory_utilization);
  EXPECT_DOUBLE_EQ(*o.memory_utilization, 0.75);
  ASSERT_TRUE(o.network_in_bytes_per_s && o.network_out_bytes_per_s);
  EXPECT_DOUBLE_EQ(*o.network_in_bytes_per_s, (10000 + 500) / 10.0);
  EXPECT_DOUBLE_EQ(*o.network_out_bytes_per_s, (2000 + 1000) / 10.0);
  EXPECT_EQ(o.instances, 1);
  EXPECT_FALSE(o.load_per_s) << "no capacity_per_instance, so no load";
}

TEST_F(ProcfsTest, EachReadMeasuresTheIntervalSinceThePreviousOne) {
  WriteFirstSnapshot();
  ProcfsSource source = Source();
  WriteSecondSnapshot();
  ASSERT_EQ(source.Read(kNow).error, "");
  // Another 5 s: 100 jiffies, all idle; eth0 receives 100 bytes more.
  Write("stat", "cpu  250 0 100 1100 50 0 0 0 30 0\n");
  Write("uptime", "115.00 175.00\n");
  Write("net/dev", NetDev("  eth0:   11100 0 0 0 0 0 0 0  4000 0 0 0 0 0 0 0\n"
                          " wlan0:     500 0 0 0 0 0 0 0  1000 0 0 0 0 0 0 0\n"));
  Observation o = source.Read(kNow + Duration(5));
  EXPECT_EQ(o.error, "");
  EXPECT_DOUBLE_EQ(o.cpu_utilization.value_or(-1), 0);
  EXPECT_DOUBLE_EQ(o.network_in_bytes_per_s.value_or(-1), 20);
  EXPECT_DOUBLE_EQ(o.network_out_bytes_per_s.value_or(-1), 0);
}

TEST_F(ProcfsTest, CapacityPerInstanceTurnsCpuIntoLoad) {
  WriteFirstSnapshot();
  ProcfsSource source = Source(/*capacity=*/200);
  WriteSecondSnapshot();
  Observation o = source.Read(kNow);
  ASSERT_TRUE(o.load_per_s);
  EXPECT_DOUBLE_EQ(*o.load_per_s, 0.5 * 200);
}

TEST_F(ProcfsTest, NoTimeSinceTheBaselineGivesTheAveragesSinceBoot) {
  WriteFirstSnapshot();
  ProcfsSource source = Source();
  Observation o = source.Read(kNow);  // same counters as the baseline
  EXPECT_EQ(o.error, "");
  EXPECT_DOUBLE_EQ(o.cpu_utilization.value_or(-1), 1 - 850.0 / 1000);
  EXPECT_DOUBLE_EQ(o.network_in_bytes_per_s.value_or(-1), 1000 / 100.0);
  EXPECT_DOUBLE_EQ(o.network_out_bytes_per_s.value_or(-1), 2000 / 100.0);
}

TEST_F(ProcfsTest, AnInterfaceWhoseCountersWentBackIsLeftOutOfThatInterval) {
  WriteFirstSnapshot();
  ProcfsSource source = Source();
  WriteSecondSnapshot();
  // eth0 was re-created and counts from 0 again; only wlan0 has an interval.
  Write("net/dev", NetDev("  eth0:      10 0 0 0 0 0 0 0    20 0 0 0 0 0 0 0\n"
                          " wlan0:     500 0 0 0 0 0 0 0  1000 0 0 0 0 0 0 0\n"));
  Observation o = source.Read(kNow);
  EXPECT_DOUBLE_EQ(o.network_in_bytes_per_s.value_or(-1), 50);
  EXPECT_DOUBLE_EQ(o.network_out_bytes_per_s.value_or(-1), 100);
}

TEST_F(ProcfsTest, MissingFilesGiveAnErrorObservation) {
  ProcfsSource source = Source();  // an empty directory: the baseline fails too
  Observation o = source.Read(kNow);
  EXPECT_EQ(o.time, kNow);
  EXPECT_FALSE(o.cpu_utilization);
  EXPECT_FALSE(o.memory_utilization);
  EXPECT_FALSE(o.network_in_bytes_per_s);
  EXPECT_FALSE(o.network_out_bytes_per_s);
  EXPECT_FALSE(o.load_per_s);
  for (std::string_view part : {"procfs for group web: ", "cannot open", "/stat: No such file",
                                "/meminfo: No such file", "/net/dev: No such file"}) {
    EXPECT_NE(o.error.find(part), std::string::npos) << "missing '" << part << "' in " << o.error;
  }

  // The files appear: the source recovers (the since-boot means, having no baseline).
  WriteFirstSnapshot();
  o = source.Read(kNow + Duration(60));
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.cpu_utilization && o.memory_utilization && o.network_in_bytes_per_s);
}

TEST_F(ProcfsTest, OneMissingFileLeavesTheOtherMetrics) {
  WriteFirstSnapshot();
  ProcfsSource source = Source();
  WriteSecondSnapshot();
  fs::remove(root_ / "meminfo");
  Observation o = source.Read(kNow);
  EXPECT_FALSE(o.memory_utilization);
  EXPECT_DOUBLE_EQ(o.cpu_utilization.value_or(-1), 0.5);
  EXPECT_TRUE(o.network_in_bytes_per_s);
  EXPECT_NE(o.error.find("meminfo"), std::string::npos) << o.error;
  EXPECT_EQ(o.error.find("stat"), std::string::npos) << o.error;
}

TEST_F(ProcfsTest, AGarbledFileNamesItselfAndWhatIsWrong) {
  WriteFirstSnapshot();
  ProcfsSource source = Source();
  Write("stat", "cpu  1 2 x 4\n");
  Observation o = source.Read(kNow);
  EXPECT_FALSE(o.cpu_utilization);
  EXPECT_NE(o.error.find("/stat: 'cpu' field 3 'x' is not a count"), std::string::npos) << o.error;
}

TEST(ProcfsRealTest, ReadsThisHost) {
  ProcfsSource source(ProcfsConfig{}, "self");
  Observation o = source.Read(kNow);
  EXPECT_EQ(o.error, "");
  ASSERT_TRUE(o.cpu_utilization);
  EXPECT_GE(*o.cpu_utilization, 0);
  EXPECT_LE(*o.cpu_utilization, 1);
  ASSERT_TRUE(o.memory_utilization);
  EXPECT_GT(*o.memory_utilization, 0);
  EXPECT_LE(*o.memory_utilization, 1);
  ASSERT_TRUE(o.network_in_bytes_per_s && o.network_out_bytes_per_s);
  EXPECT_GE(*o.network_in_bytes_per_s, 0);
  EXPECT_GE(*o.network_out_bytes_per_s, 0);
  EXPECT_EQ(o.instances, 1);
}

// ---------------------------------------------------------------- the factory

TEST(ProcfsFactoryTest, DefaultsReadTheRealProc) {
  auto s = Sources().Create("procfs", Params(), SourceContext{"web"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ((*s)->name(), "procfs");
  EXPECT_TRUE((*s)->Read(kNow).cpu_utilization);
}

struct FactoryErrorCase {
  const char* name;
  std::vector<std::pair<std::string, std::string>> params;
  std::string_view complaint;
};

const FactoryErrorCase kFactoryErrorCases[] = {
    {"UnknownKey",
     {{"proc_rot", "/proc"}},
     "'proc_rot' is not a known key (did you mean 'proc_root'?)"},
    {"RootIsNotADirectory", {{"proc_root", "/no/such/dir"}}, "'proc_root' '/no/such/dir' is not"},
    {"ZeroCapacity", {{"capacity_per_instance", "0"}}, "'capacity_per_instance' must be above 0"},
    {"CapacityNotANumber", {{"capacity_per_instance", "lots"}}, "'capacity_per_instance' expects"},
};

class ProcfsFactoryErrorTest : public testing::TestWithParam<FactoryErrorCase> {};

TEST_P(ProcfsFactoryErrorTest, NamesTheKey) {
  Params p("source 'procfs'");
  for (const auto& [k, v] : GetParam().params) p.Set(k, v);
  auto s = Sources().Create("procfs", p, SourceContext{});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(GetParam().complaint), std::string::npos)
      << s.status().message();
}

INSTANTIATE_TEST_SUITE_P(Cases, ProcfsFactoryErrorTest, testing::ValuesIn(kFactoryErrorCases),
                         [](const testing::TestParamInfo<FactoryErrorCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------- the parsers

TEST(ProcfsParseTest, ProcStat) {
  Result<CpuTimes> t = ParseProcStat(kStat2);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->total, 1400u);
  EXPECT_EQ(t->idle, 1050u);

  Result<CpuTimes> old_kernel = ParseProcStat("cpu 1 2 3 4\n");
  ASSERT_TRUE(old_kernel.ok());
  EXPECT_EQ(old_kernel->total, 10u);
  EXPECT_EQ(old_kernel->idle, 4u);

  EXPECT_EQ(ParseProcStat("cpu0 1 2 3 4\n").status().message(), "no aggregate 'cpu' line");
  EXPECT_EQ(ParseProcStat("cpu 1 2 3\n").status().message(),
            "'cpu' line has 3 fields, expected at least 4");
  EXPECT_FALSE(ParseProcStat("cpu 1 2 3 -4\n").ok());
}

TEST(ProcfsParseTest, Meminfo) {
  Result<double> m = ParseMeminfo(kMeminfo);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_DOUBLE_EQ(*m, 0.75);
  EXPECT_NE(
      ParseMeminfo("MemTotal: 100 kB\nMemFree: 50 kB\n").status().message().find("no MemAvailable"),
      std::string::npos);
  EXPECT_EQ(ParseMeminfo("MemAvailable: 5 kB\n").status().message(), "no MemTotal line");
  EXPECT_EQ(ParseMeminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n").status().message(),
            "MemTotal is 0");
  EXPECT_FALSE(ParseMeminfo("MemTotal: lots\nMemAvailable: 5 kB\n").ok());
}

TEST(ProcfsParseTest, NetDevLeavesOutLoopbackAndReadsWideCounters) {
  Result<NetCounters> n =
      ParseNetDev(NetDev("    lo: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n"
                         "  eth0:12345678901 0 0 0 0 0 0 0 42 0 0 0 0 0 0 0\n"));
  ASSERT_TRUE(n.ok()) << n.status().message();
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ(n->at("eth0").received, 12345678901u);
  EXPECT_EQ(n->at("eth0").sent, 42u);
  EXPECT_TRUE(ParseNetDev(kNetDevHeader)->empty());
  EXPECT_FALSE(ParseNetDev(NetDev("  eth0: 1 2 3\n")).ok());
}

TEST(ProcfsParseTest, Uptime) {
  EXPECT_DOUBLE_EQ(ParseUptime(kUptime1).value(), 100);
  EXPECT_FALSE(ParseUptime("").ok());
  EXPECT_FALSE(ParseUptime("soon\n").ok());
}

}  // namespace
}  // namespace prescale
