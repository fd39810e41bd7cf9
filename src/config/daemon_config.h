// The configuration of `prescale run` (docs/configuration.md documents every key).
//
//   global:            tick interval, listen address, output paths, log level
//   groups:            one entry per scaling group: source, aggregation,
//                      forecaster, detector, policy, actuator, limits, cooldown,
//                      dry_run
//
// LoadDaemonConfig() checks the file's shape and values (unknown keys with the
// nearest suggestion, wrong types, min > max, non-positive intervals, duplicate
// group names); ValidateDaemonConfig() also builds every plugin, so unknown plugin
// names and bad plugin settings fail too. Every error carries file:line:column.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "controller/controller.h"
#include "prescale/metric_source.h"
#include "prescale/params.h"

namespace prescale {

struct OutputPaths {
  std::string metrics_csv = "data/metrics.csv";
  std::string anomalies_log = "logs/anomalies.log";
  std::string decisions_jsonl = "output/decisions.jsonl";
  std::string log_file = "logs/prescale.log";
  std::string state_db = "data/state.db";
};

// The HTTP API's protections (docs/security.md).
struct ApiConfig {
  // A file holding the bearer token that every route but /health then requires;
  // the environment variable PRESCALE_API_TOKEN, when set, takes precedence.
  std::string token_file;
  // Listening beyond loopback without a token is refused unless this is true.
  bool allow_unauthenticated = false;
  std::size_t max_body_bytes = std::size_t{1} << 20;  // larger bodies get 413
  Duration timeout{5};  // to read a request, and to write an answer
};

// High availability through etcd (docs/ha.md); off while `etcd` is empty.
struct HaSettings {
  std::vector<std::string> etcd;  // client URLs, http://host:port
  std::string cluster = "default";  // replicas of one cluster share its keys
  std::string member;               // this replica's id; "" = hostname-pid
  Duration lease_ttl{5};
  bool shard = false;               // split the groups among the replicas
};

struct GlobalConfig {
  Duration interval{10};               // default tick interval for groups
  std::string listen = "127.0.0.1:8080";  // HTTP; "" turns the server off
  std::string log_level = "info";      // debug, info, warn, error
  OutputPaths outputs;
  int history_points = 2000;           // per group, kept in memory for the API
  // How often a group's models (forecaster, detector) are saved to state.db; its
  // decision state (policy, cooldowns) is saved after every tick.
  Duration model_save{3600};
  // The model behind POST /predict on the API's address: "" = the default model
  // (served when it is present), "off" = no prediction routes.
  std::string predict_model;
  ApiConfig api;
  HaSettings ha;
};

struct GroupConfig {
  GroupSpec spec;  // name, limits, interval, boot delay, capacity, cooldown
  PluginSpec source;
  Aggregation aggregation = Aggregation::kMean;
  PluginSpec forecaster;  // empty type: the policy's default
  PluginSpec detector;    // empty type: surprise
  PluginSpec policy;      // empty type: predictive
  PluginSpec actuator;    // empty type: simulated
  bool dry_run = false;
  int initial = 0;        // starting size for actuators that own the group (0 = min)
  SourceMark mark;        // where the group starts in the file
};

struct DaemonConfig {
  std::string path;  // the file it came from ("<built-in>" for the default)
  GlobalConfig global;
  std::vector<GroupConfig> groups;
};

Result<DaemonConfig> LoadDaemonConfig(const std::string& path);
Result<DaemonConfig> ParseDaemonConfig(const std::string& yaml_text, const std::string& name);
// Builds every plugin of every group (and drops them) to check names and settings.
Status ValidateDaemonConfig(const DaemonConfig& config);

// The built-in default of `prescale run` without --config: a synthetic workload in
// compressed time on a simulated cluster, and this host's procfs in dry run.
const std::string& DefaultDaemonConfigYaml();

}  // namespace prescale
