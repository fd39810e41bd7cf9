#include "config/yaml_util.h"

#include <vector>

namespace prescale::config {

SourceMark MarkOf(const std::string& path, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return SourceMark{path, m.line + 1, m.column + 1};
}

Status ErrorAt(const std::string& path, const YAML::Node& node, const std::string& what) {
  return Status::Error(MarkOf(path, node).ToString() + ": " + what);
}

Status CheckKeys(const std::string& path, const YAML::Node& node, std::string_view where,
                 std::initializer_list<std::string_view> known) {
  std::vector<std::string> names(known.begin(), known.end());
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    bool found = false;
    for (const auto& n : names) found = found || n == key;
    if (found) continue;
    std::string what = std::string(where) + ": unknown key '" + key + "'";
    std::string near = NearestName(key, names);
    if (!near.empty()) what += " (did you mean '" + near + "'?)";
    what += "; expected one of:";
    for (const auto& n : names) what += " " + n;
    return ErrorAt(path, kv.first, what);
  }
  return Status::Ok();
}

Status ReadPluginSection(const std::string& path, const YAML::Node& node,
                         const std::string& section, PluginSpec& out) {
  if (!node || node.IsNull()) return Status::Ok();
  out.mark = MarkOf(path, node);
  if (node.IsScalar()) {  // `policy: hpa` is short for `policy: {type: hpa}`
    out.type = node.Scalar();
    out.params = Params(section + " '" + out.type + "'");
    return Status::Ok();
  }
  if (!node.IsMap()) {
    return ErrorAt(path, node, "'" + section + "' expects a mapping with a 'type' key");
  }
  out.params = Params(section);
  for (const auto& kv : node) {
    if (kv.first.Scalar() != "type") continue;
    if (!kv.second.IsScalar()) return ErrorAt(path, kv.second, section + ".type expects a name");
    out.type = kv.second.Scalar();
    out.mark = MarkOf(path, kv.second);
    out.params = Params(section + " '" + out.type + "'");
  }
  if (out.type.empty()) return ErrorAt(path, node, "'" + section + "' needs a 'type'");
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (key == "type") continue;
    if (!kv.second.IsScalar()) {
      return ErrorAt(path, kv.second, section + "." + key + " expects a single value");
    }
    out.params.Set(key, kv.second.Scalar(), MarkOf(path, kv.second));
  }
  return Status::Ok();
}

namespace {

Status ParseError(const std::string& name, const YAML::Exception& e) {
  return Status::Error(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
}

}  // namespace

Result<YAML::Node> LoadYamlFile(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::Error("cannot read config " + path);
  } catch (const YAML::Exception& e) {
    return ParseError(path, e);
  }
}

Result<YAML::Node> LoadYamlText(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return ParseError(name, e);
  }
}

}  // namespace prescale::config
