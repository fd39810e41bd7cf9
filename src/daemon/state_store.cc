#include "daemon/state_store.h"

#include <sqlite3.h>

#include <filesystem>

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
      "CREATE TABLE IF NOT EXISTS group_state ("
      "  grp TEXT PRIMARY KEY, saved_at REAL NOT NULL,"
      "  policy_type TEXT, policy TEXT, forecaster_type TEXT, forecaster TEXT,"
      "  detector_type TEXT, detector TEXT, controller TEXT);";
  if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(db, "cannot set up " + path);
  }
  return store;
}

StateStore::~StateStore() { sqlite3_close(db_); }

Status StateStore::SaveAll(const std::vector<StoredGroup>& groups, TimePoint now) {
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(db_, "begin");
  }
  Statement st;
  const char* sql =
      "INSERT OR REPLACE INTO group_state (grp, saved_at, policy_type, policy, forecaster_type,"
      " forecaster, detector_type, detector, controller) VALUES (?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.stmt, nullptr) != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return SqlError(db_, "prepare");
  }
  for (const StoredGroup& g : groups) {
    const std::string* texts[] = {&g.group,           &g.policy_type, &g.state.policy,
                                  &g.forecaster_type, &g.state.forecaster, &g.detector_type,
                                  &g.state.detector,  &g.state.controller};
    const int columns[] = {1, 3, 4, 5, 6, 7, 8, 9};
    sqlite3_reset(st.stmt);
    for (int i = 0; i < 8; ++i) {
      sqlite3_bind_text(st.stmt, columns[i], texts[i]->c_str(),
                        static_cast<int>(texts[i]->size()), SQLITE_STATIC);
    }
    sqlite3_bind_double(st.stmt, 2, ToEpochSeconds(now));
    if (sqlite3_step(st.stmt) != SQLITE_DONE) {
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
      "SELECT policy_type, policy, forecaster_type, forecaster, detector_type, detector,"
      " controller FROM group_state WHERE grp = ?";
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
  return std::optional<StoredGroup>(std::move(g));
}

}  // namespace prescale
