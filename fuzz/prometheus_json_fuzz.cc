// libFuzzer harness: the body of a Prometheus /api/v1/query answer
// (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
// Any body must parse to finite values or be an error; never a crash.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sources/prometheus.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  prescale::Result<prescale::QueryAnswer> answer = prescale::ParseQueryAnswer(body);
  if (answer.ok()) {
    for (double v : answer->values) {
      if (!std::isfinite(v)) std::abort();  // missing data is left out, never a NaN
    }
    if (answer->scalar && (answer->series != 0 || answer->values.size() > 1)) std::abort();
    if (!answer->scalar && answer->values.size() > answer->series) std::abort();
  } else if (answer.status().message().empty()) {
    std::abort();
  }
  // The same bytes as a `url` setting.
  (void)prescale::ParsePrometheusUrl(body);
  return 0;
}
