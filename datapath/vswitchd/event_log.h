// The daemon's event log, long-polled with `events/wait`: the first frame
// of a MAC on a new port, GARP/RARP seen, moves detected, conversion state
// changes. Each event has a sequence number and a monotonic timestamp (ns,
// CLOCK_MONOTONIC: the clock ferry-pktgen reports too).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lib/rpc/command.h"
#include "lib/util/waiter.h"

namespace ferry {

struct Event {
  uint64_t seq = 0;
  int64_t time_ns = 0;
  std::string type;
  std::vector<std::pair<std::string, std::string>> fields;  // in order
};

class EventLog {
 public:
  static constexpr size_t kCapacity = 4096;

  // Appends an event and answers the waiters it satisfies.
  void emit(std::string type, std::vector<std::pair<std::string, std::string>> fields);
  uint64_t last_seq() const { return next_seq_ - 1; }

  // Replies with the events after since_seq, at once if there are any,
  // else when one arrives or after timeout_ms (then with none).
  void wait(uint64_t since_seq, int64_t timeout_ms, const rpc::ReplyPtr& reply);
  // Answers waiters whose time is up.
  void run();
  void wait(Waiter& w) const;

  // {"last_seq":N,"events":[...]} for the events after since_seq.
  std::string json_after(uint64_t since_seq) const;

 private:
  struct Waiting {
    uint64_t since;
    int64_t deadline_ms;
    rpc::ReplyPtr reply;
  };
  std::deque<Event> events_;
  uint64_t next_seq_ = 1;
  std::vector<Waiting> waiting_;
};

}  // namespace ferry
