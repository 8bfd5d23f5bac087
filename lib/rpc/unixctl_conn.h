// One control-socket connection of a UnixctlServer (internal to lib/rpc):
// the socket, the framing of what it receives, the replies it owes and the
// bytes waiting to be written. It never blocks and never logs: it reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lib/rpc/json_stream.h"

namespace ferry::rpc {

class UnixctlConn {
 public:
  UnixctlConn(int fd, uint64_t serial, size_t max_request_bytes, size_t max_output_bytes,
              int64_t now_ms);
  ~UnixctlConn();
  UnixctlConn(const UnixctlConn&) = delete;
  UnixctlConn& operator=(const UnixctlConn&) = delete;

  const std::string& name() const { return name_; }
  int fd() const { return fd_; }
  bool closed() const { return fd_ < 0; }
  // Closes the socket now; the connection is then only waiting to be swept.
  void close();

  enum class Io { kOk, kAgain, kEof, kError };
  // One non-blocking read into the framing buffer; errno_out on kError.
  Io receive(char* scratch, size_t size, int64_t now_ms, int* errno_out);
  // Queues bytes and writes what the socket takes now. kError: a write
  // failed (errno_out) or the queue would pass max_output_bytes while older
  // bytes are still waiting (errno_out = ENOBUFS); the caller closes.
  Io send(std::string_view bytes, int64_t now_ms, int* errno_out);
  // Writes what it can of the queue.
  Io flush(int64_t now_ms, int* errno_out);
  size_t backlog() const { return out_.size() - out_pos_; }
  // True if the peer hung up or the socket has an error (for a connection
  // that is not being read: a read would notice it otherwise).
  bool hung_up() const;

  JsonStreamSplitter& input() { return in_; }

  int in_flight = 0;               // requests whose reply is not complete
  bool close_after_flush = false;  // read nothing more; close once written
  bool input_eof = false;          // the peer shut down its sending side
  int64_t last_input_ms;           // last time bytes arrived
  int64_t last_output_ms;          // last time the queue was empty or shrank
  uint64_t activity = 0;           // server-wide order of the last activity
  bool overflowed = false;         // closed for a reply queue over the limit

 private:
  int fd_;
  std::string name_;
  size_t max_output_;
  JsonStreamSplitter in_;
  std::string out_;
  size_t out_pos_ = 0;
};

using UnixctlConnPtr = std::shared_ptr<UnixctlConn>;

}  // namespace ferry::rpc
