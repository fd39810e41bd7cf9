// The dashboard's files (src/dashboard/web/), compiled into the binary by
// cmake/embed_files.cmake, so `run` serves them with no files to install and no
// network: no CDN, nothing fetched at run time.
#pragma once

#include <string_view>
#include <vector>

namespace prescale::dashboard {

struct EmbeddedFile {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

}  // namespace prescale::dashboard
