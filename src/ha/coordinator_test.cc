#include "ha/coordinator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/real_server_test_util.h"
#include "ha/etcd_client.h"

namespace prescale::ha {
namespace {

using test::ChildProcess;
using test::FindProgram;
using test::FreePorts;
using test::TempDir;
using test::WaitFor;

// ---------------------------------------------------------------- pure parts

struct Base64Case {
  std::string name;
  std::string bytes;
  std::string text;
};

class Base64Test : public ::testing::TestWithParam<Base64Case> {};

TEST_P(Base64Test, EncodesAndDecodes) {
  EXPECT_EQ(Base64Encode(GetParam().bytes), GetParam().text);
  EXPECT_EQ(Base64Decode(GetParam().text), GetParam().bytes);
}

// RFC 4648, section 10, and the key of the gateway's own answer.
INSTANTIATE_TEST_SUITE_P(
    Rfc4648, Base64Test,
    ::testing::Values(Base64Case{"empty", "", ""}, Base64Case{"f", "f", "Zg=="},
                      Base64Case{"fo", "fo", "Zm8="}, Base64Case{"foo", "foo", "Zm9v"},
                      Base64Case{"foob", "foob", "Zm9vYg=="},
                      Base64Case{"fooba", "fooba", "Zm9vYmE="},
                      Base64Case{"foobar", "foobar", "Zm9vYmFy"},
                      Base64Case{"leader_key", "/p/leader", "L3AvbGVhZGVy"},
                      Base64Case{"high_bytes", std::string("\xff\x00\x80", 3), "/wCA"}),
    [](const auto& info) { return info.param.name; });

TEST(Base64Test, RefusesWhatIsNotBase64) {
  EXPECT_EQ(Base64Decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zg==Zg"), std::nullopt);
}

TEST(PrefixEndTest, IncrementsTheLastByteThatCan) {
  EXPECT_EQ(PrefixEnd("/p/"), "/p0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff", 1)), std::string(1, '\0'));
}

std::vector<std::string> Groups(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("group-" + std::to_string(i));
  return out;
}

TEST(RendezvousTest, SpreadsGroupsAndMovesOnlyTheLeaversShare) {
  const std::vector<std::string> three = {"a", "b", "c"};
  const std::vector<std::string> two = {"a", "c"};
  std::map<std::string, int> share;
  int moved = 0;
  for (const std::string& g : Groups(3000)) {
    const std::string before = RendezvousOwner(three, g);
    ++share[before];
    const std::string after = RendezvousOwner(two, g);
    if (before != "b") {
      EXPECT_EQ(after, before) << g << " moved although its owner stayed";
    } else {
      ++moved;
    }
  }
  // About a third each (binomial: 1000 +- 3 sigma of 26).
  for (const auto& [member, n] : share) {
    EXPECT_GT(n, 900) << member;
    EXPECT_LT(n, 1100) << member;
  }
  EXPECT_EQ(moved, share["b"]);
  // The same answer whatever the order of the list (each replica lists its own way).
  EXPECT_EQ(RendezvousOwner({"c", "a", "b"}, "group-7"), RendezvousOwner(three, "group-7"));
  EXPECT_EQ(RendezvousOwner({}, "group-7"), "");
}

// ---------------------------------------------------------------- a real etcd

// Debian's etcd on two free loopback ports, with a data folder of its own.
class EtcdFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    FindEtcd();
    if (IsSkipped() || HasFatalFailure()) return;
    StartEtcd();
  }

  // Finds the etcd binary (skips without it) and two free ports for it.
  void FindEtcd() {
    const std::optional<std::string> etcd = FindProgram("etcd");
    if (!etcd) GTEST_SKIP() << "needs the Debian package etcd-server";
    etcd_ = *etcd;
    const std::vector<int> ports = FreePorts(2);
    ASSERT_GT(ports[0], 0);
    ASSERT_GT(ports[1], 0);
    url_ = "http://127.0.0.1:" + std::to_string(ports[0]);
    peer_ = "http://127.0.0.1:" + std::to_string(ports[1]);
  }

  // Starts the one-member etcd and waits until it serves.
  void StartEtcd() {
    ASSERT_TRUE(server_.Start(
        {etcd_, "--name", "test", "--data-dir", (dir_.path() / "data").string(),
         "--listen-client-urls", url_, "--advertise-client-urls", url_, "--listen-peer-urls", peer_,
         "--initial-advertise-peer-urls", peer_, "--initial-cluster", "test=" + peer_},
        (dir_.path() / "etcd.log").string()));
    EtcdClient client(url_, Duration(0.5));
    ASSERT_TRUE(WaitFor([&] { return client.Get("/ready").ok(); }, Duration(30)))
        << "etcd did not start";
  }

  std::unique_ptr<Coordinator> Make(const std::string& member, bool shard = false) {
    HaConfig c;
    c.etcd = {url_};
    c.prefix = "/prescale/test";
    c.member = member;
    c.lease_ttl = Duration(2);
    c.shard = shard;
    return std::make_unique<Coordinator>(c, RealClock::Default(),
                                         [](bool, const std::string&) {});
  }

  TempDir dir_{"prescale-etcd"};
  ChildProcess server_;
  std::string etcd_, url_, peer_;
};

TEST_F(EtcdFixture, ClientSpeaksTheGateway) {
  EtcdClient etcd(url_, Duration(1));
  auto lease = etcd.Grant(5);
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  EXPECT_EQ(lease->ttl_s, 5);
  auto created = etcd.CreateIfAbsent("/t/k", "me", lease->id);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->value, "me");
  auto second = etcd.CreateIfAbsent("/t/k", "you", 0);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->value, "me");
  EXPECT_EQ(second->lease, lease->id);
  ASSERT_TRUE(etcd.Put("/t/other", "x", 0).ok());
  auto listed = etcd.GetPrefix("/t/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "/t/k");
  ASSERT_TRUE(etcd.DeleteIfValue("/t/k", "you").ok());
  EXPECT_TRUE(etcd.Get("/t/k")->has_value()) << "deleted although the value differs";
  ASSERT_TRUE(etcd.DeleteIfValue("/t/k", "me").ok());
  EXPECT_FALSE(etcd.Get("/t/k")->has_value());
  auto renewed = etcd.KeepAlive(lease->id);
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->ttl_s, 5);
  ASSERT_TRUE(etcd.Revoke(lease->id).ok());
  auto expired = etcd.KeepAlive(lease->id);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->ttl_s, 0);
}

TEST_F(EtcdFixture, OneLeaderAndAHandoverWhenItLeaves) {
  auto a = Make("a");
  auto b = Make("b");
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  // a joined first and took the key; b is a follower and is fenced.
  EXPECT_TRUE(a->MayActuate("web").ok());
  Status refused = b->MayActuate("web");
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("'a' holds"), std::string::npos) << refused.message();
  EXPECT_TRUE(WaitFor([&] { return b->Snapshot().members.size() == 2; }, Duration(5)));
  // a leaves (revoking its lease): b leads within a poll, not a TTL.
  a->Stop();
  EXPECT_FALSE(a->MayActuate("web").ok());
  ASSERT_TRUE(WaitFor([&] { return b->MayActuate("web").ok(); }, Duration(2)));
  EXPECT_TRUE(b->Snapshot().leader);
}

TEST_F(EtcdFixture, FencedAsSoonAsEtcdIsGone) {
  auto a = Make("a");
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(a->MayActuate("web").ok());
  server_.Stop();
  // The check before each action asks etcd: no answer, no action.
  EXPECT_FALSE(a->MayActuate("web").ok());
  EXPECT_TRUE(WaitFor([&] { return !a->Snapshot().lease_ok; }, Duration(3)));
}

TEST_F(EtcdFixture, ShardsGiveEachGroupToExactlyOneMember) {
  std::vector<std::unique_ptr<Coordinator>> members;
  for (const char* m : {"a", "b", "c"}) {
    members.push_back(Make(m, /*shard=*/true));
    ASSERT_TRUE(members.back()->Start().ok());
  }
  for (auto& m : members) {
    ASSERT_TRUE(WaitFor([&] { return m->Snapshot().members.size() == 3; }, Duration(5)));
  }
  auto owners = [&](int n) {
    std::map<std::string, std::vector<std::string>> out;
    for (const std::string& g : Groups(n)) {
      for (auto& m : members) {
        if (m->MayActuate(g).ok()) out[g].push_back(m->config().member);
      }
    }
    return out;
  };
  std::map<std::string, std::vector<std::string>> first = owners(30);
  std::set<std::string> used;
  for (const std::string& g : Groups(30)) {
    ASSERT_EQ(first[g].size(), 1u) << g;
    used.insert(first[g][0]);
  }
  EXPECT_EQ(used.size(), 3u) << "30 groups all on fewer than 3 members";
  // c leaves: its groups go to a and b, the others stay where they were.
  members[2]->Stop();
  members.pop_back();
  for (auto& m : members) {
    ASSERT_TRUE(WaitFor([&] { return m->Snapshot().members.size() == 2; }, Duration(5)));
  }
  std::map<std::string, std::vector<std::string>> second = owners(30);
  for (const std::string& g : Groups(30)) {
    ASSERT_EQ(second[g].size(), 1u) << g;
    if (first[g][0] != "c") {
      EXPECT_EQ(second[g][0], first[g][0]) << g;
    }
  }
}

// The same etcd, started only once the replica has tried and failed to join it.
class LateEtcdFixture : public EtcdFixture {
 protected:
  void SetUp() override { FindEtcd(); }
};

// An etcd that is not up yet when the replica starts (both started together, as a
// service manager may): Start keeps trying, a poll apart, for one lease TTL.
TEST_F(LateEtcdFixture, StartWaitsForAnEtcdThatComesUpWithinTheTtl) {
  HaConfig c;
  c.etcd = {url_};
  c.member = "a";
  c.lease_ttl = Duration(20);
  std::atomic<bool> refused{false};
  Coordinator coordinator(c, RealClock::Default(), [&](bool warning, const std::string&) {
    if (warning) refused = true;
  });
  std::future<Status> started = std::async(std::launch::async, [&] { return coordinator.Start(); });
  // The first attempt meets a closed port; then etcd comes up.
  ASSERT_TRUE(WaitFor([&] { return refused.load(); }, Duration(10)));
  StartEtcd();
  if (HasFatalFailure()) return;
  const Status s = started.get();
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(coordinator.MayActuate("web").ok());
  coordinator.Stop();
}

TEST(CoordinatorTest, StartFailsClearlyWithoutEtcd) {
  const std::vector<int> ports = FreePorts(1);
  HaConfig c;
  c.etcd = {"http://127.0.0.1:" + std::to_string(ports[0])};
  c.member = "a";
  c.lease_ttl = Duration(2);
  Coordinator coordinator(c, RealClock::Default(), [](bool, const std::string&) {});
  Status s = coordinator.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot join through etcd"), std::string::npos) << s.message();
  EXPECT_FALSE(coordinator.MayActuate("web").ok());
}

}  // namespace
}  // namespace prescale::ha
