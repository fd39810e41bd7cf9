#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/time_format.h"

namespace prescale::aws {
namespace {

namespace fs = std::filesystem;

// The suite's credentials, region and service (../shared/aws/README.md section 1).
Credentials SuiteCredentials() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return c;
}
const SigningScope kSuiteScope{"us-east-1", "service"};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string StripTrailingNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A suite .req file: "METHOD TARGET HTTP/1.1", "Name:value" headers (a line that
// starts with blanks continues the previous value), a blank line, the body. The
// target may hold a space (normalize-path/get-space).
HttpRequest ParseSuiteRequest(const std::string& text) {
  HttpRequest r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const std::size_t sp = line.find(' ');
  const std::size_t http = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, http - sp - 1);
  const std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  while (std::getline(in, line)) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const std::size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream body;
  body << in.rdbuf();
  r.body = body.str();
  return r;
}

TimePoint SuiteTime(const HttpRequest& r) {
  const std::string d(HeaderValue(r.headers, "x-amz-date"));
  return *ParseIsoTime(d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" +
                       d.substr(9, 2) + ":" + d.substr(11, 2) + ":" + d.substr(13, 2) + "Z");
}

// get-vanilla, inline, so that the signer is checked even without ../shared.
TEST(SigV4Test, GetVanillaInline) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  SignatureParts p = ComputeSignature(r, SuiteCredentials(), kSuiteScope, SuiteTime(r));
  EXPECT_EQ(p.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(p.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// Every case of the official suite: canonical request, string to sign, header.
TEST(SigV4Test, EveryCaseOfTheOfficialSuite) {
  const fs::path suite = fs::path(PRESCALE_SHARED_DIR) / "aws" / "sigv4-test-suite";
  if (!fs::is_directory(suite)) GTEST_SKIP() << "no " << suite << " (needs ../shared)";
  int cases = 0;
  for (const auto& entry : fs::recursive_directory_iterator(suite)) {
    if (entry.path().extension() != ".req") continue;
    const fs::path base = entry.path().parent_path() / entry.path().stem();
    SCOPED_TRACE(base.string());
    ++cases;
    HttpRequest r = ParseSuiteRequest(ReadFile(entry.path()));
    SignatureParts p = ComputeSignature(r, SuiteCredentials(), kSuiteScope, SuiteTime(r));
    EXPECT_EQ(p.canonical_request, StripTrailingNewline(ReadFile(base.string() + ".creq")));
    EXPECT_EQ(p.string_to_sign, StripTrailingNewline(ReadFile(base.string() + ".sts")));
    EXPECT_EQ(p.authorization, StripTrailingNewline(ReadFile(base.string() + ".authz")));
  }
  EXPECT_EQ(cases, 31) << "the suite has 31 cases (../shared/aws/README.md)";
}

// SignRequest adds what the suite's .sreq files show, the token signed before
// (post-sts-header-before) as Auto Scaling and CloudWatch want it.
TEST(SigV4Test, SignRequestAddsHostDateTokenAndAuthorization) {
  HttpRequest r;
  r.method = "POST";
  r.host = "example.amazonaws.com";
  r.path = "/";
  Credentials c = SuiteCredentials();
  c.session_token = Secret("AQoDYXdzEPT//////////wEXAMPLE");
  SignRequest(r, c, kSuiteScope, *ParseIsoTime("2015-08-30T12:36:00Z"));
  EXPECT_EQ(HeaderValue(r.headers, "host"), "example.amazonaws.com");
  EXPECT_EQ(HeaderValue(r.headers, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(HeaderValue(r.headers, "x-amz-security-token"), "AQoDYXdzEPT//////////wEXAMPLE");
  const std::string auth(HeaderValue(r.headers, "authorization"));
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-date;x-amz-security-token,"), std::string::npos)
      << auth;
  EXPECT_EQ(auth.find("wJalrXUtnFEMI"), std::string::npos) << "the secret is never in a header";
  // Signing again replaces, never duplicates.
  SignRequest(r, c, kSuiteScope, *ParseIsoTime("2015-08-30T12:36:01Z"));
  int authorizations = 0;
  for (const auto& [k, v] : r.headers) authorizations += k == "Authorization";
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(HeaderValue(r.headers, "x-amz-date"), "20150830T123601Z");
}

TEST(SigV4Test, ParsesAnAuthorizationHeader) {
  ParsedAuthorization a;
  ASSERT_TRUE(ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/autoscaling/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc123",
      &a));
  EXPECT_EQ(a.access_key_id, "AKID");
  EXPECT_EQ(a.day, "20150830");
  EXPECT_EQ(a.region, "eu-west-1");
  EXPECT_EQ(a.service, "autoscaling");
  EXPECT_EQ(a.signed_headers, "host;x-amz-date");
  EXPECT_EQ(a.signature, "abc123");
  EXPECT_FALSE(ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/x, Signature=1", &a));
  EXPECT_FALSE(ParseAuthorization("Basic dXNlcjpwYXNz", &a));
}

TEST(SigV4Test, EncodesWithTheUnreservedSet) {
  EXPECT_EQ(UriEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c/d=e&f"), "a%20b%2Bc%2Fd%3De%26f");
  EXPECT_EQ(UriEncode("a/b", /*keep_slash=*/true), "a/b");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4"), "%E1%88%B4");
  EXPECT_EQ(UriDecode("a%20b%2bc%zz%4"), "a b+c%zz%4");
}

}  // namespace
}  // namespace prescale::aws
