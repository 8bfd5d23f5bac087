// Quiescent-state-based RCU (QSBR), in the spirit of rte_rcu_qsbr but with no
// DPDK dependency so the flow libraries and their tests can use it.
//
// Readers (PMD threads) register a slot, read published pointers freely
// between quiescent states, and call quiescent() once per loop iteration
// (offline() before sleeping, online() after). The writer (the control
// thread) publishes a new pointer, then either waits with synchronize() or
// hands the old object to defer() and calls reclaim() from its loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace ferry {

class Rcu {
 public:
  static constexpr unsigned kMaxReaders = 64;

  Rcu();
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;

  // Reader side. register_reader() returns a slot id (or -1 when full); the
  // reader starts online.
  int register_reader();
  void unregister_reader(int slot);
  void quiescent(int slot) {
    slots_[slot].v.store(epoch_.load(std::memory_order_acquire), std::memory_order_release);
  }
  void offline(int slot) { slots_[slot].v.store(kOffline, std::memory_order_release); }
  void online(int slot) {
    slots_[slot].v.store(epoch_.load(std::memory_order_acquire), std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }

  // Writer side (one thread). start() begins a grace period after a publish
  // and returns its token; done(token) tells whether every reader has passed
  // a quiescent state since.
  uint64_t start();
  bool done(uint64_t token) const;
  // start() and wait until done, yielding. Returns at once with no readers.
  void synchronize();

  // Runs fn after a grace period that starts now; reclaim() runs what is due.
  void defer(std::function<void()> fn);
  void reclaim();
  size_t pending() const;

 private:
  static constexpr uint64_t kOffline = 0;
  static constexpr uint64_t kUnused = UINT64_MAX;
  struct alignas(64) Slot {
    std::atomic<uint64_t> v{kUnused};
  };

  std::atomic<uint64_t> epoch_{1};
  Slot slots_[kMaxReaders];
  mutable std::mutex mu_;  // guards slot allocation and the deferred list
  struct Deferred {
    uint64_t token;
    std::function<void()> fn;
  };
  std::vector<Deferred> deferred_;
};

// A pointer published under Rcu: readers load(), the writer publish()es and
// retires the previous value after a grace period.
template <class T>
class RcuPtr {
 public:
  explicit RcuPtr(Rcu* rcu) : rcu_(rcu) {}
  ~RcuPtr() { delete ptr_.load(std::memory_order_relaxed); }
  RcuPtr(const RcuPtr&) = delete;
  RcuPtr& operator=(const RcuPtr&) = delete;

  const T* load() const { return ptr_.load(std::memory_order_acquire); }

  // Replaces the value; the old one is deleted after a grace period.
  void publish(std::unique_ptr<const T> next) {
    const T* old = exchange(std::move(next));
    if (old) rcu_->defer([old] { delete old; });
  }
  // Replaces the value and hands back the old one, which readers may still
  // use: the caller retires it (defer) in its own way.
  [[nodiscard]] const T* exchange(std::unique_ptr<const T> next) {
    return ptr_.exchange(next.release(), std::memory_order_acq_rel);
  }

 private:
  Rcu* rcu_;
  std::atomic<const T*> ptr_{nullptr};
};

}  // namespace ferry
