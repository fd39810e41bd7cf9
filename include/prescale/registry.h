// Registry: plugins by name (STYLE.md, point 4). A config's `type: holt-winters`
// finds its factory here; an unknown name is an error listing the known ones.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/params.h"
#include "prescale/status.h"

namespace prescale {

// `Context` carries what a factory needs besides its Params (the step, the group).
// Not thread-safe for registration; lookups after start-up are read-only.
template <class T, class Context>
class Registry {
 public:
  using Factory = std::function<Result<std::unique_ptr<T>>(const Params&, const Context&)>;

  // `kind` names the plugin family in messages ("policy", "forecaster").
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  void Register(std::string name, Factory factory) {
    factories_[std::move(name)] = std::move(factory);
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, f] : factories_) names.push_back(name);
    return names;
  }

  bool Contains(std::string_view name) const { return factories_.count(std::string(name)) > 0; }

  Result<std::unique_ptr<T>> Create(std::string_view name, const Params& params,
                                    const Context& context) const {
    auto it = factories_.find(std::string(name));
    if (it == factories_.end()) return Status::Error(UnknownMessage(name));
    return it->second(params, context);
  }

  // "unknown policy 'hpx' (did you mean 'hpa'?); known: hpa, predictive, ..."
  std::string UnknownMessage(std::string_view name) const {
    std::string msg = "unknown " + kind_ + " '" + std::string(name) + "'";
    std::string near = NearestName(name, Names());
    if (!near.empty()) msg += " (did you mean '" + near + "'?)";
    msg += "; known: ";
    bool first = true;
    for (const auto& n : Names()) {
      msg += (first ? "" : ", ") + n;
      first = false;
    }
    return msg;
  }

 private:
  std::string kind_;
  std::map<std::string, Factory, std::less<>> factories_;
};

}  // namespace prescale
