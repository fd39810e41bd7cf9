// Reads the policy, forecaster and detector sections of a YAML file into
// PluginSpecs: the part of the daemon's config that `simulate --config` shares.
//
// Accepted shapes: the sections at the top level, or inside the first entry of a
// `groups:` list (or the group named by `group`). Each section is `type: NAME` plus
// scalar settings:
//
//   policy:
//     type: predictive
//     slo_underprovision_pct: 1
//   forecaster: {type: holt-winters, weekly: true}
//
// Errors carry file:line:column.
#pragma once

#include <string>

#include "prescale/params.h"
#include "prescale/status.h"

namespace prescale {

struct PluginFile {
  PluginSpec policy;
  PluginSpec forecaster;
  PluginSpec detector;
};

Result<PluginFile> LoadPluginFile(const std::string& path, const std::string& group = "");

}  // namespace prescale
