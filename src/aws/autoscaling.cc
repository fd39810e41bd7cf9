#include "aws/autoscaling.h"

#include <charconv>

namespace prescale::aws {
namespace {

bool ParseInt(const std::optional<std::string>& text, int* out) {
  if (!text || text->empty()) return false;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), *out);
  return ec == std::errc() && p == text->data() + text->size();
}

}  // namespace

int AutoScalingGroup::ready() const {
  int n = 0;
  for (const AsgInstance& i : instances) n += i.InService() && i.health_status != "Unhealthy";
  return n;
}

std::vector<std::string> AutoScalingGroup::InServiceIds() const {
  std::vector<std::string> ids;
  for (const AsgInstance& i : instances) {
    if (i.InService()) ids.push_back(i.id);
  }
  return ids;
}

Result<std::vector<AutoScalingGroup>> ParseDescribeAutoScalingGroups(const XmlNode& root,
                                                                     std::string* next_token) {
  const XmlNode* result = root.Child("DescribeAutoScalingGroupsResult");
  if (root.name != "DescribeAutoScalingGroupsResponse" || result == nullptr) {
    return Status::Error("answer is not a DescribeAutoScalingGroupsResponse (root <" + root.name +
                         ">)");
  }
  if (next_token) *next_token = result->ChildText("NextToken").value_or("");
  std::vector<AutoScalingGroup> groups;
  for (const XmlNode* m : result->Members("AutoScalingGroups")) {
    AutoScalingGroup g;
    g.name = m->ChildText("AutoScalingGroupName").value_or("");
    g.arn = m->ChildText("AutoScalingGroupARN").value_or("");
    if (!ParseInt(m->ChildText("MinSize"), &g.min) || !ParseInt(m->ChildText("MaxSize"), &g.max) ||
        !ParseInt(m->ChildText("DesiredCapacity"), &g.desired)) {
      return Status::Error("group '" + g.name +
                           "' in the answer lacks a numeric MinSize, MaxSize or DesiredCapacity");
    }
    for (const XmlNode* i : m->Members("Instances")) {
      g.instances.push_back(AsgInstance{i->ChildText("InstanceId").value_or(""),
                                        i->ChildText("LifecycleState").value_or(""),
                                        i->ChildText("HealthStatus").value_or("")});
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

Result<AutoScalingGroup> AutoScalingApi::Describe(const std::string& name) {
  CallOutcome out =
      client_.Call("DescribeAutoScalingGroups", {{"AutoScalingGroupNames.member.1", name}});
  if (!out.ok()) return Status::Error(out.error.ToString());
  auto groups = ParseDescribeAutoScalingGroups(*out.body, nullptr);
  if (!groups.ok()) return groups.status().WithContext("Auto Scaling DescribeAutoScalingGroups");
  for (AutoScalingGroup& g : *groups) {
    if (g.name == name) return std::move(g);
  }
  return Status::Error("Auto Scaling group '" + name + "' not found in " + client_.config().region);
}

Status AutoScalingApi::SetDesiredCapacity(const std::string& name, int desired,
                                          std::function<bool()> verify) {
  CallOptions options;
  options.verify = std::move(verify);
  CallOutcome out = client_.Call("SetDesiredCapacity",
                                 {{"AutoScalingGroupName", name},
                                  {"DesiredCapacity", std::to_string(desired)},
                                  {"HonorCooldown", "false"}},
                                 options);
  if (!out.ok()) return Status::Error(out.error.ToString());
  return Status::Ok();
}

}  // namespace prescale::aws
