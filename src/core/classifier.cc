#include "prescale/classifier.h"

namespace prescale {

std::string_view DemandClassName(DemandClass c) {
  switch (c) {
    case DemandClass::kLow:
      return "Low";
    case DemandClass::kMedium:
      return "Medium";
    case DemandClass::kHigh:
      return "High";
  }
  return "Medium";
}

std::optional<DemandClass> DemandClassFromName(std::string_view name) {
  for (int i = 0; i < kDemandClasses; ++i) {
    auto c = static_cast<DemandClass>(i);
    if (DemandClassName(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<DemandClass> DemandClassFromIndex(long long index) {
  if (index < 0 || index >= kDemandClasses) return std::nullopt;
  return static_cast<DemandClass>(index);
}

}  // namespace prescale
