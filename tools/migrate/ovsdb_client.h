// A minimal OVSDB client over JSON-RPC (RFC 7047) on a unix socket: the
// "transact" method, with the server's echo requests answered.
#pragma once

#include <memory>
#include <string>

#include "lib/rpc/json.h"
#include "lib/rpc/json_stream.h"
#include "lib/util/result.h"

namespace ferry::migrate {

class OvsdbClient {
 public:
  // remote: "unix:PATH" (or a bare path), or several separated by commas
  // (the servers of a clustered database): the first that accepts.
  static Result<std::unique_ptr<OvsdbClient>> connect(const std::string& remote, int timeout_ms);
  ~OvsdbClient();
  OvsdbClient(const OvsdbClient&) = delete;
  OvsdbClient& operator=(const OvsdbClient&) = delete;

  // Runs the operations (a JSON array) on database `db`; returns the
  // results array. An operation error (or a failed "wait") is an Error
  // naming it.
  Result<rpc::Json> transact(const std::string& db, const rpc::Json& ops, int timeout_ms = 10000);

 private:
  explicit OvsdbClient(int fd) : fd_(fd) {}
  Result<rpc::Json> call(const std::string& method, const rpc::Json& params, int timeout_ms);
  int fd_;
  int64_t next_id_ = 1;
  rpc::JsonStreamSplitter in_;
};

// Helpers for building operations.
rpc::Json ovsdb_uuid(const std::string& uuid);
rpc::Json ovsdb_set(const std::vector<std::string>& values);
rpc::Json ovsdb_cond(const std::string& column, const std::string& fn, rpc::Json value);
// A set column's values from a row ("x" or ["set",[...]]).
std::vector<std::string> ovsdb_strings(const rpc::Json* value);
std::string ovsdb_row_uuid(const rpc::Json& row);

}  // namespace ferry::migrate
