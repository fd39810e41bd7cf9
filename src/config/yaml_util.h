// Small helpers over yaml-cpp for the config readers: positions as file:line:col,
// typed scalar reads with clear messages, key checks that suggest the nearest key,
// and plugin sections (`type:` plus scalar settings) read into PluginSpecs.
// yaml-cpp stays inside src/config/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "prescale/params.h"
#include "prescale/status.h"

namespace prescale::config {

SourceMark MarkOf(const std::string& path, const YAML::Node& node);
Status ErrorAt(const std::string& path, const YAML::Node& node, const std::string& what);

// Fails on the first key of the mapping `node` not in `known`, pointing at it.
Status CheckKeys(const std::string& path, const YAML::Node& node, std::string_view where,
                 std::initializer_list<std::string_view> known);

// Reads a plugin section into `out`: `policy: hpa` or `policy: {type: hpa, k: v}`.
Status ReadPluginSection(const std::string& path, const YAML::Node& node,
                         const std::string& section, PluginSpec& out);

// Loads a YAML file; parse errors become "file:line:col: message".
Result<YAML::Node> LoadYamlFile(const std::string& path);
Result<YAML::Node> LoadYamlText(const std::string& text, const std::string& name);

}  // namespace prescale::config
