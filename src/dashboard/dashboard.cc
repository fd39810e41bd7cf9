#include "dashboard/dashboard.h"

#include <httplib.h>

#include <regex>
#include <string>

#include "dashboard/embedded_files.h"
#include "server/http_server.h"

namespace prescale {

void AddDashboard(HttpServer& server) {
  for (const dashboard::EmbeddedFile& file : dashboard::EmbeddedFiles()) {
    auto handler = [&file](const httplib::Request&, httplib::Response& res) {
      // The files change with the binary: a browser must ask again after an upgrade.
      res.set_header("Cache-Control", "no-cache");
      res.set_content(file.body.data(), file.body.size(), std::string(file.content_type).c_str());
    };
    const std::string path(file.path);
    server.AddGet(std::regex_replace(path, std::regex(R"([.])"), R"(\.)"), handler);
    if (path == "/index.html") server.AddGet("/", handler);
  }
}

}  // namespace prescale
