// The thread that talks rte_flow (create, destroy, query) so that neither
// the PMDs nor the control thread ever wait on the NIC. The control thread
// submits jobs and collects their results; jobs run in submission order, so
// an eviction's removal always precedes the install that needed its room.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "offload/translate.h"

struct rte_flow;

namespace ferry {

struct OffloadJob {
  enum class Kind : uint8_t { kInstall, kRemove, kQuery };
  Kind kind = Kind::kQuery;
  uint64_t flow = 0;
  std::shared_ptr<const RteFlowSpec> spec;  // kInstall
  // kRemove/kQuery: the rule; kInstall: the rule it replaces (removed only
  // once the new one is in: install-new-then-remove-old), or nullptr.
  rte_flow* handle = nullptr;
  uint16_t port = 0;
  int64_t queued_ns = 0;
};

struct OffloadDone {
  OffloadJob::Kind kind = OffloadJob::Kind::kQuery;
  uint64_t flow = 0;
  rte_flow* handle = nullptr;  // kInstall: the new rule
  uint16_t port = 0;
  int err = 0;  // positive errno; 0 = done
  std::string message;
  bool counted = false;  // hits/bytes are valid (cumulative since create)
  uint64_t hits = 0, bytes = 0;
  int64_t latency_ns = 0;  // submission to completion
};

class OffloadThread {
 public:
  OffloadThread();
  ~OffloadThread();  // finishes queued jobs first
  OffloadThread(const OffloadThread&) = delete;
  OffloadThread& operator=(const OffloadThread&) = delete;

  void submit(OffloadJob job);
  std::vector<OffloadDone> take();
  // Waits until every submitted job is done (tests, shutdown).
  void drain();
  size_t queued() const;

 private:
  void run();
  OffloadDone execute(const OffloadJob& job);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<OffloadJob> jobs_;
  std::vector<OffloadDone> done_;
  bool busy_ = false;
  bool waiting_ = false;  // the thread sleeps on cv_
  bool stop_ = false;
  std::thread thread_;
};

int64_t offload_now_ns();

}  // namespace ferry
