// Coordinator: high availability of `prescale run` through an etcd lease
// (docs/ha.md).
//
// Each replica holds one etcd lease, kept alive every TTL/3, and lists itself
// under <prefix>/members/<member> on it. Who may actuate:
//   - without sharding, the leader: the replica whose member id is the value of
//     <prefix>/leader, a key created on its lease only while absent (etcd's
//     election recipe: a txn comparing the key's create revision with 0). When the
//     leader dies its lease expires after the TTL, the key goes with it, and the
//     next follower to look (every poll, a tenth of the TTL) takes it;
//   - with sharding, each group's owner: the live member that wins the group by
//     rendezvous hashing (Thaler & Ravishankar 1998, "highest random weight") over
//     the members listed in etcd. The owner takes <prefix>/groups/<group> on its
//     lease before it actuates; a replica that holds a group it no longer wins
//     (a member joined) deletes the key, and the new owner takes it. So a member
//     joining or leaving moves only its share of the groups.
//
// Fencing: MayActuate() answers OK only if the lock key holds this member's id on
// this replica's current lease (read from etcd at that moment) and the lease is
// still good by the local clock with a margin: its last keep-alive was sent less
// than TTL - margin ago (etcd counts the TTL from when it received that keep-alive,
// which is later). A failed keep-alive stops actuation at once, before the lease
// has even expired. Another replica can only take the key after the lease has
// expired in etcd, so two replicas never actuate the same group at once unless
// one of them stalls for longer than the margin between the check and the call.
//
// Time comes from the injected Clock (monotonic time for the lease), and the loop
// sleeps on it in short steps, so Stop() returns within one poll.
//
// Thread safety: MayActuate() and Snapshot() from any thread; Start/Stop from one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ha/etcd_client.h"
#include "prescale/actuation_gate.h"
#include "prescale/clock.h"

namespace prescale::ha {

struct HaConfig {
  std::vector<std::string> etcd;  // client URLs, http://host:port; empty: HA off
  std::string prefix = "/prescale/default";
  std::string member;             // this replica's id; unique among the replicas
  Duration lease_ttl{5};
  bool shard = false;
  bool enabled() const { return !etcd.empty(); }
};

// The rendezvous winner of `group` among `members` (empty when there are none).
std::string RendezvousOwner(const std::vector<std::string>& members, const std::string& group);

class Coordinator final : public ActuationGate {
 public:
  using LogFn = std::function<void(bool warning, const std::string& line)>;

  // `clock` must outlive the coordinator. REQUIRES: config.enabled(), member set.
  Coordinator(HaConfig config, Clock& clock, LogFn log);
  ~Coordinator() override;  // Stops.

  // Grants the lease and registers the member, then coordinates on a thread of
  // its own. Tries every endpoint in turn, a poll apart, for one lease TTL, so an
  // error in passing is not fatal; an error if none has answered by then.
  Status Start();
  // Releases what this replica holds and revokes its lease, so that another takes
  // over at once rather than after the TTL. Idempotent.
  void Stop();

  Status MayActuate(const std::string& group) override;

  struct View {
    std::string member;
    bool lease_ok = false;
    std::int64_t lease = 0;
    bool shard = false;
    bool leader = false;         // holds <prefix>/leader (without sharding)
    std::string leader_member;   // who does, as last seen; "" if nobody
    std::vector<std::string> members;
    std::vector<std::string> held_groups;  // with sharding
    std::int64_t keepalive_failures = 0;
    std::int64_t fenced = 0;     // actuations refused
  };
  View Snapshot() const;

  const HaConfig& config() const { return config_; }

 private:
  void Loop();
  // One round: lease, members, election or release of groups no longer won.
  void Round();
  // Sleeps until `until`, in steps the clock can measure, or until Stop.
  void Pause(MonotonicPoint until);
  bool LeaseGood() const;  // REQUIRES: mu_ held
  const EtcdClient& Client() const;
  // After a failed call: try the next endpoint next time.
  void Failed(const Status& s);
  std::string LockKey(const std::string& group) const;

  const HaConfig config_;
  Clock& clock_;
  const LogFn log_;
  Duration poll_;
  Duration margin_;
  std::vector<std::unique_ptr<EtcdClient>> clients_;
  std::atomic<std::size_t> current_{0};

  mutable std::mutex mu_;  // guards what follows
  std::int64_t lease_ = 0;
  bool lease_ok_ = false;
  MonotonicPoint keepalive_sent_{};
  MonotonicPoint valid_until_{};
  bool leader_ = false;
  std::string leader_member_;
  std::vector<std::string> members_;
  std::set<std::string> held_;
  std::int64_t keepalive_failures_ = 0;
  std::int64_t fenced_ = 0;
  std::string last_warning_;

  std::atomic<bool> stop_{false};
  std::thread thread_;
  bool started_ = false;
};

}  // namespace prescale::ha
