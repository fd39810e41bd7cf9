// JSON for the HTTP API (/api/v1/...): group snapshots and history points.
//
// The daemon hands the server plain structs (daemon/telemetry.h); this adapter is
// the one place that knows their JSON shape, so nlohmann stays out of the daemon
// (STYLE.md, point 8). The shape, shared by the server and any client:
//
//   - field names are snake_case and carry units where they have one (interval_s);
//   - times are epoch seconds as numbers, with an "..._iso" twin in UTC
//     ("2024-03-01T12:00:00.250Z") for people;
//   - reasons are ReasonName() ("Cooldown"), actions ActionName() ("scale_up");
//   - missing optionals, a never-ticked group's last tick, an empty error and
//     non-finite numbers are null.
//
// Only declarations of nlohmann::json here: include <nlohmann/json.hpp> where the
// values are built or read.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/telemetry.h"
#include "prescale/clock.h"
#include "prescale/decision.h"
#include "prescale/status.h"

namespace prescale {

// Encoding. Never throws on any field value (NaN and infinities become null).
nlohmann::json SnapshotToJson(const GroupSnapshot& s);
nlohmann::json SnapshotsToJson(const std::vector<GroupSnapshot>& snapshots);  // array
nlohmann::json HistoryPointToJson(const HistoryPoint& p);
nlohmann::json HistoryToJson(const std::vector<HistoryPoint>& points);  // array
nlohmann::json DecisionToJson(const DecisionRecord& d);
nlohmann::json DecisionsToJson(const std::vector<DecisionRecord>& decisions);  // array
// {"error": message}
nlohmann::json ErrorJson(std::string_view message);

// Serializes for the wire. Invalid UTF-8 (say, a group name taken from a URL) is
// replaced by U+FFFD rather than thrown.
std::string DumpJson(const nlohmann::json& j);

// Decoding, for clients of the API and for round-trip tests. Reads with .at(), so
// a missing field, a wrong type or an unknown reason or action is an error that
// names it ("snapshot: field 'desired': type must be number, but is string").
Result<GroupSnapshot> SnapshotFromJson(const nlohmann::json& j);
Result<HistoryPoint> HistoryPointFromJson(const nlohmann::json& j);

// "2024-03-01T12:00:00.250Z" (UTC, milliseconds); "" when t is not representable.

// Parses a whole string of epoch seconds ("1700000000", "1700000000.5", "-1").
// nullopt for empty, trailing junk, NaN or infinity.
std::optional<double> ParseEpochSeconds(std::string_view text);

// The inverses of ReasonName() and ActionName(); nullopt for an unknown name.
std::optional<Reason> ReasonFromName(std::string_view name);
std::optional<Action> ActionFromName(std::string_view name);

}  // namespace prescale
