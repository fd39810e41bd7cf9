#include "config/plugin_file.h"

#include "config/yaml_util.h"

namespace prescale {

Result<PluginFile> LoadPluginFile(const std::string& path, const std::string& group) {
  auto loaded = config::LoadYamlFile(path);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node& root = *loaded;
  if (!root.IsMap()) return Status::Error(path + ": expected a mapping at the top level");
  PluginFile f;
  if (root["groups"]) {
    // A daemon config: read it whole, with all its checks, and take one group.
    auto daemon = LoadDaemonConfig(path);
    if (!daemon.ok()) return daemon.status();
    for (const GroupConfig& g : daemon->groups) {
      if (group.empty() || g.spec.name == group) {
        f.group = g;
        break;
      }
    }
    if (!f.group) return Status::Error(path + ": no group named '" + group + "'");
    f.policy = f.group->policy;
    f.forecaster = f.group->forecaster;
    f.detector = f.group->detector;
    return f;
  }
  if (Status s = config::CheckKeys(path, root, "top level", {"policy", "forecaster", "detector"});
      !s.ok()) {
    return s;
  }
  for (auto [name, spec] : {std::pair{"policy", &f.policy}, std::pair{"forecaster", &f.forecaster},
                            std::pair{"detector", &f.detector}}) {
    if (Status s = config::ReadPluginSection(path, root[name], name, *spec); !s.ok()) return s;
  }
  return f;
}

}  // namespace prescale
