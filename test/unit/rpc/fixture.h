// Test helpers for lib/rpc: a UnixctlServer running its own control loop in
// a background thread, in a private temp directory, with test commands; a
// raw socket client; a child process runner.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/rpc/command.h"
#include "lib/rpc/json_stream.h"
#include "lib/rpc/unixctl_server.h"

namespace ferry::rpc::test {

// A private directory under $TMPDIR (or /tmp), removed with its content.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The server and its loop thread. Commands:
//   echo [ARG...]      -> the args joined by spaces
//   fail               -> error "it failed"
//   test/two A B       -> "A+B"
//   defer [TAG]        -> no reply yet: kept in deferred()
//   big BYTES          -> BYTES times 'x'
//   empty              -> ""
//   throw              -> throws std::runtime_error("boom")
//   drop               -> lets its reply go without completing it
class ServerThread {
 public:
  explicit ServerThread(const UnixctlServerOptions& options = {},
                        const std::string& socket_name = "test.ctl");
  ~ServerThread();

  const std::string& socket_path() const { return socket_path_; }
  const std::string& dir() const { return dir_.path(); }

  // Runs f on the loop thread and returns its result.
  template <class F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto future = task.get_future();
    post([&task] { task(); });
    return future.get();
  }
  void post(std::function<void()> f);

  // Loop thread only (use call()).
  UnixctlServer& server() { return *server_; }
  std::vector<ReplyPtr>& deferred() { return deferred_; }
  CommandRegistry& registry() { return registry_; }

  // Polls (on the loop thread) until pred() holds or timeout_ms passes.
  bool wait_until(const std::function<bool()>& pred, int timeout_ms = 5000);

 private:
  void loop();

  TempDir dir_;
  std::string socket_path_;
  CommandRegistry registry_;
  std::unique_ptr<UnixctlServer> server_;
  std::vector<ReplyPtr> deferred_;
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

// A plain socket to the server, for bytes the real clients never send.
class RawConn {
 public:
  explicit RawConn(const std::string& path);
  ~RawConn();
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Sends all bytes (blocking); false if the peer closed.
  bool send(const std::string& bytes);
  // The next complete JSON value received, "" on EOF, error or timeout.
  std::string read_value(int timeout_ms = 5000);
  // True if the peer closes within timeout_ms (data before EOF is skipped).
  bool wait_closed(int timeout_ms = 5000);
  // True if nothing arrives and the connection stays open for ms.
  bool quiet_for(int ms);

 private:
  int fd_ = -1;
  JsonStreamSplitter in_;
};

// A child process holding a write lock (fcntl) on a pidfile that holds its
// pid, as a running OVS-style daemon does; killed (by its pid) on
// destruction.
class PidfileHolder {
 public:
  explicit PidfileHolder(const std::string& pidfile);
  ~PidfileHolder();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

struct ChildResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string out, err;
};

// Runs argv (argv[0] is looked up in PATH) with stdout and stderr captured;
// kills it (by its pid) if it runs longer than timeout_ms.
ChildResult run_child(const std::vector<std::string>& argv, int timeout_ms = 10000);

// A normal request answers normally (the server is still healthy).
bool server_serves(const std::string& socket_path);

}  // namespace ferry::rpc::test
