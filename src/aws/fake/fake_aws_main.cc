// prescale_fake_aws: the fake Auto Scaling + CloudWatch endpoint (fake_aws.h) as a
// program, for tests that drive the real aws CLI or the prescale binary.
//
//   prescale_fake_aws --port-file F [--region R] [--key ID:SECRET[:TOKEN]]...
//                     [--group NAME:MIN:MAX:DESIRED]... [--metric NAME=VALUE]...
//                     [--memory PCT] [--page N]
//
// Writes its port to F once it listens, and runs until SIGTERM or SIGINT. Tests steer
// it through unsigned routes: GET /_fake/state (JSON), POST
// /_fake/metric?name=&value=, POST /_fake/fault?action=&kind=&times=&delay_s=.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "aws/fake/fake_aws.h"

namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t a = 0;
  for (;;) {
    std::size_t b = s.find(sep, a);
    out.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) return out;
    a = b + 1;
  }
}

int Usage(const char* why) {
  std::fprintf(stderr, "prescale_fake_aws: %s\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using prescale::aws::FakeAws;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the server's threads exist

  FakeAws::Options options;
  std::string port_file;
  std::vector<std::string> keys, groups, metrics;
  double memory = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return Usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--port-file")
      port_file = v;
    else if (a == "--region")
      options.region = v;
    else if (a == "--key")
      keys.push_back(v);
    else if (a == "--group")
      groups.push_back(v);
    else if (a == "--metric")
      metrics.push_back(v);
    else if (a == "--memory")
      memory = std::stod(v);
    else if (a == "--page")
      options.results_per_page = std::stoul(v);
    else
      return Usage(("unknown flag " + a).c_str());
  }
  if (port_file.empty()) return Usage("--port-file is required");
  FakeAws fake(options);
  if (!fake.running()) return Usage("cannot listen on loopback");
  for (const std::string& k : keys) {
    auto p = Split(k, ':');
    if (p.size() < 2) return Usage("--key wants ID:SECRET[:TOKEN]");
    fake.AddKey({p[0], p[1], p.size() > 2 ? p[2] : ""});
  }
  for (const std::string& g : groups) {
    auto p = Split(g, ':');
    if (p.size() != 4) return Usage("--group wants NAME:MIN:MAX:DESIRED");
    fake.AddGroup(p[0], std::stoi(p[1]), std::stoi(p[2]), std::stoi(p[3]));
  }
  for (const std::string& m : metrics) {
    auto p = Split(m, '=');
    if (p.size() != 2) return Usage("--metric wants NAME=VALUE");
    fake.SetMetric(p[0], std::stod(p[1]));
  }
  if (memory >= 0) fake.SetMemory(true, memory);
  {
    std::ofstream out(port_file + ".tmp");
    out << fake.port() << "\n";
  }
  std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;
}
