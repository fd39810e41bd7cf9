#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <vector>

namespace prescale::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Hex(const unsigned char* data, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and collapses runs of blanks into one space (the suite's
// get-header-value-trim); a folded multi-line value (obsolete line folding, RFC 7230
// 3.2.4) joins its lines with ',' as the suite's get-header-value-multiline expects.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool blank = false;
  bool newline = false;
  for (char c : v) {
    if (c == '\n' || c == '\r') {
      newline = !out.empty();
      blank = false;
      continue;
    }
    if (c == ' ' || c == '\t') {
      blank = !out.empty() && !newline;
      continue;
    }
    if (newline) {
      out += ',';
    } else if (blank) {
      out += ' ';
    }
    newline = blank = false;
    out += c;
  }
  return out;
}

// RFC 3986 section 5.2.4, then repeated slashes collapsed; a trailing slash stays.
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  std::size_t i = 0;
  bool trailing = path.back() == '/';
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    if (j == path.size()) {
      trailing = trailing || seg == "." || seg == "..";
      break;
    }
    i = j + 1;
  }
  std::string norm;
  for (std::string_view seg : out) norm.append("/").append(UriEncode(seg));
  if (norm.empty()) return "/";
  if (trailing) norm += "/";
  return norm;
}

// Query parameters decoded, re-encoded with SigV4's set, sorted by key then value.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t i = 0;
  while (i < query.size()) {
    std::size_t amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(i, amp - i);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      std::string_view k = part.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? "" : part.substr(eq + 1);
      params.emplace_back(UriEncode(UriDecode(k)), UriEncode(UriDecode(v)));
    }
    i = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out.append(k).append("=").append(v);
  }
  return out;
}

std::string Scope(TimePoint t, const SigningScope& scope) {
  return AmzDay(t) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::tm Utc(TimePoint t) {
  std::time_t secs = static_cast<std::time_t>(std::floor(ToEpochSeconds(t)));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

void SetHeader(Headers& headers, const std::string& name, const std::string& value) {
  std::erase_if(headers, [&](const auto& h) { return Lower(h.first) == Lower(name); });
  headers.emplace_back(name, value);
}

}  // namespace

std::string_view HeaderValue(const Headers& headers, std::string_view name) {
  const std::string want = Lower(name);
  for (const auto& [k, v] : headers) {
    if (Lower(k) == want) return v;
  }
  return {};
}

std::string AmzDate(TimePoint t) {
  std::tm tm = Utc(t);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string AmzDay(TimePoint t) { return AmzDate(t).substr(0, 8); }

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string HexSha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return Hex(md, sizeof(md));
}

SignatureParts ComputeSignature(const HttpRequest& request, const Credentials& credentials,
                                const SigningScope& scope, TimePoint time) {
  SignatureParts parts;
  // 1. The canonical request. Headers with the same name are joined with ',' in
  //    the order given (the suite's get-header-key-duplicate).
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = Lower(name);
    std::string v = CanonicalValue(value);
    auto [it, fresh] = headers.emplace(key, v);
    if (!fresh) it->second += "," + v;
  }
  std::string canonical_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    if (!parts.signed_headers.empty()) parts.signed_headers += ';';
    parts.signed_headers += k;
  }
  parts.canonical_request = request.method + "\n" + NormalizePath(request.path) + "\n" +
                            CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" +
                            parts.signed_headers + "\n" + HexSha256(request.body);
  // 2. The string to sign.
  const std::string amz_date = std::string(HeaderValue(request.headers, "x-amz-date"));
  parts.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + Scope(time, scope) +
                         "\n" + HexSha256(parts.canonical_request);
  // 3. The signing key, then the signature.
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key.Reveal(), AmzDay(time));
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  key = HmacSha256(key, "aws4_request");
  const std::string sig = HmacSha256(key, parts.string_to_sign);
  parts.signature = Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
  // 4. The header.
  parts.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                        Scope(time, scope) + ", SignedHeaders=" + parts.signed_headers +
                        ", Signature=" + parts.signature;
  return parts;
}

void SignRequest(HttpRequest& request, const Credentials& credentials, const SigningScope& scope,
                 TimePoint time) {
  std::erase_if(request.headers, [](const auto& h) { return Lower(h.first) == "authorization"; });
  SetHeader(request.headers, "Host", request.host);
  SetHeader(request.headers, "X-Amz-Date", AmzDate(time));
  if (!credentials.session_token.empty()) {
    SetHeader(request.headers, "X-Amz-Security-Token", credentials.session_token.Reveal());
  }
  SignatureParts parts = ComputeSignature(request, credentials, scope, time);
  request.headers.emplace_back("Authorization", parts.authorization);
}

bool ParseAuthorization(std::string_view value, ParsedAuthorization* out) {
  if (!value.starts_with(kAlgorithm)) return false;
  value.remove_prefix(kAlgorithm.size());
  std::map<std::string, std::string, std::less<>> fields;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == ',')) ++i;
    std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    std::size_t end = value.find(',', eq);
    if (end == std::string_view::npos) end = value.size();
    std::string_view v = value.substr(eq + 1, end - eq - 1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    fields[std::string(value.substr(i, eq - i))] = std::string(v);
    i = end;
  }
  auto cred = fields.find("Credential");
  auto sh = fields.find("SignedHeaders");
  auto sig = fields.find("Signature");
  if (cred == fields.end() || sh == fields.end() || sig == fields.end()) return false;
  // <key id>/<yyyymmdd>/<region>/<service>/aws4_request
  std::vector<std::string> p;
  std::string_view c = cred->second;
  for (std::size_t a = 0;;) {
    std::size_t b = c.find('/', a);
    p.emplace_back(c.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a));
    if (b == std::string_view::npos) break;
    a = b + 1;
  }
  if (p.size() != 5 || p[4] != "aws4_request") return false;
  *out = ParsedAuthorization{p[0], p[1], p[2], p[3], sh->second, sig->second};
  return true;
}

Headers OnlySignedHeaders(const Headers& headers, std::string_view signed_headers) {
  Headers out;
  std::size_t i = 0;
  while (i <= signed_headers.size()) {
    std::size_t j = signed_headers.find(';', i);
    if (j == std::string_view::npos) j = signed_headers.size();
    const std::string name = Lower(signed_headers.substr(i, j - i));
    for (const auto& [k, v] : headers) {
      if (Lower(k) == name) out.emplace_back(name, v);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace prescale::aws
