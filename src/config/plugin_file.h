// Reads the part of a config that `simulate --config` uses.
//
// Two shapes: a daemon config (`groups:`), of which one group is taken (the first,
// or the one named), with its policy, forecaster, detector, limits, boot delay,
// capacity and cooldown, so that `simulate` decides as `run` would; or bare
// sections at the top level, for simulation only:
//
//   policy:
//     type: predictive
//     slo_underprovision_pct: 1
//   forecaster: {type: holt-winters, weekly: true}
//
// Errors carry file:line:column.
#pragma once

#include <optional>
#include <string>

#include "config/daemon_config.h"
#include "prescale/params.h"
#include "prescale/status.h"

namespace prescale {

struct PluginFile {
  PluginSpec policy;
  PluginSpec forecaster;
  PluginSpec detector;
  std::optional<GroupConfig> group;  // set when the file is a daemon config
};

Result<PluginFile> LoadPluginFile(const std::string& path, const std::string& group = "");

}  // namespace prescale
