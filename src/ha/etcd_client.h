// EtcdClient: the few etcd v3 calls that leader election and sharding need, over
// etcd's HTTP/JSON gateway (POST /v3/..., https://etcd.io/docs/v3.4/dev-guide/api_grpc_gateway/),
// so no gRPC dependency: cpp-httplib stays inside etcd_client.cc.
//
// The gateway speaks the v3 protobufs as JSON: keys and values are base64, int64
// fields (lease IDs, revisions, TTLs) are strings, and fields at their zero value
// are left out (a failed txn has no "succeeded", an expired lease's keep-alive no
// "TTL"). Verified against etcd-server 3.4.23 (Debian 12).
//
// Every call is bounded by `timeout` and returns an error that names the endpoint
// and the call; a call whose outcome is unknown (a timeout after sending) is an
// error too, and callers must treat it as "maybe done" (see coordinator.cc).
//
// Thread safety: each call uses an HTTP client of its own, so calls may come from
// several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/clock.h"
#include "prescale/status.h"

namespace prescale::ha {

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t lease = 0;  // 0: not attached to a lease
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
};

struct Lease {
  std::int64_t id = 0;
  std::int64_t ttl_s = 0;  // as granted or renewed; 0: expired or unknown
};

class EtcdClient {
 public:
  // `endpoint` is http://host:port (the client URL of an etcd member).
  EtcdClient(std::string endpoint, Duration timeout);

  const std::string& endpoint() const { return endpoint_; }

  Result<Lease> Grant(std::int64_t ttl_s) const;
  // Renews the lease; ttl_s 0 in the answer means it had already expired.
  Result<Lease> KeepAlive(std::int64_t id) const;
  Status Revoke(std::int64_t id) const;

  // Creates `key` = `value` on `lease` if the key does not exist (a txn comparing
  // its create revision with 0). Returns the key as it is after the call: ours if
  // created, else the holder's.
  Result<KeyValue> CreateIfAbsent(const std::string& key, const std::string& value,
                                  std::int64_t lease) const;
  // Deletes `key` if its value is still `value` (a txn comparing the value).
  Status DeleteIfValue(const std::string& key, const std::string& value) const;
  Status Put(const std::string& key, const std::string& value, std::int64_t lease) const;
  // The key, or nullopt when it does not exist.
  Result<std::optional<KeyValue>> Get(const std::string& key) const;
  // Every key that starts with `prefix`, in key order.
  Result<std::vector<KeyValue>> GetPrefix(const std::string& prefix) const;

 private:
  // POSTs `body` (JSON) to `path` and returns the parsed answer's text.
  Result<std::string> Call(std::string_view path, const std::string& body) const;

  std::string endpoint_;
  Duration timeout_;
};

// RFC 4648 base64 (the gateway's encoding of bytes fields). Decode fails on
// characters outside the alphabet.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

// The key one past every key with `prefix` (etcd's range_end for a prefix).
std::string PrefixEnd(std::string prefix);

}  // namespace prescale::ha
