// libFuzzer harness: the YAML config of `prescale run` (docs/configuration.md).
// Any text must load to a config or be refused with an error that names the file;
// never a crash. Configs that load are also validated (every plugin built and
// dropped) when they name only plugins whose construction does no I/O, so that
// plugin settings are fuzzed too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/daemon_config.h"

namespace {

// Plugins whose factories touch nothing outside the process when built.
bool Offline(const prescale::PluginSpec& p, std::initializer_list<std::string_view> allowed) {
  if (p.type.empty()) return true;
  for (std::string_view a : allowed) {
    if (p.type == a) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  prescale::Result<prescale::DaemonConfig> config = prescale::ParseDaemonConfig(text, "fuzz.yaml");
  if (!config.ok()) {
    if (config.status().message().find("fuzz.yaml") == std::string::npos) std::abort();
    return 0;
  }
  for (const prescale::GroupConfig& g : config->groups) {
    if (g.spec.limits.min > g.spec.limits.max || g.spec.limits.min < 0) std::abort();
    if (!Offline(g.source, {"synthetic"}) || !Offline(g.actuator, {"simulated"})) return 0;
  }
  (void)prescale::ValidateDaemonConfig(*config);
  return 0;
}
