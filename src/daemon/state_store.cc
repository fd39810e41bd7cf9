#include "daemon/state_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <initializer_list>

namespace prescale {
namespace {

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::Error("state store: " + what + ": " + sqlite3_errmsg(db));
}

// A prepared statement, finalised on scope exit.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Status s = Status::Error("state store: cannot open " + path + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<StateStore> store(new StateStore(db));
  sqlite3_busy_timeout(db, 2000);
  // WAL: a commit is one append to the log, and readers never block the writer.
  // synchronous=NORMAL in WAL keeps the database consistent after a crash; the last
  // transaction may be lost on power failure, which is the tick we allow to lose.
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      // The decision state, rewritten every tick. Its forecaster and detector columns
      // are those of stores written before group_models, read when a group has no
      // models row yet.
      "CREATE TABLE IF NOT EXISTS group_state ("
      "  grp TEXT PRIMARY KEY, saved_at REAL NOT NULL,"
      "  policy_type TEXT, policy TEXT, forecaster_type TEXT, forecaster TEXT,"
      "  detector_type TEXT, detector TEXT, controller TEXT);"
      // The models, about a hundred times larger, rewritten less often: a table of
      // their own, since SQLite rewrites a whole row when any column changes.
      "CREATE TABLE IF NOT EXISTS group_models ("
      "  grp TEXT PRIMARY KEY, saved_at REAL NOT NULL,"
      "  forecaster_type TEXT, forecaster TEXT, detector_type TEXT, detector TEXT);";
  if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(db, "cannot set up " + path);
  }
  // Prepared once: SaveAll runs after every tick of every group.
  const char* state_sql =
      "INSERT OR REPLACE INTO group_state (grp, saved_at, policy_type, policy, forecaster_type,"
      " forecaster, detector_type, detector, controller) VALUES (?1,?2,?3,?4,?5,NULL,?6,NULL,?7)";
  const char* models_sql =
      "INSERT OR REPLACE INTO group_models (grp, saved_at, forecaster_type, forecaster,"
      " detector_type, detector) VALUES (?1,?2,?3,?4,?5,?6)";
  if (sqlite3_prepare_v2(db, state_sql, -1, &store->save_state_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, models_sql, -1, &store->save_models_, nullptr) != SQLITE_OK) {
    return SqlError(db, "cannot prepare the saves in " + path);
  }
  return store;
}

StateStore::~StateStore() {
  sqlite3_finalize(save_state_);
  sqlite3_finalize(save_models_);
  sqlite3_close(db_);
}

Status StateStore::SaveAll(const std::vector<StoredGroup>& groups, TimePoint now) {
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(db_, "begin");
  }
  // Binds the group to ?1, the time to ?2 and the texts to ?3 on, then runs it.
  auto run = [&](sqlite3_stmt* stmt, const std::string& group,
                 std::initializer_list<const std::string*> texts) {
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, group.c_str(), static_cast<int>(group.size()), SQLITE_STATIC);
    sqlite3_bind_double(stmt, 2, ToEpochSeconds(now));
    int column = 3;
    for (const std::string* t : texts) {
      sqlite3_bind_text(stmt, column++, t->c_str(), static_cast<int>(t->size()), SQLITE_STATIC);
    }
    const bool done = sqlite3_step(stmt) == SQLITE_DONE;
    sqlite3_reset(stmt);  // done with it until the next save: the transaction may commit
    return done;
  };
  for (const StoredGroup& g : groups) {
    bool ok = run(save_state_, g.group,
                  {&g.policy_type, &g.state.policy, &g.forecaster_type, &g.detector_type,
                   &g.state.controller});
    if (ok && g.with_models) {
      ok = run(save_models_, g.group,
               {&g.forecaster_type, &g.state.forecaster, &g.detector_type, &g.state.detector});
    }
    if (!ok) {
      Status s = SqlError(db_, "save group " + g.group);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status s = SqlError(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }
  return Status::Ok();
}

Result<std::optional<StoredGroup>> StateStore::Load(const std::string& group) {
  Statement st;
  const char* sql =
      "SELECT s.policy_type, s.policy, COALESCE(m.forecaster_type, s.forecaster_type),"
      " COALESCE(m.forecaster, s.forecaster), COALESCE(m.detector_type, s.detector_type),"
      " COALESCE(m.detector, s.detector), s.controller, COALESCE(m.saved_at, s.saved_at)"
      " FROM group_state s LEFT JOIN group_models m ON m.grp = s.grp WHERE s.grp = ?";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.stmt, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare");
  }
  sqlite3_bind_text(st.stmt, 1, group.c_str(), static_cast<int>(group.size()), SQLITE_STATIC);
  int rc = sqlite3_step(st.stmt);
  if (rc == SQLITE_DONE) return std::optional<StoredGroup>();
  if (rc != SQLITE_ROW) return SqlError(db_, "load group " + group);
  auto text = [&](int col) {
    const unsigned char* p = sqlite3_column_text(st.stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  };
  StoredGroup g;
  g.group = group;
  g.policy_type = text(0);
  g.state.policy = text(1);
  g.forecaster_type = text(2);
  g.state.forecaster = text(3);
  g.detector_type = text(4);
  g.state.detector = text(5);
  g.state.controller = text(6);
  if (sqlite3_column_type(st.stmt, 7) != SQLITE_NULL) {
    g.models_saved_at = FromEpochSeconds(sqlite3_column_double(st.stmt, 7));
  }
  return std::optional<StoredGroup>(std::move(g));
}

}  // namespace prescale
