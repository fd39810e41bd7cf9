// The built-in actuators, by name. A dry run is not one of them: it wraps whichever
// actuator is configured (MakeDryRun in actuators/dry_run.h).
#include "actuators/aws_asg.h"
#include "actuators/exec.h"
#include "actuators/simulated_cluster.h"

namespace prescale {

const ActuatorRegistry& Actuators() {
  static const ActuatorRegistry* registry = [] {
    auto* r = new ActuatorRegistry("actuator");
    r->Register(
        "simulated",
        [](const Params& p, const ActuatorContext& ctx) -> Result<std::unique_ptr<Actuator>> {
          if (Status s = p.CheckKnown({"boot_delay_s", "initial"}); !s.ok()) return s;
          ParamReader r(p);
          Duration boot(r.NumberIn("boot_delay_s", ctx.boot_delay.count(), 0, 86400));
          int initial = r.IntegerIn("initial", ctx.initial, 0, 1000000);
          if (!r.status().ok()) return r.status();
          return std::unique_ptr<Actuator>(
              std::make_unique<SimulatedCluster>(ctx.interval, boot, initial, ctx.origin));
        });
    r->Register("exec", &ExecActuator::Create);
    r->Register("aws-asg", &AwsAsgActuator::Create);
    return r;
  }();
  return *registry;
}

}  // namespace prescale
