// Small text helpers for error messages, shared so that every message quotes and
// prints numbers the same way.
#pragma once

#include <string>
#include <string_view>

namespace prescale {

// The shortest text that reads back as the same double: 0.6, 300, 1e-05.
std::string FormatNumber(double v);

// 'text' in single quotes, cut to `max_chars` (ending in "...") so that a garbled
// input cannot flood a log line.
std::string Quote(std::string_view text, std::size_t max_chars = 60);

}  // namespace prescale
