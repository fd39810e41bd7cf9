// StateStore: each group's durable state in SQLite (WAL mode), so a restart keeps
// cooldown timers, stabilisation windows, counters and forecaster history.
//
// One row per group, replaced in one transaction after each of the group's ticks
// (before its output lines are written): after `kill -9` at most the tick in
// progress is lost. Thread-compatible: the daemon serialises writers. Each part is stored with the
// plugin type that wrote it, so a config that changes a group's policy starts that part fresh
// instead of misreading it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/controller.h"

struct sqlite3;
struct sqlite3_stmt;

namespace prescale {

// A group's saved state plus the plugin types it belongs to.
struct StoredGroup {
  std::string group;
  std::string policy_type;
  std::string forecaster_type;
  std::string detector_type;
  SavedState state;
  // False: `state` holds only the decision state (Controller::SaveState(false)), and
  // the stored forecaster and detector are kept as they are.
  bool with_models = true;
  // When the stored forecaster and detector were saved (Load() fills it).
  std::optional<TimePoint> models_saved_at;
};

class StateStore {
 public:
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();

  Status SaveAll(const std::vector<StoredGroup>& groups, TimePoint now);
  // Nullopt when nothing is stored for `group`.
  Result<std::optional<StoredGroup>> Load(const std::string& group);

 private:
  explicit StateStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  sqlite3_stmt* save_state_ = nullptr;   // the decision state of one group
  sqlite3_stmt* save_models_ = nullptr;  // its models
};

}  // namespace prescale
