// A small XML tree for AWS Query answers (the expat adapter: only xml.cc sees expat).
// Element names are local names: namespaces are dropped, since AWS's own examples
// disagree about them (PROTOCOL.md: parse by name, ignore the namespace). Order of
// children is kept but nothing here depends on it. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/status.h"

namespace prescale::aws {

struct XmlNode {
  std::string name;  // local name
  std::string text;  // the element's own character data, trimmed
  std::vector<XmlNode> children;

  // The first child named `name`, or null.
  const XmlNode* Child(std::string_view name) const;
  // A path of child names: Find({"DescribeAutoScalingGroupsResult", "AutoScalingGroups"}).
  const XmlNode* Find(std::initializer_list<std::string_view> path) const;
  // The text of child `name`, or nullopt when there is no such child.
  std::optional<std::string> ChildText(std::string_view name) const;
  // The <member> children of child `name` (awsQuery lists); empty when absent.
  std::vector<const XmlNode*> Members(std::string_view name) const;
};

// Parses a document; an error says where (line) it is malformed. Documents nested
// deeper than 64 elements are refused.
Result<XmlNode> ParseXml(std::string_view text);

}  // namespace prescale::aws
