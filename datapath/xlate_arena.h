// Storage for the translations a PMD's megaflow cache keeps: blocks of
// 2^k bytes (k = 6..12) carved from one buffer reserved up front, each size
// class with its own free list. No allocation or lock after construction;
// only the owning PMD uses it. The buffer's pages are touched only as blocks
// are first handed out, so a cache whose bridge never needs translation
// costs no memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "datapath/xlate.h"

namespace ferry {

class XlateArena {
 public:
  explicit XlateArena(size_t bytes);
  XlateArena(const XlateArena&) = delete;
  XlateArena& operator=(const XlateArena&) = delete;

  // A copy of t (actions and rules) in the arena, or nullptr when full.
  const Translation* store(const Translation& t);
  void release(const Translation* t);
  // Forgets every block (the cache was flushed).
  void clear();

  size_t capacity() const { return size_; }
  // Whether [p, p + len) lies in the arena's buffer: a thread reading a
  // translation it may race with (dumps, statistics, under a sequence lock)
  // checks each pointer it follows, which may be a stale or a free-list one.
  bool contains(const void* p, size_t len) const {
    auto a = reinterpret_cast<uintptr_t>(p), b = reinterpret_cast<uintptr_t>(mem_.get());
    return a >= b && a - b <= size_ && len <= size_ - (a - b);
  }
  size_t in_use() const { return in_use_; }

 private:
  static constexpr unsigned kMinShift = 6;
  static constexpr unsigned kClasses = 7;  // 64 .. 4096 bytes
  struct FreeBlock {
    FreeBlock* next;
  };

  std::unique_ptr<uint8_t[]> mem_;
  size_t size_;
  size_t bump_ = 0;
  size_t in_use_ = 0;
  FreeBlock* free_[kClasses] = {};
};

}  // namespace ferry
