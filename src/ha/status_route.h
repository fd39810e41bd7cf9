// GET /api/v1/ha: this replica's part in the cluster, for operators and the HA test.
//   {"member": "a", "lease_ok": true, "lease": "7587...", "shard": false,
//    "leader": true, "leader_member": "a", "members": ["a", "b", "c"],
//    "held_groups": [], "keepalive_failures": 0, "fenced": 3}
#pragma once

namespace prescale {
class HttpServer;
}

namespace prescale::ha {

class Coordinator;

// `coordinator` must outlive the server's handlers.
void AddStatusRoute(HttpServer& server, const Coordinator& coordinator);

}  // namespace prescale::ha
