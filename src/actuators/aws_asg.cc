#include "actuators/aws_asg.h"

#include <algorithm>

namespace prescale {

AwsAsgActuator::AwsAsgActuator(std::unique_ptr<aws::Session> session, std::string asg_name,
                               std::string group)
    : session_(std::move(session)), asg_name_(std::move(asg_name)), group_(std::move(group)) {}

Result<std::unique_ptr<Actuator>> AwsAsgActuator::Create(const Params& params,
                                                         const ActuatorContext& ctx) {
  if (Status s = params.CheckKnown({"asg_name", "region", "endpoint_url", "profile", "timeout_s",
                                    "max_attempts", "retry_seed"});
      !s.ok()) {
    return s;
  }
  ParamReader r(params);
  aws::AwsSettings settings = aws::ReadAwsSettings(r);
  const std::string asg = r.Text("asg_name", ctx.group);
  r.Require(!asg.empty() && asg.size() <= 255, "asg_name", "must be 1 to 255 characters");
  if (!r.status().ok()) return r.status();
  auto session = aws::Session::Create(settings, aws::Environment::Process(),
                                      aws::DefaultTransport(), *ctx.clock);
  if (!session.ok()) return session.status().WithContext("actuator 'aws-asg'");
  return std::unique_ptr<Actuator>(
      std::make_unique<AwsAsgActuator>(std::move(*session), asg, ctx.group));
}

std::string AwsAsgActuator::Where() const {
  return "aws-asg actuator for group " + group_ + " (Auto Scaling group " + asg_name_ + ")";
}

Result<CapacityStatus> AwsAsgActuator::Describe(TimePoint /*now*/) {
  auto g = session_->autoscaling().Describe(asg_name_);
  if (!g.ok()) return g.status().WithContext(Where());
  if (pending_) {
    (g->desired == *pending_ ? verified_ : mismatched_)++;
    pending_.reset();
  }
  CapacityStatus status;
  status.desired = g->desired;
  status.ready = std::min(g->ready(), g->desired);
  last_ = std::move(*g);
  return status;
}

std::optional<Limits> AwsAsgActuator::PlatformLimits() const {
  if (!last_) return std::nullopt;
  return Limits{last_->min, last_->max};
}

Status AwsAsgActuator::SetDesired(int desired, TimePoint /*now*/) {
  if (last_ && (desired < last_->min || desired > last_->max)) {
    return Status::Error(Where() + ": size " + std::to_string(desired) +
                         " is outside the group's " + "MinSize " + std::to_string(last_->min) +
                         " and MaxSize " + std::to_string(last_->max));
  }
  // Before re-sending after an ambiguous failure: did the first one take?
  auto applied = [this, desired] {
    auto g = session_->autoscaling().Describe(asg_name_);
    return g.ok() && g->desired == desired;
  };
  Status s = session_->autoscaling().SetDesiredCapacity(asg_name_, desired, applied);
  if (!s.ok()) return s.WithContext(Where());
  pending_ = desired;
  if (last_) last_->desired = desired;
  return Status::Ok();
}

}  // namespace prescale
