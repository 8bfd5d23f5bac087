#include "offload/offload_thread.h"

#include <pthread.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_flow.h>

namespace ferry {

int64_t offload_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

OffloadThread::OffloadThread() {
  thread_ = std::thread([this] { run(); });
}

OffloadThread::~OffloadThread() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void OffloadThread::submit(OffloadJob job) {
  job.queued_ns = offload_now_ns();
  bool wake;
  {
    std::lock_guard<std::mutex> g(mu_);
    jobs_.push_back(std::move(job));
    wake = waiting_;  // a busy thread finds the job itself
  }
  if (wake) cv_.notify_one();
}

std::vector<OffloadDone> OffloadThread::take() {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<OffloadDone> out;
  out.swap(done_);
  return out;
}

void OffloadThread::drain() {
  std::unique_lock<std::mutex> g(mu_);
  idle_cv_.wait(g, [this] { return jobs_.empty() && !busy_; });
}

size_t OffloadThread::queued() const {
  std::lock_guard<std::mutex> g(mu_);
  return jobs_.size() + (busy_ ? 1 : 0);
}

void OffloadThread::run() {
  pthread_setname_np(pthread_self(), "offload");
  std::unique_lock<std::mutex> g(mu_);
  for (;;) {
    waiting_ = true;
    cv_.wait(g, [this] { return stop_ || !jobs_.empty(); });
    waiting_ = false;
    if (jobs_.empty()) break;  // stopping, nothing left
    OffloadJob job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    g.unlock();
    OffloadDone d = execute(job);
    g.lock();
    busy_ = false;
    done_.push_back(std::move(d));
    if (jobs_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

namespace {

bool query(uint16_t port, rte_flow* flow, OffloadDone* d) {
  rte_flow_query_count q{};
  rte_flow_action count[] = {{RTE_FLOW_ACTION_TYPE_COUNT, nullptr},
                             {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  rte_flow_error err{};
  if (rte_flow_query(port, flow, count, &q, &err) != 0) return false;
  d->counted = true;
  d->hits = q.hits;
  d->bytes = q.bytes;
  return true;
}

std::string describe(const rte_flow_error& e, int rc) {
  std::string m = e.message ? e.message : rte_strerror(rc);
  const char* name = rc == ENOSPC    ? "ENOSPC"
                     : rc == ENOTSUP ? "ENOTSUP"
                     : rc == EINVAL  ? "EINVAL"
                                     : nullptr;
  return name ? m + " (" + name + ")" : m + " (errno " + std::to_string(rc) + ")";
}

}  // namespace

OffloadDone OffloadThread::execute(const OffloadJob& job) {
  OffloadDone d;
  d.kind = job.kind;
  d.flow = job.flow;
  d.port = job.port;
  rte_flow_error err{};
  switch (job.kind) {
    case OffloadJob::Kind::kInstall: {
      const RteFlowSpec& s = *job.spec;
      d.port = s.proxy_port;
      rte_errno = 0;
      d.handle = rte_flow_create(s.proxy_port, &s.attr, s.items.data(), s.actions.data(), &err);
      if (!d.handle) {
        d.err = rte_errno ? rte_errno : EIO;
        d.message = describe(err, d.err);
      } else if (job.handle) {
        // The rule it replaces: its last counts, then out.
        query(job.port, job.handle, &d);
        rte_flow_destroy(job.port, job.handle, &err);
      }
      break;
    }
    case OffloadJob::Kind::kRemove:
      // The last counts first: they go back into the software counters.
      query(job.port, job.handle, &d);
      if (rte_flow_destroy(job.port, job.handle, &err) != 0) {
        d.err = rte_errno ? rte_errno : EIO;
        d.message = describe(err, d.err);
      }
      break;
    case OffloadJob::Kind::kQuery:
      d.handle = job.handle;
      if (!query(job.port, job.handle, &d)) {
        d.err = rte_errno ? rte_errno : EIO;
        d.message = "query failed";
      }
      break;
  }
  d.latency_ns = offload_now_ns() - job.queued_ns;
  return d;
}

}  // namespace ferry
