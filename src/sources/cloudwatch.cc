#include "sources/cloudwatch.h"

#include <algorithm>

#include "sources/aggregate.h"

namespace prescale {
namespace {

// Seed 2's metrics_config, in CloudWatch's names.
constexpr const char* kEc2Metrics[] = {"CPUUtilization",   "NetworkIn",      "NetworkOut",
                                       "DiskReadBytes",    "DiskWriteBytes", "NetworkPacketsIn",
                                       "NetworkPacketsOut"};
constexpr const char* kMemory = "memory";  // the key of the agent's metric in aggregates

// The newest point of a series, if any (the API's order is not relied upon).
std::optional<double> Newest(const aws::MetricSeries* s) {
  if (s == nullptr || s->points.empty()) return std::nullopt;
  auto it = std::max_element(s->points.begin(), s->points.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  return it->second;
}

// "i<instance>_<metric>_<a|m>": GetMetricData ids start with a lowercase letter.
std::string QueryId(std::size_t instance, std::size_t metric, char stat) {
  std::string id = "i";
  id.append(std::to_string(instance)).append("_").append(std::to_string(metric)).append("_");
  id += stat;
  return id;
}

}  // namespace

CloudWatchSource::CloudWatchSource(CloudWatchConfig config, std::unique_ptr<aws::Session> session,
                                   SourceContext context)
    : config_(std::move(config)), session_(std::move(session)), context_(std::move(context)) {}

Result<std::unique_ptr<MetricSource>> CloudWatchSource::Create(const Params& p,
                                                               const SourceContext& context) {
  if (Status s = p.CheckKnown({"asg_name", "region", "endpoint_url", "profile", "timeout_s",
                               "max_attempts", "retry_seed", "memory", "memory_namespace",
                               "memory_metric", "capacity_per_instance"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  aws::AwsSettings settings = aws::ReadAwsSettings(r);
  CloudWatchConfig c;
  c.asg_name = r.Text("asg_name", context.group);
  r.Require(!c.asg_name.empty() && c.asg_name.size() <= 255, "asg_name",
            "must be 1 to 255 characters");
  c.memory = r.Bool("memory", c.memory);
  c.memory_namespace = r.Text("memory_namespace", c.memory_namespace);
  c.memory_metric = r.Text("memory_metric", c.memory_metric);
  if (p.Has("capacity_per_instance")) {
    c.capacity_per_instance = r.NumberIn("capacity_per_instance", 1, 0, 1e12);
    r.Require(*c.capacity_per_instance > 0, "capacity_per_instance", "must be above 0");
  }
  if (!r.status().ok()) return r.status();
  auto session = aws::Session::Create(settings, aws::Environment::Process(),
                                      aws::DefaultTransport(), *context.clock);
  if (!session.ok()) return session.status().WithContext("source 'cloudwatch'");
  return std::unique_ptr<MetricSource>(
      std::make_unique<CloudWatchSource>(std::move(c), std::move(*session), context));
}

Status CloudWatchSource::DiscoverMemory(TimePoint now, const std::vector<std::string>& instances) {
  if (memory_found_at_ && now - *memory_found_at_ < config_.memory_discovery_every &&
      instances == memory_for_) {
    return Status::Ok();
  }
  auto found = session_->cloudwatch().ListMetrics(config_.memory_namespace, config_.memory_metric,
                                                  "InstanceId");
  if (!found.ok()) return found.status();
  memory_dimensions_.clear();
  for (const aws::MetricIdentity& m : *found) {
    for (const auto& [k, v] : m.dimensions) {
      // One metric per instance; with several (other dimension sets) the first.
      if (k == "InstanceId") memory_dimensions_.emplace(v, m.dimensions);
    }
  }
  memory_for_ = instances;
  memory_found_at_ = now;
  return Status::Ok();
}

Observation CloudWatchSource::Read(TimePoint now) {
  Observation o;
  o.time = now;
  aggregates_.clear();
  const std::string where = "cloudwatch for group " + context_.group;
  std::vector<std::string> notes;

  // 1. The instances.
  auto group = session_->autoscaling().Describe(config_.asg_name);
  if (!group.ok()) {
    o.error = where + ": " + group.status().message();
    return o;
  }
  const std::vector<std::string> ids = group->InServiceIds();
  if (ids.empty()) {
    o.error = where + ": Auto Scaling group " + config_.asg_name + " has no InService instance";
    return o;
  }
  if (config_.memory) {
    if (Status s = DiscoverMemory(now, ids); !s.ok()) notes.push_back("memory: " + s.message());
  }

  // 2. One query per instance, metric and statistic; ids are i<k>_<metric>_<a|m>.
  std::vector<aws::MetricQuery> queries;
  auto add = [&](std::size_t k, std::size_t metric, const std::string& ns, const std::string& name,
                 aws::Dimensions dims) {
    for (const char* stat : {"Average", "Maximum"}) {
      queries.push_back(aws::MetricQuery{QueryId(k, metric, stat[0] == 'A' ? 'a' : 'm'), ns, name,
                                         dims, config_.period_s, stat});
    }
  };
  constexpr std::size_t kMemoryIndex = std::size(kEc2Metrics);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    for (std::size_t m = 0; m < std::size(kEc2Metrics); ++m) {
      add(k, m, "AWS/EC2", kEc2Metrics[m], {{"InstanceId", ids[k]}});
    }
    if (auto it = memory_dimensions_.find(ids[k]);
        config_.memory && it != memory_dimensions_.end()) {
      add(k, kMemoryIndex, config_.memory_namespace, config_.memory_metric, it->second);
    }
  }
  auto data = session_->cloudwatch().GetMetricData(queries, now - config_.window, now);
  if (!data.ok()) {
    o.error = where + ": " + data.status().message();
    return o;
  }

  // 3. and 4. Each instance's newest point, folded across instances.
  std::vector<std::string> trouble;
  auto fold = [&](std::size_t metric, const std::string& key) -> std::optional<double> {
    std::vector<double> averages, maxima;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      auto find = [&](char stat) -> const aws::MetricSeries* {
        auto it = data->find(QueryId(k, metric, stat));
        if (it == data->end()) return nullptr;
        if (it->second.status_code == "Forbidden" || it->second.status_code == "InternalError") {
          trouble.push_back(key + " " + ids[k] + ": " + it->second.status_code);
        }
        return &it->second;
      };
      std::optional<double> avg = Newest(find('a'));
      std::optional<double> max = Newest(find('m'));
      if (avg) averages.push_back(*avg);
      if (max) maxima.push_back(*max);
    }
    if (averages.empty()) return std::nullopt;
    MetricAggregate a;
    a.mean = *Aggregate(averages, Aggregation::kMean);
    a.min = *Aggregate(averages, Aggregation::kMin);
    a.max = maxima.empty() ? a.mean : *Aggregate(maxima, Aggregation::kMax);
    a.instances = static_cast<int>(averages.size());
    aggregates_[key] = a;
    switch (context_.aggregation) {
      case Aggregation::kMax:
        return a.max;
      case Aggregation::kMin:
        return a.min;
      case Aggregation::kMean:
        break;
    }
    return a.mean;
  };
  std::optional<double> v[std::size(kEc2Metrics)];
  for (std::size_t m = 0; m < std::size(kEc2Metrics); ++m) v[m] = fold(m, kEc2Metrics[m]);
  const double per_s = 1.0 / config_.period_s;
  auto rate = [per_s](std::optional<double> x) -> std::optional<double> {
    if (!x) return std::nullopt;
    return *x * per_s;
  };
  if (v[0]) {
    o.cpu_utilization = std::clamp(*v[0] / 100.0, 0.0, 1.0);
    o.instances = aggregates_["CPUUtilization"].instances;
    if (config_.capacity_per_instance) {
      o.load_per_s = aggregates_["CPUUtilization"].mean / 100.0 * *o.instances *
                     *config_.capacity_per_instance;
    }
  } else {
    notes.push_back("no CPUUtilization datapoint in the last " +
                    std::to_string(static_cast<int>(config_.window.count())) + " s for " +
                    std::to_string(ids.size()) +
                    " InService instance(s) (is detailed monitoring on?)");
  }
  o.network_in_bytes_per_s = rate(v[1]);
  o.network_out_bytes_per_s = rate(v[2]);
  o.disk_read_bytes_per_s = rate(v[3]);
  o.disk_write_bytes_per_s = rate(v[4]);
  o.network_packets_in_per_s = rate(v[5]);
  o.network_packets_out_per_s = rate(v[6]);
  if (config_.memory && !memory_dimensions_.empty()) {
    if (auto mem = fold(kMemoryIndex, kMemory))
      o.memory_utilization = std::clamp(*mem / 100.0, 0.0, 1.0);
  }
  if (!trouble.empty()) {
    std::string t = "partial data:";
    for (std::size_t i = 0; i < trouble.size() && i < 3; ++i) t += " " + trouble[i] + ";";
    if (trouble.size() > 3) t += " and " + std::to_string(trouble.size() - 3) + " more";
    notes.push_back(t);
  }
  for (const std::string& n : notes) o.error += (o.error.empty() ? where + ": " : "; ") + n;
  return o;
}

}  // namespace prescale
