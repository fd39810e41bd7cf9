// The web dashboard that `prescale run` serves at `/`: a groups overview (current,
// desired, forecast, the last decision and its reason), a live chart per group
// (load or CPU, forecast and band, anomalies, ready and desired instances,
// actions) and the decision log. The page is plain JavaScript (web/dashboard.js)
// that reads the /api/v1 routes and refreshes itself; its files are compiled into
// the binary (embedded_files.h).
#pragma once

namespace prescale {

class HttpServer;

// Adds GET / (the page), /index.html, /dashboard.js and /dashboard.css.
// REQUIRES: the server has not been started.
void AddDashboard(HttpServer& server);

}  // namespace prescale
