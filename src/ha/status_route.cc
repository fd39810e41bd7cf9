#include "ha/status_route.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "ha/coordinator.h"
#include "server/http_server.h"

namespace prescale::ha {

void AddStatusRoute(HttpServer& server, const Coordinator& coordinator) {
  server.AddGet("/api/v1/ha", [&coordinator](const httplib::Request&, httplib::Response& res) {
    const Coordinator::View v = coordinator.Snapshot();
    const nlohmann::json j = {{"member", v.member},
                              {"lease_ok", v.lease_ok},
                              {"lease", std::to_string(v.lease)},
                              {"shard", v.shard},
                              {"leader", v.leader},
                              {"leader_member", v.leader_member},
                              {"members", v.members},
                              {"held_groups", v.held_groups},
                              {"keepalive_failures", v.keepalive_failures},
                              {"fenced", v.fenced}};
    res.set_content(j.dump(), "application/json");
  });
}

}  // namespace prescale::ha
