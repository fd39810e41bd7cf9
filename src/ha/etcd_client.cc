#include "ha/etcd_client.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

namespace prescale::ha {
namespace {

using nlohmann::json;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// An int64 field: the gateway writes them as strings, and leaves out zeros.
std::int64_t Int64(const json& j, const char* field) {
  if (!j.contains(field)) return 0;
  const json& v = j.at(field);
  if (v.is_number_integer()) return v.get<std::int64_t>();
  const std::string& s = v.get_ref<const std::string&>();
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::invalid_argument(std::string(field) + " '" + s + "' is not an integer");
  }
  return out;
}

std::string Bytes(const json& j, const char* field) {
  if (!j.contains(field)) return "";
  std::optional<std::string> decoded = Base64Decode(j.at(field).get_ref<const std::string&>());
  if (!decoded) throw std::invalid_argument(std::string(field) + " is not base64");
  return *decoded;
}

KeyValue ParseKeyValue(const json& kv) {
  return KeyValue{Bytes(kv, "key"), Bytes(kv, "value"), Int64(kv, "lease"),
                  Int64(kv, "create_revision"), Int64(kv, "mod_revision")};
}

std::vector<KeyValue> ParseKvs(const json& range) {
  std::vector<KeyValue> out;
  if (!range.contains("kvs")) return out;
  for (const json& kv : range.at("kvs")) out.push_back(ParseKeyValue(kv));
  return out;
}

// Runs `parse` over the JSON text of an answer; a shape it does not expect is an
// error naming the call, never an exception.
template <class F>
auto Parsed(const std::string& text, std::string_view call, F&& parse)
    -> Result<decltype(parse(json()))> {
  try {
    return parse(json::parse(text));
  } catch (const std::exception& e) {
    return Status::Error("etcd " + std::string(call) + ": malformed answer: " + e.what());
  }
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      // Padding only at the end.
      for (std::size_t k = i; k < text.size(); ++k) {
        if (text[k] != '=') return std::nullopt;
      }
      break;
    }
    const char* at = std::char_traits<char>::find(kAlphabet, 64, c);
    if (at == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string PrefixEnd(std::string prefix) {
  // etcd's clientv3.GetPrefixRangeEnd: the last byte that is not 0xff, plus one.
  while (!prefix.empty()) {
    unsigned char& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last < 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

EtcdClient::EtcdClient(std::string endpoint, Duration timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

Result<std::string> EtcdClient::Call(std::string_view path, const std::string& body) const {
  const std::string where = "etcd " + endpoint_ + std::string(path);
  const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(timeout_);
  httplib::Result res(nullptr, httplib::Error::Unknown);
  try {
    httplib::Client client(endpoint_);
    client.set_connection_timeout(wait);
    client.set_read_timeout(wait);
    client.set_write_timeout(wait);
    client.set_tcp_nodelay(true);
    client.set_keep_alive(false);
    res = client.Post(std::string(path), body, "application/json");
  } catch (const std::exception& e) {
    return Status::Error(where + ": " + e.what());
  }
  if (!res) return Status::Error(where + ": " + httplib::to_string(res.error()));
  if (res->status != 200) {
    std::string message = res->body.substr(0, 200);
    try {
      const json j = json::parse(res->body);
      if (j.contains("message")) message = j.at("message").get<std::string>();
      if (j.contains("error")) message = j.at("error").get<std::string>();
    } catch (const std::exception&) {
    }
    return Status::Error(where + ": HTTP " + std::to_string(res->status) + ": " + message);
  }
  return std::move(res->body);
}

Result<Lease> EtcdClient::Grant(std::int64_t ttl_s) const {
  auto text = Call("/v3/lease/grant", json{{"TTL", ttl_s}}.dump());
  if (!text.ok()) return text.status();
  return Parsed(*text, "lease grant", [](const json& j) {
    Lease l{Int64(j, "ID"), Int64(j, "TTL")};
    if (l.id == 0 || l.ttl_s <= 0) throw std::invalid_argument("no lease granted");
    return l;
  });
}

Result<Lease> EtcdClient::KeepAlive(std::int64_t id) const {
  auto text = Call("/v3/lease/keepalive", json{{"ID", std::to_string(id)}}.dump());
  if (!text.ok()) return text.status();
  // A stream of answers; one request gives one {"result": {...}}.
  return Parsed(*text, "lease keepalive", [id](const json& j) {
    const json& r = j.at("result");
    return Lease{id, Int64(r, "TTL")};
  });
}

Status EtcdClient::Revoke(std::int64_t id) const {
  return Call("/v3/lease/revoke", json{{"ID", std::to_string(id)}}.dump()).status();
}

Result<KeyValue> EtcdClient::CreateIfAbsent(const std::string& key, const std::string& value,
                                            std::int64_t lease) const {
  const std::string k = Base64Encode(key);
  const json body = {
      {"compare",
       {{{"key", k}, {"result", "EQUAL"}, {"target", "CREATE"}, {"create_revision", "0"}}}},
      {"success",
       {{{"request_put",
          {{"key", k}, {"value", Base64Encode(value)}, {"lease", std::to_string(lease)}}}}}},
      {"failure", {{{"request_range", {{"key", k}}}}}}};
  auto text = Call("/v3/kv/txn", body.dump());
  if (!text.ok()) return text.status();
  return Parsed(*text, "txn", [&](const json& j) {
    if (j.value("succeeded", false)) {
      return KeyValue{key, value, lease, Int64(j.at("header"), "revision"),
                      Int64(j.at("header"), "revision")};
    }
    const std::vector<KeyValue> kvs = ParseKvs(j.at("responses").at(0).at("response_range"));
    // Deleted between the compare and the range: nobody holds it now; say so as a
    // holder-less key, and the caller tries again next round.
    return kvs.empty() ? KeyValue{key, "", 0, 0, 0} : kvs.front();
  });
}

Status EtcdClient::DeleteIfValue(const std::string& key, const std::string& value) const {
  const std::string k = Base64Encode(key);
  const json body = {
      {"compare",
       {{{"key", k}, {"result", "EQUAL"}, {"target", "VALUE"}, {"value", Base64Encode(value)}}}},
      {"success", {{{"request_delete_range", {{"key", k}}}}}}};
  return Call("/v3/kv/txn", body.dump()).status();
}

Status EtcdClient::Put(const std::string& key, const std::string& value,
                       std::int64_t lease) const {
  const json body = {{"key", Base64Encode(key)},
                     {"value", Base64Encode(value)},
                     {"lease", std::to_string(lease)}};
  return Call("/v3/kv/put", body.dump()).status();
}

Result<std::optional<KeyValue>> EtcdClient::Get(const std::string& key) const {
  auto text = Call("/v3/kv/range", json{{"key", Base64Encode(key)}}.dump());
  if (!text.ok()) return text.status();
  return Parsed(*text, "range", [](const json& j) {
    std::vector<KeyValue> kvs = ParseKvs(j);
    return kvs.empty() ? std::optional<KeyValue>() : std::optional<KeyValue>(kvs.front());
  });
}

Result<std::vector<KeyValue>> EtcdClient::GetPrefix(const std::string& prefix) const {
  const json body = {{"key", Base64Encode(prefix)}, {"range_end", Base64Encode(PrefixEnd(prefix))}};
  auto text = Call("/v3/kv/range", body.dump());
  if (!text.ok()) return text.status();
  return Parsed(*text, "range", [](const json& j) { return ParseKvs(j); });
}

}  // namespace prescale::ha
