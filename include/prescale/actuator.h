// Actuator: what changes a group's size (a simulated cluster, a command, an AWS Auto
// Scaling Group).
//
// Describe() reports the group as it is at `now`; SetDesired() asks for a new size.
// A failure is returned as an error Status and leaves the group as it was, so the
// controller can hold and retry on the next tick. Not thread-safe.
#pragma once

#include <string_view>

#include "prescale/clock.h"
#include "prescale/observation.h"
#include "prescale/registry.h"
#include "prescale/status.h"

namespace prescale {

class Actuator {
 public:
  virtual ~Actuator() = default;
  virtual std::string_view name() const = 0;
  virtual Result<CapacityStatus> Describe(TimePoint now) = 0;
  // REQUIRES: desired within the group's limits (the controller clamps).
  virtual Status SetDesired(int desired, TimePoint now) = 0;
};

struct ActuatorContext {
  std::string group;         // the scaling group, for messages
  Duration interval{60};     // the decision interval
  Duration boot_delay{180};  // launch to ready (a simulated cluster's model)
  int initial = 1;           // starting size, where the actuator owns the group
  TimePoint origin;          // the first decision's time
};

using ActuatorRegistry = Registry<Actuator, ActuatorContext>;
// The built-in actuators: "simulated", "exec" (and any of them in dry run).
const ActuatorRegistry& Actuators();

}  // namespace prescale
