// A client of QEMU's monitor protocol (QMP): JSON objects, one per line,
// over a unix socket. Commands are answered in order; asynchronous events
// arriving meanwhile are kept for events()/wait_event().
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "lib/rpc/json.h"
#include "lib/util/result.h"

namespace ferry::migrate {

struct QmpEvent {
  std::string name;  // STOP, RESUME, MIGRATION ...
  rpc::Json data;    // its "data" (an object; null when absent)
  // QEMU's timestamp of the event (gettimeofday), converted to
  // CLOCK_MONOTONIC with the offset between the two clocks when received.
  int64_t monotonic_ns = 0;
};

class QmpClient {
 public:
  // Connects, reads the greeting and negotiates (qmp_capabilities).
  static Result<std::unique_ptr<QmpClient>> connect(const std::string& path, int timeout_ms);
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Runs a command; returns its "return" value, or QEMU's error (its
  // class and description) as the message.
  Result<rpc::Json> command(const std::string& name, const rpc::Json& args = rpc::Json(),
                            int timeout_ms = 10000);
  // Reads what has arrived without waiting (events are queued).
  Status poll();
  // The first queued event named `name`, waiting at most timeout_ms for it;
  // earlier events stay queued. Error ETIMEDOUT when none came.
  Result<QmpEvent> wait_event(const std::string& name, int timeout_ms);
  std::deque<QmpEvent>& events() { return events_; }

 private:
  explicit QmpClient(int fd) : fd_(fd) {}
  Status send(const rpc::Json& msg);
  // One message (a line) within the deadline (CLOCK_MONOTONIC ms; 0: do
  // not wait). Events go to the queue and are returned too.
  Result<rpc::Json> read_message(int64_t deadline_ms, bool wait);
  void keep_event(const rpc::Json& msg);

  int fd_;
  std::string in_;
  std::deque<QmpEvent> events_;
};

}  // namespace ferry::migrate
