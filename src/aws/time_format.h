// ISO 8601 UTC times as AWS writes them: "2024-01-15T11:00:00Z", with optional
// fractional seconds ("2023-05-06T17:47:15.107Z"). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prescale/clock.h"

namespace prescale::aws {

std::optional<TimePoint> ParseIsoTime(std::string_view text);
// "2024-01-15T11:00:00Z", whole seconds (what the Query protocol sends).
std::string FormatAwsTime(TimePoint t);

}  // namespace prescale::aws
