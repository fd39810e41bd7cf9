// ActuationGate: whether this process may actuate a group now.
//
// High availability (docs/ha.md): several `prescale run` replicas watch the same
// groups, and only the one holding a group's lease in etcd (the leader, or the
// group's shard owner) may change its size. The others decide in shadow: they
// read the sources, forecast and decide as the leader does, so that their state is
// warm when they take over, but never call the actuator.
//
// MayActuate() is the fence: it is asked right before every SetDesired(), and must
// answer OK only while the caller holds the group's lease (confirmed with the
// coordination store, and within the lease's time). Any doubt (the store cannot be
// reached, a keep-alive failed) is a "no".
//
// Thread safety: MayActuate() is called from the groups' worker threads at once.
#pragma once

#include <string>

#include "prescale/status.h"

namespace prescale {

class ActuationGate {
 public:
  virtual ~ActuationGate() = default;
  // OK: actuate `group` now. An error says why not ("follower: replica b leads").
  virtual Status MayActuate(const std::string& group) = 0;
};

}  // namespace prescale
