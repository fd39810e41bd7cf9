#include "actuators/dry_run.h"

#include <cassert>
#include <utility>

namespace prescale {

DryRunActuator::DryRunActuator(std::unique_ptr<Actuator> inner) : inner_(std::move(inner)) {
  assert(inner_ != nullptr);
  name_ = "dry-run(" + std::string(inner_->name()) + ")";
}

Status DryRunActuator::SetDesired(int desired, TimePoint now) {
  last_would_set_ = desired;
  last_would_set_time_ = now;
  ++would_set_count_;
  return Status::Ok();
}

std::unique_ptr<Actuator> MakeDryRun(std::unique_ptr<Actuator> inner) {
  return std::make_unique<DryRunActuator>(std::move(inner));
}

}  // namespace prescale
