// Helpers for the PostgreSQL tests: raw SQL through libpq (as any outside reader of the index
// would), unique database names, and exports that compare an SQLite and a PostgreSQL index.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "pg/pg_test_server.h"

namespace semdex::testing {

// Runs `sql` on `url`; each row as its columns joined by '|' (NULL as "NULL"). Throws on error.
inline std::vector<std::string> PgRows(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string e = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect: " + e);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
    throw std::runtime_error("query failed: " + e + " in " + sql);
  }
  std::vector<std::string> rows;
  for (int i = 0; i < PQntuples(r); ++i) {
    std::string row;
    for (int c = 0; c < PQnfields(r); ++c) {
      if (c > 0) row += '|';
      row += PQgetisnull(r, i, c) ? "NULL" : PQgetvalue(r, i, c);
    }
    rows.push_back(std::move(row));
  }
  PQclear(r);
  PQfinish(conn);
  return rows;
}

// A new database on the test server, named after `prefix`; its URL (with the password).
inline std::string NewPgDatabase(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const std::string name = fmt::format("{}_{}_{}", prefix, ::getpid(), counter++);
  const std::string error = PgTestServer::Get().CreateDatabase(name);
  EXPECT_EQ(error, "") << "CREATE DATABASE " << name;
  return PgTestServer::Get().Url(name);
}

}  // namespace semdex::testing
