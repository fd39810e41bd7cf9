// "cloudwatch": an EC2 Auto Scaling Group's metrics from CloudWatch, as seed 2 reads
// them (its fetch_cloudwatch_metrics and combine_instance_metrics):
//
//   1. DescribeAutoScalingGroups gives the InService instances;
//   2. for each, AWS/EC2 CPUUtilization, NetworkIn, NetworkOut, DiskReadBytes,
//      DiskWriteBytes, NetworkPacketsIn and NetworkPacketsOut, Average and Maximum,
//      at a 60 s period over the last 3 minutes, and the CloudWatch agent's memory
//      (CWAgent mem_used_percent) where the instance publishes it; all through
//      batched GetMetricData calls (up to 500 queries each, paged with NextToken),
//      not one call per metric per instance;
//   3. each instance's newest datapoint per metric;
//   4. across instances, as seed 2: the mean of the Averages, the max of the
//      Maximums, the min of the Averages. SourceContext::aggregation picks which
//      one fills the Observation (mean by default); last_aggregates() has all three.
//
// Units: CPU and memory come in percent and go out as fractions; the byte and packet
// counts of a 60 s period become per-second rates (detailed monitoring gives one
// datapoint a minute, as seed 2's troubleshooting section asks). With
// capacity_per_instance, load_per_s = mean CPU x instances x capacity_per_instance.
//
// The agent's memory metric carries whatever dimensions its append_dimensions
// config adds, so it is found with ListMetrics (InstanceId among them) and looked
// up again every 5 minutes or when the instances change; `memory: false` skips it.
//
//   source:
//     type: cloudwatch
//     asg_name: asg-prod          # default: the group's name
//     region, endpoint_url, profile, timeout_s, max_attempts, retry_seed  (as aws-asg)
//     memory: true
//     memory_namespace: CWAgent
//     memory_metric: mem_used_percent
//     capacity_per_instance: 100  # optional
//
// Missing data is never zero: a failed call, no InService instance or no CPU
// datapoint leaves the metrics empty and says why in `error`. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/session.h"
#include "prescale/metric_source.h"

namespace prescale {

struct CloudWatchConfig {
  std::string asg_name;
  int period_s = 60;     // seed 2's Period
  Duration window{180};  // seed 2's StartTime: 3 minutes back
  bool memory = true;
  std::string memory_namespace = "CWAgent";
  std::string memory_metric = "mem_used_percent";
  std::optional<double> capacity_per_instance;
  Duration memory_discovery_every{300};
};

// Seed 2's combined values of one metric across instances, in CloudWatch's units.
struct MetricAggregate {
  double mean = 0;  // of the instances' Averages
  double max = 0;   // of their Maximums
  double min = 0;   // of their Averages
  int instances = 0;
};

class CloudWatchSource final : public MetricSource {
 public:
  CloudWatchSource(CloudWatchConfig config, std::unique_ptr<aws::Session> session,
                   SourceContext context);
  static Result<std::unique_ptr<MetricSource>> Create(const Params& params,
                                                      const SourceContext& context);

  std::string_view name() const override { return "cloudwatch"; }
  Observation Read(TimePoint now) override;

  // By CloudWatch metric name, from the last Read.
  const std::map<std::string, MetricAggregate>& last_aggregates() const { return aggregates_; }
  aws::Session& session() { return *session_; }

 private:
  // Refreshes the memory metrics' dimensions per instance; an error leaves them.
  Status DiscoverMemory(TimePoint now, const std::vector<std::string>& instances);

  CloudWatchConfig config_;
  std::unique_ptr<aws::Session> session_;
  SourceContext context_;
  std::map<std::string, MetricAggregate> aggregates_;
  std::map<std::string, aws::Dimensions> memory_dimensions_;  // by instance id
  std::vector<std::string> memory_for_;                       // the instances it was found for
  std::optional<TimePoint> memory_found_at_;
};

}  // namespace prescale
