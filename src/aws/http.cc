#include "aws/http.h"

#include "core/text.h"

namespace prescale::aws {

bool ParseEndpoint(std::string_view url, Endpoint* out, std::string* error) {
  const std::size_t sep = url.find("://");
  const std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep);
  if (scheme != "http" && scheme != "https") {
    *error = Quote(url, 200) + " is not an http:// or https:// URL";
    return false;
  }
  std::string_view rest = url.substr(sep + 3);
  const std::size_t slash = rest.find('/');
  const std::string_view host = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (host.empty() || host.front() == ':' || host.find_first_of("?#@ ") != std::string_view::npos) {
    *error = Quote(url, 200) + " has no usable host";
    return false;
  }
  if (!path.empty() && path != "/") {
    *error = Quote(url, 200) + " has a path; AWS endpoints take none";
    return false;
  }
  out->scheme = std::string(scheme);
  out->host = std::string(host);
  // The Host header (and so the signature) leaves out the scheme's default port.
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (out->host.size() > default_port.size() && out->host.ends_with(default_port)) {
    out->host.resize(out->host.size() - default_port.size());
  }
  return true;
}

}  // namespace prescale::aws
