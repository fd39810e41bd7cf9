// The two Auto Scaling calls prescale makes (API reference:
// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/):
//   DescribeAutoScalingGroups  AutoScalingGroupNames.member.1 = the group
//   SetDesiredCapacity         AutoScalingGroupName, DesiredCapacity, HonorCooldown=false
//                              (prescale keeps its own cooldown, as seed 2 does)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"

namespace prescale::aws {

struct AsgInstance {
  std::string id;
  std::string lifecycle_state;  // Pending, InService, Terminating, Standby, ...
  std::string health_status;    // Healthy, Unhealthy
  bool InService() const { return lifecycle_state == "InService"; }
};

struct AutoScalingGroup {
  std::string name;
  std::string arn;
  int min = 0;
  int max = 0;
  int desired = 0;
  std::vector<AsgInstance> instances;
  // InService instances not marked Unhealthy: what serves traffic.
  int ready() const;
  std::vector<std::string> InServiceIds() const;
};

// Reads a DescribeAutoScalingGroupsResponse (elements in any order, unknown ones
// ignored). A group without MinSize, MaxSize or DesiredCapacity is an error.
Result<std::vector<AutoScalingGroup>> ParseDescribeAutoScalingGroups(const XmlNode& root,
                                                                     std::string* next_token);

class AutoScalingApi {
 public:
  explicit AutoScalingApi(QueryClient& client) : client_(client) {}
  // The group, or an error; "not found" when AWS knows no group of that name.
  Result<AutoScalingGroup> Describe(const std::string& name);
  // `verify` (may be empty) tells whether an ambiguous failure did apply the size.
  Status SetDesiredCapacity(const std::string& name, int desired, std::function<bool()> verify);
  QueryClient& client() { return client_; }

 private:
  QueryClient& client_;
};

}  // namespace prescale::aws
