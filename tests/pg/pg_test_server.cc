#include "pg_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace semdex::testing {
namespace {

// A port the kernel considers free now (bind to port 0, read it back, close).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

PgTestServer& PgTestServer::Get() {
  static PgTestServer server;
  return server;
}

std::string PgTestServer::RunAsServerUser(const std::string& command) const {
  const std::string full = (as_postgres_user_ ? "runuser -u postgres -- " : "") + command + " >>" +
                           dir_ + "/cmd.log 2>&1";
  const int status = std::system(full.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return fmt::format("`{}` failed (status {}): {}", command, status, ReadFile(dir_ + "/cmd.log"));
}

// A child that waits for the test binary to go away (its pipe closes), then stops the server
// and removes the directory: the server never outlives the tests.
std::string PgTestServer::StartWatchdog() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  const std::string stop =
      fmt::format("{}{}/pg_ctl -D {}/data -m immediate stop >/dev/null 2>&1",
                  as_postgres_user_ ? "runuser -u postgres -- " : "", kPgBinDir, dir_);
  const std::string remove = "rm -rf " + Quote(dir_);
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[1]);
    char byte;
    while (::read(fds[0], &byte, 1) > 0) {
    }
    (void)std::system(stop.c_str());
    (void)std::system(remove.c_str());
    ::_exit(0);
  }
  ::close(fds[0]);
  watchdog_fd_ = fds[1];
  return "";
}

std::string PgTestServer::Start() {
  if (running_) return "";
  if (!initialized_) {
    as_postgres_user_ = ::geteuid() == 0;
    std::string pattern = "/tmp/semdex_pg_test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return "mkdtemp failed";
    dir_ = pattern;
    if (as_postgres_user_) {
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr)
        return "running as root, and there is no `postgres` user to run the server";
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "chown failed";
    }
    if (std::string e = StartWatchdog(); !e.empty()) return e;
    {
      std::ofstream pw(dir_ + "/pwfile");
      pw << kPgPassword << "\n";
    }
    if (as_postgres_user_) {
      const passwd* pw = ::getpwnam("postgres");
      (void)::chown((dir_ + "/pwfile").c_str(), pw->pw_uid, pw->pw_gid);
    }
    if (std::string e = RunAsServerUser(
            fmt::format("{}/initdb -D {}/data -U {} --pwfile={}/pwfile -A scram-sha-256 -E UTF8 "
                        "--locale=C.UTF-8 --no-sync",
                        kPgBinDir, dir_, kPgUser, dir_));
        !e.empty()) {
      return e;
    }
    port_ = FreePort();
    if (port_ == 0) return "no free port";
    initialized_ = true;
  }
  // fsync off: a crash here is a killed server, not a lost machine, and tests run faster.
  if (std::string e = RunAsServerUser(fmt::format(
          "{}/pg_ctl -D {}/data -l {}/server.log -w -t 60 -o \"-p {} -c listen_addresses=127.0.0.1 "
          "-c unix_socket_directories={} -c fsync=off -c max_connections={}\" start",
          kPgBinDir, dir_, dir_, port_, dir_, kPgMaxConnections));
      !e.empty()) {
    return e + "\nserver log:\n" + ReadFile(dir_ + "/server.log");
  }
  running_ = true;
  return "";
}

std::string PgTestServer::Stop(bool immediate) {
  if (!running_) return "";
  running_ = false;
  return RunAsServerUser(fmt::format("{}/pg_ctl -D {}/data -m {} -w stop", kPgBinDir, dir_,
                                     immediate ? "immediate" : "fast"));
}

std::string PgTestServer::Url(const std::string& database) const {
  return UrlWithPassword(database, kPgPassword);
}

std::string PgTestServer::UrlWithPassword(const std::string& database,
                                          const std::string& password) const {
  return fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", kPgUser, password, port_, database);
}

std::string PgTestServer::CreateDatabase(const std::string& name) {
  PGconn* conn = PQconnectdb(Url("postgres").c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

void PgServerEnvironment::SetUp() {
  const std::string error = PgTestServer::Get().Start();
  ASSERT_EQ(error, "") << "cannot start the test PostgreSQL server";
}

void PgServerEnvironment::TearDown() { EXPECT_EQ(PgTestServer::Get().Stop(), ""); }

void RequirePgServer() {
  ASSERT_TRUE(PgTestServer::Get().running()) << "the test PostgreSQL server is not running";
}

// Registered before main runs (gtest_main provides main).
[[maybe_unused]] const ::testing::Environment* const kPgEnvironment =
    ::testing::AddGlobalTestEnvironment(new PgServerEnvironment);

}  // namespace semdex::testing
