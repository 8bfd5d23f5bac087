// The control socket: a JSON-RPC 1.0 server with the unixctl framing of
// Open vSwitch, so that the real `ovs-appctl -t` talks to it as it talks to
// ovs-vswitchd (same messages, same error texts, same list-commands).
//
// It runs in the control loop: run() does what is ready without blocking,
// wait() registers what it waits for. Nothing a client sends can crash it or
// hold up other clients: framing is incremental, requests are bounded in
// size, connections in number and idle time, and replies are written
// without blocking into a bounded per-connection queue.
//
// Beyond OVS: a client may send several requests without waiting; each
// reply carries its request's id and replies complete in any order (a
// handler may keep its ReplyPtr and complete it later from the control loop).
//
// Threads: run(), wait() and every Reply belong to the thread that runs the
// control loop; nothing here locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/rpc/command.h"
#include "lib/rpc/unix_socket.h"
#include "lib/rpc/unixctl_conn.h"
#include "lib/util/log.h"
#include "lib/util/result.h"
#include "lib/util/waiter.h"

namespace ferry::rpc {

struct UnixctlServerOptions {
  // A request larger than this gets "request too large (over 1 MiB)" (when
  // its id can be read) and the connection is closed.
  size_t max_request_bytes = 1 << 20;
  // Beyond this many connections the least recently active idle one (no
  // request in progress) is dropped; with none idle, the new one is refused.
  size_t max_connections = 64;
  // A connection holding part of a request with no byte received for this
  // long is dropped.
  int64_t idle_timeout_ms = 60000;
  // Replies queued for a client that does not read them: the connection is
  // dropped when the queue would grow past this (a single reply, however
  // large, is always queued) ...
  size_t max_output_bytes = 16 << 20;
  // ... or when nothing of it could be written for this long.
  int64_t stall_timeout_ms = 60000;
  // Requests of one connection in progress at once; beyond this the
  // connection is not read until replies complete.
  int max_in_flight = 32;
  // Nesting limit for the JSON of a request.
  int max_json_depth = 64;
};

class UnixctlServer {
 public:
  // Listens on path (the socket file is created with mode 0770 less the
  // umask; a stale socket file is replaced) and registers the built-in
  // `list-commands` in commands, which must outlive the server.
  static Result<std::unique_ptr<UnixctlServer>> listen(const std::string& path,
                                                       CommandRegistry* commands,
                                                       const UnixctlServerOptions& options = {});
  ~UnixctlServer();  // closes every connection and removes the socket file
  UnixctlServer(const UnixctlServer&) = delete;
  UnixctlServer& operator=(const UnixctlServer&) = delete;

  // Accepts connections, reads, dispatches complete requests, writes
  // replies, applies the limits. Never blocks.
  void run();
  void wait(Waiter& waiter);

  const std::string& path() const { return path_; }
  size_t connection_count() const;

  struct Stats {
    uint64_t accepted = 0;
    uint64_t requests = 0;         // dispatched to a command (valid or not)
    uint64_t protocol_errors = 0;  // malformed JSON or JSON-RPC
    uint64_t too_large = 0;
    uint64_t evicted = 0;     // dropped or refused over max_connections
    uint64_t timed_out = 0;   // idle with a partial request, or stalled output
    uint64_t overflowed = 0;  // output queue over max_output_bytes
  };
  const Stats& stats() const { return stats_; }

 private:
  UnixctlServer(std::string path, UnixListener listener, CommandRegistry* commands,
                const UnixctlServerOptions& options);
  void accept_connections(int64_t now);
  bool make_room();
  void run_connection(const UnixctlConnPtr& conn, int64_t now);
  bool can_process(const UnixctlConn& conn) const;  // may dispatch buffered requests
  bool can_read(const UnixctlConn& conn) const;     // ... and read more
  void process_input(const UnixctlConnPtr& conn, int* budget);
  void handle_message(const UnixctlConnPtr& conn, const std::string& text);
  void handle_too_large(const UnixctlConnPtr& conn);
  void dispatch(const UnixctlConnPtr& conn, const std::string& method, const Json& params,
                const Json& id);
  void drop(const UnixctlConnPtr& conn, LogLevel level, const std::string& why);
  bool log_allowed(int64_t now);

  std::string path_;
  UnixListener listener_;
  CommandRegistry* commands_;
  UnixctlServerOptions options_;
  std::vector<UnixctlConnPtr> conns_;
  uint64_t next_serial_ = 1;
  uint64_t activity_clock_ = 0;
  std::vector<char> scratch_;
  Stats stats_;
  int64_t accept_paused_until_ = 0;
  int64_t log_window_ms_ = 0;
  int log_count_ = 0;
};

}  // namespace ferry::rpc
