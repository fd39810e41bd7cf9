// "aws-asg": an EC2 Auto Scaling Group, resized with SetDesiredCapacity as seed 2
// does (HonorCooldown=false: prescale keeps its own cooldown).
//
//   actuator:
//     type: aws-asg
//     asg_name: asg-prod        # default: the group's name
//     region: eu-west-1         # default: AWS_REGION, AWS_DEFAULT_REGION, the profile
//     endpoint_url: ...         # default: AWS_ENDPOINT_URL_AUTO_SCALING, AWS_ENDPOINT_URL
//     profile, timeout_s (3), max_attempts (3), retry_seed
//
// Describe() is DescribeAutoScalingGroups: desired = DesiredCapacity, ready = the
// InService instances not marked Unhealthy (Pending ones are booting), and the
// group's MinSize/MaxSize as its own limits, which the controller keeps within.
//
// SetDesired() calls SetDesiredCapacity, retried as the client's standard mode says.
// It never sends a second SetDesiredCapacity that may duplicate one that was
// applied: after an ambiguous failure (a timeout, a broken answer, a 5xx) it
// describes the group first and stops when the size is already there. A size
// outside the group's last known MinSize/MaxSize is refused without a call (AWS
// would answer ValidationError). Seed 2 verifies each set by describing the group
// 30 s later; here the next tick's Describe() is that check, so no group waits:
// verified_sets() and mismatched_sets() count what it found.
//
// Credentials come from the chain (environment, profile, IMDSv2) and never appear
// in an error. Not thread-safe (as every Actuator).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aws/session.h"
#include "prescale/actuator.h"

namespace prescale {

class AwsAsgActuator final : public Actuator {
 public:
  AwsAsgActuator(std::unique_ptr<aws::Session> session, std::string asg_name, std::string group);
  static Result<std::unique_ptr<Actuator>> Create(const Params& params, const ActuatorContext& ctx);

  std::string_view name() const override { return "aws-asg"; }
  Result<CapacityStatus> Describe(TimePoint now) override;
  Status SetDesired(int desired, TimePoint now) override;
  // The group's MinSize and MaxSize as last described.
  std::optional<Limits> PlatformLimits() const override;

  // The group as last described (nullopt before the first success).
  const std::optional<aws::AutoScalingGroup>& last_described() const { return last_; }
  int verified_sets() const { return verified_; }
  int mismatched_sets() const { return mismatched_; }
  aws::Session& session() { return *session_; }

 private:
  std::string Where() const;
  std::unique_ptr<aws::Session> session_;
  std::string asg_name_;
  std::string group_;
  std::optional<aws::AutoScalingGroup> last_;
  std::optional<int> pending_;  // set, not yet seen by a Describe
  int verified_ = 0;
  int mismatched_ = 0;
};

}  // namespace prescale
