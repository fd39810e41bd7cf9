#include "aws/xml.h"

#include <expat.h>

namespace prescale::aws {
namespace {

constexpr int kMaxDepth = 64;

std::string_view LocalName(const char* name) {
  std::string_view n(name);
  // With namespace processing expat gives "uri<sep>local".
  std::size_t sep = n.rfind('\x01');
  return sep == std::string_view::npos ? n : n.substr(sep + 1);
}

void Trim(std::string& t) {
  std::size_t a = t.find_first_not_of(" \t\r\n");
  std::size_t z = t.find_last_not_of(" \t\r\n");
  t = a == std::string::npos ? "" : t.substr(a, z - a + 1);
}

// Open elements are built on a stack and moved into their parent when they close,
// so no pointer into a growing vector is ever held.
struct Ctx {
  std::vector<XmlNode> open;
  XmlNode root;
  bool have_root = false;
  bool too_deep = false;
  XML_Parser parser = nullptr;
};

void XMLCALL OnStart(void* user, const XML_Char* name, const XML_Char**) {
  auto* c = static_cast<Ctx*>(user);
  if (c->open.size() >= static_cast<std::size_t>(kMaxDepth)) {
    c->too_deep = true;
    XML_StopParser(c->parser, XML_FALSE);
    return;
  }
  c->open.push_back(XmlNode{std::string(LocalName(name)), "", {}});
}

void XMLCALL OnEnd(void* user, const XML_Char*) {
  auto* c = static_cast<Ctx*>(user);
  XmlNode node = std::move(c->open.back());
  c->open.pop_back();
  Trim(node.text);
  if (c->open.empty()) {
    c->root = std::move(node);
    c->have_root = true;
  } else {
    c->open.back().children.push_back(std::move(node));
  }
}

void XMLCALL OnText(void* user, const XML_Char* s, int len) {
  auto* c = static_cast<Ctx*>(user);
  if (!c->open.empty()) c->open.back().text.append(s, static_cast<std::size_t>(len));
}

}  // namespace

const XmlNode* XmlNode::Child(std::string_view n) const {
  for (const XmlNode& c : children) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

const XmlNode* XmlNode::Find(std::initializer_list<std::string_view> path) const {
  const XmlNode* at = this;
  for (std::string_view p : path) {
    at = at->Child(p);
    if (at == nullptr) return nullptr;
  }
  return at;
}

std::optional<std::string> XmlNode::ChildText(std::string_view n) const {
  const XmlNode* c = Child(n);
  if (c == nullptr) return std::nullopt;
  return c->text;
}

std::vector<const XmlNode*> XmlNode::Members(std::string_view n) const {
  std::vector<const XmlNode*> out;
  const XmlNode* list = Child(n);
  if (list == nullptr) return out;
  for (const XmlNode& c : list->children) {
    if (c.name == "member") out.push_back(&c);
  }
  return out;
}

Result<XmlNode> ParseXml(std::string_view text) {
  Ctx ctx;
  XML_Parser p = XML_ParserCreateNS(nullptr, '\x01');
  if (p == nullptr) return Status::Error("cannot create an XML parser");
  ctx.parser = p;
  XML_SetUserData(p, &ctx);
  XML_SetElementHandler(p, OnStart, OnEnd);
  XML_SetCharacterDataHandler(p, OnText);
  const XML_Status st = XML_Parse(p, text.data(), static_cast<int>(text.size()), XML_TRUE);
  std::string error;
  if (ctx.too_deep) {
    error = "XML nested deeper than " + std::to_string(kMaxDepth) + " elements";
  } else if (st != XML_STATUS_OK) {
    error = "malformed XML at line " + std::to_string(XML_GetCurrentLineNumber(p)) + ": " +
            XML_ErrorString(XML_GetErrorCode(p));
  }
  XML_ParserFree(p);
  if (!error.empty()) return Status::Error(error);
  if (!ctx.have_root) return Status::Error("empty XML document");
  return std::move(ctx.root);
}

}  // namespace prescale::aws
