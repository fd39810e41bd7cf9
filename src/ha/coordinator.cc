#include "ha/coordinator.h"

#include <algorithm>
#include <utility>

namespace prescale::ha {
namespace {

// FNV-1a then SplitMix64's finaliser: a stable 64-bit hash, the same in every
// replica and build (std::hash promises neither).
std::uint64_t Hash64(const std::string& a, const std::string& b) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (unsigned char c : a) mix(c);
  mix(0);
  for (unsigned char c : b) mix(c);
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace

std::string RendezvousOwner(const std::vector<std::string>& members, const std::string& group) {
  std::string best;
  std::uint64_t best_score = 0;
  for (const std::string& m : members) {
    const std::uint64_t score = Hash64(m, group);
    // Ties (never in practice) go to the smaller id, so every replica agrees.
    if (best.empty() || score > best_score || (score == best_score && m < best)) {
      best = m;
      best_score = score;
    }
  }
  return best;
}

Coordinator::Coordinator(HaConfig config, Clock& clock, LogFn log)
    : config_(std::move(config)), clock_(clock), log_(std::move(log)) {
  // Followers look for a vacant key ten times per TTL, so a handover waits little
  // past the lease's expiry; each call may take at most a fifth of the TTL.
  poll_ = std::clamp(config_.lease_ttl / 10.0, Duration(0.05), Duration(1.0));
  margin_ = config_.lease_ttl / 5.0;
  const Duration timeout = std::min(Duration(2.0), config_.lease_ttl / 5.0);
  for (const std::string& url : config_.etcd) {
    clients_.push_back(std::make_unique<EtcdClient>(url, timeout));
  }
}

Coordinator::~Coordinator() { Stop(); }

const EtcdClient& Coordinator::Client() const {
  return *clients_[current_.load() % clients_.size()];
}

void Coordinator::Failed(const Status& s) {
  current_.fetch_add(1);
  std::lock_guard lock(mu_);
  if (s.message() != last_warning_) {
    last_warning_ = s.message();
    log_(true, "HA: " + s.message());
  }
}

std::string Coordinator::LockKey(const std::string& group) const {
  return config_.shard ? config_.prefix + "/groups/" + group : config_.prefix + "/leader";
}

Status Coordinator::Start() {
  if (started_) return Status::Error("HA coordinator: already started");
  started_ = true;
  if (clients_.empty()) return Status::Error("HA: no etcd endpoint");
  // Every endpoint in turn, a poll apart, for one lease TTL: an error in passing (etcd
  // just up, a connection dropped) is not fatal, and no etcd at all fails in a TTL.
  const MonotonicPoint deadline = clock_.Monotonic() + config_.lease_ttl;
  for (std::size_t attempt = 1;; ++attempt) {
    Round();
    const bool pass_done = attempt % clients_.size() == 0;  // else the next endpoint now
    {
      std::lock_guard lock(mu_);
      if (lease_ok_) break;
      if (pass_done && clock_.Monotonic() >= deadline) {
        return Status::Error("HA: cannot join through etcd (" + last_warning_ + ")");
      }
    }
    if (pass_done) Pause(std::min(deadline, clock_.Monotonic() + poll_));
  }
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Coordinator::Stop() {
  if (!started_) return;
  started_ = false;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::int64_t lease;
  std::set<std::string> held;
  bool leader;
  {
    std::lock_guard lock(mu_);
    lease = lease_;
    held = held_;
    leader = leader_;
    lease_ok_ = false;
    leader_ = false;
    held_.clear();
  }
  if (lease == 0) return;
  // Revoking the lease deletes every key on it (member, leader, groups) at once.
  if (Status s = Client().Revoke(lease); !s.ok()) {
    log_(true, "HA: could not revoke the lease on the way out (" + s.message() +
                   "); others take over when it expires");
  } else {
    log_(false, std::string("HA: left the cluster") +
                    (leader ? ", leadership handed over" : "") +
                    (held.empty() ? "" : ", " + std::to_string(held.size()) + " group(s) released"));
  }
}

bool Coordinator::LeaseGood() const {
  return lease_ok_ && clock_.Monotonic() + margin_ < valid_until_;
}

void Coordinator::Loop() {
  while (!stop_.load()) {
    const MonotonicPoint next = clock_.Monotonic() + poll_;
    Round();
    Pause(next);
  }
}

void Coordinator::Pause(MonotonicPoint until) {
  // Sleep in steps the clock can measure, looking at the stop flag.
  while (!stop_.load() && clock_.Monotonic() < until) {
    clock_.SleepUntil(clock_.Now() +
                      std::min(Duration(0.05), Duration(until - clock_.Monotonic())));
  }
}

void Coordinator::Round() {
  const EtcdClient& etcd = Client();
  const MonotonicPoint now = clock_.Monotonic();
  std::int64_t lease;
  bool need_keepalive;
  {
    std::lock_guard lock(mu_);
    lease = lease_;
    need_keepalive = lease != 0 && now - keepalive_sent_ >= config_.lease_ttl / 3.0;
  }

  // 1. The lease: granted once, then kept alive every TTL/3. A failure stops
  //    actuation at once; an expired lease is replaced, and the member re-listed.
  if (lease == 0) {
    const MonotonicPoint sent = clock_.Monotonic();
    Result<Lease> granted = etcd.Grant(static_cast<std::int64_t>(config_.lease_ttl.count()));
    if (!granted.ok()) return Failed(granted.status());
    if (Status s = etcd.Put(config_.prefix + "/members/" + config_.member, config_.member,
                            granted->id);
        !s.ok()) {
      (void)etcd.Revoke(granted->id);
      return Failed(s);
    }
    std::lock_guard lock(mu_);
    lease_ = lease = granted->id;
    lease_ok_ = true;
    keepalive_sent_ = sent;
    valid_until_ = sent + Duration(static_cast<double>(granted->ttl_s));
    last_warning_.clear();
    log_(false, "HA: joined as member '" + config_.member + "' (lease " + std::to_string(lease) +
                    ", TTL " + std::to_string(granted->ttl_s) + "s)");
  } else if (need_keepalive) {
    const MonotonicPoint sent = clock_.Monotonic();
    Result<Lease> renewed = etcd.KeepAlive(lease);
    std::unique_lock lock(mu_);
    if (!renewed.ok()) {
      // Retried every poll until it works or the lease has expired.
      lease_ok_ = false;
      ++keepalive_failures_;
      lock.unlock();
      return Failed(renewed.status().WithContext("keep-alive failed, not actuating"));
    }
    if (renewed->ttl_s <= 0) {
      log_(true, "HA: lease " + std::to_string(lease) + " expired" +
                     (leader_ ? ": no longer the leader" : "") + "; joining again");
      lease_ = 0;
      lease_ok_ = false;
      leader_ = false;
      held_.clear();
      return;
    }
    lease_ok_ = true;
    keepalive_sent_ = sent;
    valid_until_ = sent + Duration(static_cast<double>(renewed->ttl_s));
  }

  // 2. The live members.
  Result<std::vector<KeyValue>> listed = etcd.GetPrefix(config_.prefix + "/members/");
  if (!listed.ok()) return Failed(listed.status());
  std::vector<std::string> members;
  for (const KeyValue& kv : *listed) members.push_back(kv.value);
  if (std::find(members.begin(), members.end(), config_.member) == members.end()) {
    members.push_back(config_.member);  // our own key may not be visible yet
  }
  std::sort(members.begin(), members.end());

  if (!config_.shard) {
    // 3a. The election: take the leader key if it is vacant.
    Result<KeyValue> holder = etcd.CreateIfAbsent(LockKey(""), config_.member, lease);
    if (!holder.ok()) return Failed(holder.status());
    const bool mine = holder->value == config_.member && holder->lease == lease;
    std::lock_guard lock(mu_);
    members_ = std::move(members);
    if (mine && !leader_) {
      log_(false, "HA: became the leader (member '" + config_.member + "')");
    } else if (!mine && leader_) {
      log_(true, "HA: no longer the leader ('" + holder->value + "' is)");
    }
    leader_ = mine;
    leader_member_ = holder->value;
    return;
  }

  // 3b. Sharding: let go of the groups another member now wins.
  std::set<std::string> held;
  {
    std::lock_guard lock(mu_);
    members_ = members;
    held = held_;
  }
  for (const std::string& group : held) {
    if (RendezvousOwner(members, group) == config_.member) continue;
    {
      // Stop actuating it before the key goes.
      std::lock_guard lock(mu_);
      held_.erase(group);
    }
    if (Status s = etcd.DeleteIfValue(LockKey(group), config_.member); !s.ok()) return Failed(s);
    log_(false, "HA: released group '" + group + "' to '" + RendezvousOwner(members, group) + "'");
  }
}

Status Coordinator::MayActuate(const std::string& group) {
  std::int64_t lease;
  std::vector<std::string> members;
  {
    std::lock_guard lock(mu_);
    if (!LeaseGood()) {
      ++fenced_;
      return Status::Error("HA: the lease is not confirmed (etcd unreachable?), not actuating");
    }
    lease = lease_;
    members = members_;
  }
  const EtcdClient& etcd = Client();
  Result<KeyValue> holder = Status::Error("");
  if (config_.shard) {
    const std::string owner = RendezvousOwner(members, group);
    if (owner != config_.member) {
      std::lock_guard lock(mu_);
      ++fenced_;
      return Status::Error("HA: follower for this group (shard of '" + owner + "')");
    }
    holder = etcd.CreateIfAbsent(LockKey(group), config_.member, lease);
  } else {
    Result<std::optional<KeyValue>> got = etcd.Get(LockKey(group));
    if (!got.ok()) {
      holder = got.status();
    } else {
      holder = got->value_or(KeyValue{});
    }
  }
  std::lock_guard lock(mu_);
  if (!holder.ok()) {
    ++fenced_;
    current_.fetch_add(1);
    return holder.status().WithContext("HA: cannot confirm the lease, not actuating");
  }
  const bool mine = holder->value == config_.member && holder->lease == lease;
  // The lease must still be good after the round trip, and the same lease.
  if (!mine || lease != lease_ || !LeaseGood()) {
    ++fenced_;
    if (config_.shard) held_.erase(group);
    return Status::Error(holder->value.empty()
                             ? "HA: follower (no leader yet)"
                             : "HA: follower ('" + holder->value + "' holds the lease)");
  }
  if (config_.shard && held_.insert(group).second) {
    log_(false, "HA: took group '" + group + "'");
  }
  return Status::Ok();
}

Coordinator::View Coordinator::Snapshot() const {
  std::lock_guard lock(mu_);
  View v;
  v.member = config_.member;
  v.lease_ok = LeaseGood();
  v.lease = lease_;
  v.shard = config_.shard;
  v.leader = leader_;
  v.leader_member = leader_member_;
  v.members = members_;
  v.held_groups.assign(held_.begin(), held_.end());
  v.keepalive_failures = keepalive_failures_;
  v.fenced = fenced_;
  return v;
}

}  // namespace prescale::ha
