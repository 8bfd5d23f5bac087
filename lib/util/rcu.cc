#include "lib/util/rcu.h"

#include <sched.h>

#include <thread>

namespace ferry {

Rcu::Rcu() = default;

int Rcu::register_reader() {
  std::lock_guard<std::mutex> lock(mu_);
  for (unsigned i = 0; i < kMaxReaders; i++) {
    if (slots_[i].v.load(std::memory_order_relaxed) == kUnused) {
      slots_[i].v.store(epoch_.load(std::memory_order_acquire), std::memory_order_release);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Rcu::unregister_reader(int slot) {
  std::lock_guard<std::mutex> lock(mu_);
  slots_[slot].v.store(kUnused, std::memory_order_release);
}

uint64_t Rcu::start() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return epoch_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

bool Rcu::done(uint64_t token) const {
  for (const Slot& s : slots_) {
    uint64_t v = s.v.load(std::memory_order_acquire);
    if (v == kUnused || v == kOffline) continue;
    if (v < token) return false;
  }
  return true;
}

void Rcu::synchronize() {
  uint64_t token = start();
  for (unsigned spins = 0; !done(token); spins++) {
    if (spins < 64) {
      sched_yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }
}

void Rcu::defer(std::function<void()> fn) {
  uint64_t token = start();
  std::lock_guard<std::mutex> lock(mu_);
  deferred_.push_back({token, std::move(fn)});
}

void Rcu::reclaim() {
  std::vector<Deferred> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    size_t keep = 0;
    for (auto& d : deferred_) {
      if (done(d.token)) {
        due.push_back(std::move(d));
      } else {
        deferred_[keep++] = std::move(d);
      }
    }
    deferred_.resize(keep);
  }
  for (auto& d : due) d.fn();
}

size_t Rcu::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return deferred_.size();
}

}  // namespace ferry
