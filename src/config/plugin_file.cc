#include "config/plugin_file.h"

#include "config/yaml_util.h"

namespace prescale {

using config::ErrorAt;
using config::LoadYamlFile;
using config::ReadPluginSection;

Result<PluginFile> LoadPluginFile(const std::string& path, const std::string& group) {
  auto loaded = LoadYamlFile(path);
  if (!loaded.ok()) return loaded.status();
  YAML::Node root = *loaded;
  if (!root.IsMap()) return Status::Error(path + ": expected a mapping at the top level");
  YAML::Node scope = root;
  if (YAML::Node groups = root["groups"]) {
    if (!groups.IsSequence() || groups.size() == 0) {
      return ErrorAt(path, groups, "'groups' expects a non-empty list");
    }
    // yaml-cpp's operator= writes into the node it is bound to; reset() rebinds.
    bool found = false;
    for (const auto& g : groups) {
      if (group.empty() || (g["name"] && g["name"].Scalar() == group)) {
        scope.reset(static_cast<const YAML::Node&>(g));
        found = true;
        break;
      }
    }
    if (!found) return ErrorAt(path, groups, "no group named '" + group + "'");
  }
  PluginFile f;
  for (auto [name, spec] : {std::pair{"policy", &f.policy}, std::pair{"forecaster", &f.forecaster},
                            std::pair{"detector", &f.detector}}) {
    if (Status s = ReadPluginSection(path, scope[name], name, *spec); !s.ok()) return s;
  }
  return f;
}

}  // namespace prescale
