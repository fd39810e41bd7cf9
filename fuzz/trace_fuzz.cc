// libFuzzer harness: the trace CSV parser (DESIGN.md, "Contract: trace files").
// Any input must give a trace that keeps ParseTrace's guarantees, or an error that
// names the input; never a crash, a hang or a sanitizer report.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sources/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  prescale::Result<prescale::Trace> trace = prescale::ParseTrace(text, "fuzz.csv");
  if (!trace.ok()) {
    // Every error names the input.
    if (trace.status().message().find("fuzz.csv") == std::string_view::npos) std::abort();
    return 0;
  }
  const prescale::Trace& t = *trace;
  if (t.size() == 0 || t.timestamps_s.size() != t.values.size()) std::abort();
  if (!(t.step_s > 0) || !std::isfinite(t.step_s)) std::abort();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t.values[i]) || t.values[i] < 0) std::abort();
    if (i > 0 && !(t.timestamps_s[i] > t.timestamps_s[i - 1])) std::abort();
  }
  // The timestamp parser alone, on the first line.
  (void)prescale::ParseTimestamp(text.substr(0, text.find('\n')));
  return 0;
}
