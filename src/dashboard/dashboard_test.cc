#include "dashboard/dashboard.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "dashboard/embedded_files.h"
#include "server/http_server.h"
#include "server/prometheus_telemetry.h"

namespace prescale {
namespace {

std::string ReadSource(const std::string& name) {
  std::ifstream in(std::string(PRESCALE_SOURCE_DIR) + "/src/dashboard/web/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DashboardTest : public testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    server_ = std::make_unique<HttpServer>(o, status_, telemetry_, clock_);
    AddDashboard(*server_);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(std::chrono::seconds(5));
  }

  SimulatedClock clock_;
  NoGroupsStatus status_;
  PrometheusTelemetry telemetry_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(DashboardTest, ServesTheEmbeddedFilesAsTheyAreInTheTree) {
  struct Case {
    const char* path;
    const char* file;
    const char* type;
  };
  const Case cases[] = {
      {"/", "index.html", "text/html; charset=utf-8"},
      {"/index.html", "index.html", "text/html; charset=utf-8"},
      {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
      {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    auto r = client_->Get(c.path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), c.type);
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
    const std::string source = ReadSource(c.file);
    ASSERT_FALSE(source.empty());
    EXPECT_EQ(r->body, source);  // the binary serves what the tree holds, whole
  }
  auto head = client_->Head("/");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  // Other paths stay the server's JSON 404s; a dotless lookalike is no file.
  for (const char* path : {"/dashboardXjs", "/favicon.ico", "/dashboard.js/x"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
  }
}

// It works with no network: the page refers only to the daemon's own routes.
TEST_F(DashboardTest, EveryReferenceIsLocal) {
  for (const dashboard::EmbeddedFile& f : dashboard::EmbeddedFiles()) {
    EXPECT_EQ(std::string(f.body).find("://"), std::string::npos) << f.path;
  }
  const std::string html(dashboard::EmbeddedFiles().at(0).body);
  const std::regex ref(R"re((?:src|href)="(/[^"]*)")re");
  int refs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator();
       ++it, ++refs) {
    auto r = client_->Get((*it)[1].str());
    ASSERT_TRUE(r);
    EXPECT_NE(r->status, 404) << (*it)[1];
  }
  EXPECT_GE(refs, 6);  // the script, the style, and the API links
}

}  // namespace
}  // namespace prescale
