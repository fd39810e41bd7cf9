#include "core/text.h"

#include <charconv>

namespace prescale {

std::string FormatNumber(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string Quote(std::string_view text, std::size_t max_chars) {
  std::string out = "'";
  if (text.size() > max_chars) {
    out.append(text.substr(0, max_chars - 3));
    out.append("...");
  } else {
    out.append(text);
  }
  out += '\'';
  return out;
}

}  // namespace prescale
