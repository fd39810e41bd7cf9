// Actuator: what changes a group's size (a simulated cluster, a command, an AWS Auto
// Scaling Group).
//
// Describe() reports the group as it is at `now`; SetDesired() asks for a new size.
//
//   - SetDesired() sets an absolute size, so calling it again with the same value is
//     harmless: the controller retries a failed action on a later tick.
//   - After an error the change may or may not have happened (a command killed at
//     its timeout may already have acted); the next Describe() is the truth.
//   - Both block at most for the actuator's own timeout (exec: timeout_s plus
//     kill_grace_s); the daemon runs groups on a worker pool so others go on.
//   - `desired` counts instances asked for, booting ones included; `ready` those
//     serving traffic.
// Not thread-safe: one controller drives one actuator.
#pragma once

#include <optional>
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
  // The group's own limits as of the last Describe(), when the platform keeps some
  // (an Auto Scaling Group's MinSize and MaxSize): the controller keeps decisions
  // within them too.
  virtual std::optional<Limits> PlatformLimits() const { return std::nullopt; }
};

struct ActuatorContext {
  std::string group;         // the scaling group, for messages
  Duration interval{60};     // the decision interval
  Duration boot_delay{180};  // launch to ready (a simulated cluster's model)
  int initial = 1;           // starting size, where the actuator owns the group
  TimePoint origin;          // the first decision's time
  // The daemon's clock, for actuators that wait between retries (never null).
  Clock* clock = &RealClock::Default();
};

using ActuatorRegistry = Registry<Actuator, ActuatorContext>;
// The built-in actuators: "simulated", "exec", "aws-asg" (and any of them in dry run).
const ActuatorRegistry& Actuators();

}  // namespace prescale
