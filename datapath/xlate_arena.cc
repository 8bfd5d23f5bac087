#include "datapath/xlate_arena.h"

#include <cstring>
#include <new>

#include "datapath/ct_exec.h"
#include "lib/conntrack/conntrack.h"

namespace ferry {

namespace {

constexpr size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

// How many kCt actions the list holds: each gets its prepared form.
size_t count_ct(const Action* a, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (a[i].type == ActionType::kCt) k++;
    if (a[i].type != ActionType::kData) i += a[i].n_data();
  }
  return k;
}

// Decodes each kCt once, into the block, and points the kCt at it.
void prepare_cts(Action* a, size_t n, ct::CtAction* cts) {
  for (size_t i = 0; i < n; i++) {
    if (a[i].type == ActionType::kCt) {
      prepare_ct(&a[i], n - i, cts);
      a[i].mask = reinterpret_cast<uintptr_t>(cts++);
    }
    if (a[i].type != ActionType::kData) i += a[i].n_data();
  }
}

}  // namespace

XlateArena::XlateArena(size_t bytes)
    : mem_(new uint8_t[bytes]), size_(bytes) {}  // not zeroed: pages stay untouched

const Translation* XlateArena::store(const Translation& t) {
  const size_t n_ct = count_ct(t.actions, t.n_actions);
  const size_t body = align8(sizeof(Translation)) + t.n_actions * sizeof(Action) +
                      t.n_rules * sizeof(const Rule*) + t.n_groups * sizeof(GroupHit);
  const size_t need = align8(body) + n_ct * sizeof(ct::CtAction);
  unsigned cls = 0;
  while (cls < kClasses && (size_t{1} << (kMinShift + cls)) < need) cls++;
  if (cls == kClasses) return nullptr;
  const size_t block = size_t{1} << (kMinShift + cls);
  uint8_t* p;
  if (free_[cls]) {
    p = reinterpret_cast<uint8_t*>(free_[cls]);
    free_[cls] = free_[cls]->next;
  } else {
    if (bump_ + block > size_) return nullptr;
    p = mem_.get() + bump_;
    bump_ += block;
  }
  in_use_ += block;
  auto* actions = reinterpret_cast<Action*>(p + align8(sizeof(Translation)));
  auto* rules = reinterpret_cast<const Rule**>(actions + t.n_actions);
  auto* groups = reinterpret_cast<GroupHit*>(rules + t.n_rules);
  if (t.n_actions) std::memcpy(actions, t.actions, t.n_actions * sizeof(Action));
  if (t.n_rules) std::memcpy(rules, t.rules, t.n_rules * sizeof(const Rule*));
  if (t.n_groups) std::memcpy(groups, t.groups, t.n_groups * sizeof(GroupHit));
  if (n_ct) {
    static_assert(alignof(ct::CtAction) <= 8);
    auto* cts = reinterpret_cast<ct::CtAction*>(p + align8(body));
    for (size_t i = 0; i < n_ct; i++) new (&cts[i]) ct::CtAction();
    prepare_cts(actions, t.n_actions, cts);
  }
  auto* out = new (p) Translation(t);
  out->actions = actions;
  out->rules = rules;
  out->groups = groups;
  out->size_class = static_cast<uint8_t>(cls);
  return out;
}

void XlateArena::release(const Translation* t) {
  if (!t) return;
  const unsigned cls = t->size_class;
  in_use_ -= size_t{1} << (kMinShift + cls);
  auto* b = reinterpret_cast<FreeBlock*>(const_cast<Translation*>(t));
  b->next = free_[cls];
  free_[cls] = b;
}

void XlateArena::clear() {
  bump_ = 0;
  in_use_ = 0;
  for (auto& f : free_) f = nullptr;
}

}  // namespace ferry
