#include "datapath/vswitchd/event_log.h"

#include <time.h>

#include <algorithm>

#include "lib/rpc/json.h"
#include "lib/util/clock.h"

namespace ferry {

namespace {
int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

void EventLog::emit(std::string type, std::vector<std::pair<std::string, std::string>> fields) {
  Event e;
  e.seq = next_seq_++;
  e.time_ns = monotonic_ns();
  e.type = std::move(type);
  e.fields = std::move(fields);
  events_.push_back(std::move(e));
  while (events_.size() > kCapacity) events_.pop_front();
  std::vector<Waiting> still;
  for (Waiting& w : waiting_) {
    if (!w.reply->pending()) continue;
    if (w.since < last_seq()) {
      w.reply->ok(json_after(w.since));
    } else {
      still.push_back(std::move(w));
    }
  }
  waiting_ = std::move(still);
}

void EventLog::wait(uint64_t since_seq, int64_t timeout_ms, const rpc::ReplyPtr& reply) {
  if (since_seq < last_seq() || timeout_ms <= 0) {
    reply->ok(json_after(since_seq));
    return;
  }
  waiting_.push_back(Waiting{since_seq, monotonic_ms() + timeout_ms, reply});
}

void EventLog::run() {
  if (waiting_.empty()) return;
  int64_t now = monotonic_ms();
  std::vector<Waiting> still;
  for (Waiting& w : waiting_) {
    if (!w.reply->pending()) continue;
    if (now >= w.deadline_ms) {
      w.reply->ok(json_after(w.since));
    } else {
      still.push_back(std::move(w));
    }
  }
  waiting_ = std::move(still);
}

void EventLog::wait(Waiter& w) const {
  if (waiting_.empty()) return;
  int64_t now = monotonic_ms();
  int64_t next = INT64_MAX;
  for (const Waiting& x : waiting_) next = std::min(next, x.deadline_ms);
  w.timer_wait(std::max<int64_t>(0, next - now));
}

std::string EventLog::json_after(uint64_t since_seq) const {
  rpc::Json events = rpc::Json::array();
  for (const Event& e : events_) {
    if (e.seq <= since_seq) continue;
    rpc::Json o = rpc::Json::object();
    o.set("seq", rpc::Json(static_cast<int64_t>(e.seq)));
    o.set("time_ns", rpc::Json(e.time_ns));
    o.set("type", rpc::Json(e.type));
    for (const auto& [k, v] : e.fields) o.set(k, rpc::Json(v));
    events.push_back(std::move(o));
  }
  rpc::Json out = rpc::Json::object();
  out.set("last_seq", rpc::Json(static_cast<int64_t>(last_seq())));
  out.set("events", std::move(events));
  return out.dump();
}

}  // namespace ferry
