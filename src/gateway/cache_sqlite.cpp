#include "gateway/cache_sqlite.h"

#include <sqlite3.h>

#include <chrono>

#include "core/error.h"

namespace hearth::gateway {
namespace {

// A prepared statement, finalised on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) {
      throw IoError(std::string("cache database: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(st_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void text(int i, const std::string& s) { sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void text(int i, const std::optional<std::string>& s) {
    if (s) return text(i, *s);
    sqlite3_bind_null(st_, i);
  }
  void real(int i, double v) { sqlite3_bind_double(st_, i, v); }
  void integer(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  // True while a row is there.
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw IoError(std::string("cache database: ") + sqlite3_errmsg(db_));
    return false;
  }
  std::optional<std::string> column_text(int i) const {
    if (sqlite3_column_type(st_, i) == SQLITE_NULL) return std::nullopt;
    const auto* p = static_cast<const char*>(sqlite3_column_blob(st_, i));
    return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st_, i)));
  }
  double column_real(int i) const { return sqlite3_column_double(st_, i); }
  int64_t column_int(int i) const { return sqlite3_column_int64(st_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

SqliteCache::SqliteCache(const CacheConfig& config, std::function<double()> now_s)
    : config_(config), now_(now_s ? std::move(now_s) : wall_seconds) {
  if (sqlite3_open(config.path.c_str(), &db_) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw IoError(config.path + ": cannot open the cache database: " + why);
  }
  sqlite3_busy_timeout(db_, 2000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, content_type TEXT NOT NULL, json BLOB, sse BLOB,"
         " expires REAL NOT NULL, used INTEGER NOT NULL, bytes INTEGER NOT NULL)");
    exec("CREATE INDEX IF NOT EXISTS answers_used ON answers(used)");
    tick_ = scalar("SELECT COALESCE(MAX(used), 0) FROM answers");
  } catch (const Error& e) {
    sqlite3_close(db_);
    throw IoError(config.path + ": not a usable cache database (" + e.what() + ")");
  }
}

SqliteCache::~SqliteCache() { sqlite3_close(db_); }

void SqliteCache::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw IoError("cache database: " + why);
  }
}

int64_t SqliteCache::scalar(const char* sql) const {
  Statement st(db_, sql);
  return st.step() ? st.column_int(0) : 0;
}

std::optional<CachedAnswer> SqliteCache::get(const std::string& key) {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT content_type, json, sse, expires FROM answers WHERE key = ?");
  st.text(1, key);
  if (!st.step()) return std::nullopt;
  if (now_() >= st.column_real(3)) {
    Statement del(db_, "DELETE FROM answers WHERE key = ?");
    del.text(1, key);
    del.step();
    return std::nullopt;
  }
  CachedAnswer a;
  a.content_type = st.column_text(0).value_or("application/json");
  a.json = st.column_text(1);
  a.sse = st.column_text(2);
  Statement touch(db_, "UPDATE answers SET used = ? WHERE key = ?");
  touch.integer(1, ++tick_);
  touch.text(2, key);
  touch.step();
  return a;
}

void SqliteCache::put(const std::string& key, const CachedAnswer& answer) {
  std::lock_guard lock(mu_);
  CachedAnswer merged = answer;
  {
    Statement st(db_, "SELECT json, sse, expires FROM answers WHERE key = ?");
    st.text(1, key);
    if (st.step() && now_() < st.column_real(2)) {
      if (!merged.json) merged.json = st.column_text(0);
      if (!merged.sse) merged.sse = st.column_text(1);
    }
  }
  const size_t size = key.size() + merged.bytes();
  if (size > config_.max_bytes) return;  // larger than the whole cache: never stored
  Statement st(db_, "INSERT OR REPLACE INTO answers (key, content_type, json, sse, expires, used, bytes) VALUES (?,?,?,?,?,?,?)");
  st.text(1, key);
  st.text(2, merged.content_type);
  st.text(3, merged.json);
  st.text(4, merged.sse);
  st.real(5, now_() + config_.ttl.count());
  st.integer(6, ++tick_);
  st.integer(7, static_cast<int64_t>(size));
  st.step();
  evict_to_fit();
}

void SqliteCache::evict_to_fit() {
  // Expired rows first, then the least recently used until both limits hold.
  Statement expired(db_, "DELETE FROM answers WHERE expires <= ?");
  expired.real(1, now_());
  expired.step();
  while (true) {
    Statement st(db_, "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM answers");
    st.step();
    if (static_cast<size_t>(st.column_int(0)) <= config_.max_entries &&
        static_cast<size_t>(st.column_int(1)) <= config_.max_bytes) {
      return;
    }
    exec("DELETE FROM answers WHERE key = (SELECT key FROM answers ORDER BY used ASC LIMIT 1)");
  }
}

size_t SqliteCache::entries() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(scalar("SELECT COUNT(*) FROM answers"));
}

size_t SqliteCache::bytes() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(scalar("SELECT COALESCE(SUM(bytes), 0) FROM answers"));
}

}  // namespace hearth::gateway
