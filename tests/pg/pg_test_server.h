// A throwaway PostgreSQL 15 server for the PostgreSQL store tests: initdb into a temporary
// directory, a free port on 127.0.0.1, password authentication. Run as the unprivileged
// `postgres` user when the tests run as root (initdb refuses root), directly otherwise.
//
// One server serves the whole test binary (PgServerEnvironment starts it before the first test
// and stops it after the last); each test makes its own database. A watchdog process stops the
// server and removes its directory when the test binary exits in any way (a crash included).
// When the server cannot start, every test fails: the tests never skip.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace semdex::testing {

// The server binaries of Debian's postgresql-15 package.
inline constexpr const char* kPgBinDir = "/usr/lib/postgresql/15/bin";
// The superuser's name and password; tests check the password never shows in messages.
inline constexpr const char* kPgUser = "semdex_test";
inline constexpr const char* kPgPassword = "pw-Xq7-secret-42";
// Low enough that a test can exhaust it.
inline constexpr int kPgMaxConnections = 24;

class PgTestServer {
 public:
  // The one server of this test binary (started by PgServerEnvironment).
  static PgTestServer& Get();

  // initdb (first call only) and start. Returns "" or what went wrong.
  std::string Start();
  // Stops the server: fast (a clean shutdown), or immediate (a crash: no checkpoint, every
  // connection cut, recovery at the next start).
  std::string Stop(bool immediate = false);
  bool running() const { return running_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // A libpq URL for `database` (with the password; or with `password` instead).
  std::string Url(const std::string& database) const;
  std::string UrlWithPassword(const std::string& database, const std::string& password) const;
  // Creates an empty database; returns "" or the error.
  std::string CreateDatabase(const std::string& name);

 private:
  std::string RunAsServerUser(const std::string& command) const;
  std::string StartWatchdog();

  std::string dir_;  // holds data/, the socket, the log, the password file
  int port_ = 0;
  bool initialized_ = false;
  bool running_ = false;
  bool as_postgres_user_ = false;
  int watchdog_fd_ = -1;  // closing it (exit, crash) makes the watchdog stop the server
};

// Starts the server before the first test and stops it after the last; a failure to start is
// a test failure.
class PgServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

// Fails the calling test unless the server runs: ASSERT_NO_FATAL_FAILURE(RequirePgServer()).
void RequirePgServer();

}  // namespace semdex::testing
