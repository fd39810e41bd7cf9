// AWS Signature Version 4 (the request-signing process of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html),
// checked against every case of the official test suite (../shared/aws/sigv4-test-suite)
// and against botocore's SigV4Auth.
//
//   1. canonical request: method, normalised and encoded path, sorted encoded query,
//      lowercase sorted headers with trimmed values, signed header list, hex
//      SHA-256 of the body;
//   2. string to sign: "AWS4-HMAC-SHA256", the time, the scope, hash of (1);
//   3. signing key: HMAC chain over date, region, service, "aws4_request";
//   4. Authorization: algorithm, Credential=<key id>/<scope>, SignedHeaders, Signature.
//
// Paths are normalised as every service but S3 does (RFC 3986 dot segments removed,
// repeated slashes collapsed) and each segment percent-encoded once (the request's
// path is given decoded). Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http.h"
#include "prescale/clock.h"

namespace prescale::aws {

// "20150830T123600Z" and "20150830" (UTC).
std::string AmzDate(TimePoint t);
std::string AmzDay(TimePoint t);

// Percent-encodes all but A-Z a-z 0-9 - _ . ~ (SigV4's and the Query protocol's set).
std::string UriEncode(std::string_view s, bool keep_slash = false);
// Decodes %XX escapes (and nothing else: '+' stays '+', as SigV4 wants).
std::string UriDecode(std::string_view s);
std::string HexSha256(std::string_view data);

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // signing name: "autoscaling", "monitoring"
};

struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "content-type;host;x-amz-date"
  std::string authorization;   // the Authorization header's value
};

// Computes the signature of `request` as it stands, signing every header it has.
// The request must already carry Host and X-Amz-Date (and X-Amz-Security-Token when
// signing it). `time` gives the date of the scope.
SignatureParts ComputeSignature(const HttpRequest& request, const Credentials& credentials,
                                const SigningScope& scope, TimePoint time);

// Adds Host, X-Amz-Date, X-Amz-Security-Token (with a session token) and
// Authorization to `request`, replacing any earlier ones. What the client does.
void SignRequest(HttpRequest& request, const Credentials& credentials, const SigningScope& scope,
                 TimePoint time);

// The parts of an Authorization header, for the fake endpoint's verification.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string day;  // yyyymmdd
  std::string region;
  std::string service;
  std::string signed_headers;  // as given
  std::string signature;
};
bool ParseAuthorization(std::string_view value, ParsedAuthorization* out);

// Keeps only the headers named in `signed_headers` ("a;b;c"), in the given order, for
// recomputing a received request's signature.
Headers OnlySignedHeaders(const Headers& headers, std::string_view signed_headers);

}  // namespace prescale::aws
