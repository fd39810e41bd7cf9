#include "config/plugin_file.h"

#include <yaml-cpp/yaml.h>

namespace prescale {
namespace {

SourceMark MarkOf(const std::string& path, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return SourceMark{path, m.line + 1, m.column + 1};
}

Status ErrorAt(const std::string& path, const YAML::Node& node, const std::string& what) {
  return Status::Error(MarkOf(path, node).ToString() + ": " + what);
}

Status ReadSection(const std::string& path, const YAML::Node& node, const std::string& section,
                   PluginSpec& out) {
  if (!node) return Status::Ok();
  out.mark = MarkOf(path, node);
  if (node.IsScalar()) {  // `policy: hpa` is short for `policy: {type: hpa}`
    out.type = node.Scalar();
    return Status::Ok();
  }
  if (!node.IsMap()) {
    return ErrorAt(path, node, "'" + section + "' expects a mapping with a 'type' key");
  }
  out.params = Params(section);
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) {
      return ErrorAt(path, kv.second, section + "." + key + " expects a single value");
    }
    if (key == "type") {
      out.type = kv.second.Scalar();
      out.mark = MarkOf(path, kv.second);
      out.params = Params(section + " '" + out.type + "'");
    }
  }
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (key != "type") out.params.Set(key, kv.second.Scalar(), MarkOf(path, kv.second));
  }
  return Status::Ok();
}

}  // namespace

Result<PluginFile> LoadPluginFile(const std::string& path, const std::string& group) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::Error("cannot read config " + path);
  } catch (const YAML::Exception& e) {
    return Status::Error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
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
    if (Status s = ReadSection(path, scope[name], name, *spec); !s.ok()) return s;
  }
  return f;
}

}  // namespace prescale
