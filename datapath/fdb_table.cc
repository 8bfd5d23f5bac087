#include "datapath/fdb_table.h"

#include <algorithm>

namespace ferry {

int64_t FdbEntry::last_seen_s() const {
  int64_t used = state ? state->used_s.load(std::memory_order_relaxed) : 0;
  return std::max(learned_s, used);
}

void FdbTable::set_limits(size_t max_entries, int aging_s) {
  max_entries_ = max_entries ? max_entries : 1;
  aging_s_ = aging_s > 0 ? aging_s : 1;
}

bool FdbTable::learn(uint16_t vlan, const Mac& mac, uint32_t ofport, int64_t now_s,
                     uint32_t* old_ofport) {
  if (mac_is_multicast(mac.data())) return false;
  uint64_t key = FdbSnapshot::make_key(vlan, mac.data());
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    FdbEntry& e = it->second;
    if (e.is_static) return false;
    e.state->used_s.store(now_s, std::memory_order_relaxed);
    if (e.ofport == ofport) return false;
    if (old_ofport) *old_ofport = e.ofport;
    e.ofport = ofport;
    e.learned_s = now_s;
    stats_.moved++;
    dirty_ = true;
    return true;
  }
  if (old_ofport) *old_ofport = 0;
  if (entries_.size() >= max_entries_) evict_oldest();
  FdbEntry e;
  e.mac = mac;
  e.vlan = vlan;
  e.ofport = ofport;
  e.learned_s = now_s;
  e.state = std::make_shared<FdbEntryState>();
  e.state->used_s.store(now_s, std::memory_order_relaxed);
  entries_.emplace(key, std::move(e));
  stats_.learned++;
  dirty_ = true;
  return true;
}

std::string FdbTable::add_static(uint16_t vlan, const Mac& mac, uint32_t ofport,
                                 const std::string& old_port_name) {
  uint64_t key = FdbSnapshot::make_key(vlan, mac.data());
  std::string note;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    if (it->second.ofport != ofport || !it->second.is_static) {
      note = std::string("Overriding already existing ") +
             (it->second.is_static ? "static" : "dynamic") + " entry on " + old_port_name + "\n";
    }
  } else if (entries_.size() >= max_entries_) {
    evict_oldest();
  }
  FdbEntry& e = entries_[key];
  e.mac = mac;
  e.vlan = vlan;
  e.ofport = ofport;
  e.is_static = true;
  if (!e.state) e.state = std::make_shared<FdbEntryState>();
  dirty_ = true;
  return note;
}

bool FdbTable::del_static(uint16_t vlan, const Mac& mac) {
  auto it = entries_.find(FdbSnapshot::make_key(vlan, mac.data()));
  if (it == entries_.end() || !it->second.is_static) return false;
  entries_.erase(it);
  dirty_ = true;
  return true;
}

void FdbTable::flush() {
  // As OVS's fdb/flush: learned entries only; static ones stay.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.is_static) {
      ++it;
    } else {
      it = entries_.erase(it);
      dirty_ = true;
    }
  }
}

void FdbTable::flush_port(uint32_t ofport) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.ofport == ofport) {
      it = entries_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

bool FdbTable::run(int64_t now_s) {
  bool removed = false;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const FdbEntry& e = it->second;
    if (!e.is_static && now_s - e.last_seen_s() >= aging_s_) {
      it = entries_.erase(it);
      stats_.expired++;
      removed = true;
    } else {
      ++it;
    }
  }
  while (entries_.size() > max_entries_) {
    evict_oldest();
    removed = true;
  }
  if (removed) dirty_ = true;
  return removed;
}

void FdbTable::evict_oldest() {
  auto oldest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.is_static) continue;
    if (oldest == entries_.end() || it->second.last_seen_s() < oldest->second.last_seen_s())
      oldest = it;
  }
  if (oldest == entries_.end()) oldest = entries_.begin();  // only static entries left
  if (oldest != entries_.end()) {
    entries_.erase(oldest);
    stats_.evicted++;
    dirty_ = true;
  }
}

const FdbEntry* FdbTable::find(uint16_t vlan, const Mac& mac) const {
  auto it = entries_.find(FdbSnapshot::make_key(vlan, mac.data()));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const FdbEntry*> FdbTable::entries_by_age() const {
  std::vector<const FdbEntry*> v;
  v.reserve(entries_.size());
  for (const auto& [key, e] : entries_) v.push_back(&e);
  std::stable_sort(v.begin(), v.end(), [](const FdbEntry* a, const FdbEntry* b) {
    return a->last_seen_s() < b->last_seen_s();
  });
  return v;
}

size_t FdbTable::n_static() const {
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(),
                                           [](const auto& kv) { return kv.second.is_static; }));
}

std::shared_ptr<const FdbSnapshot> FdbTable::snapshot() {
  if (dirty_ || !snapshot_) {
    std::vector<FdbSnapshot::Slot> slots;
    std::vector<std::shared_ptr<FdbEntryState>> owners;
    slots.reserve(entries_.size());
    owners.reserve(entries_.size());
    for (const auto& [key, e] : entries_) {
      slots.push_back({key, e.ofport, e.is_static, e.state.get()});
      owners.push_back(e.state);
    }
    snapshot_ = std::make_shared<const FdbSnapshot>(slots, std::move(owners));
    dirty_ = false;
  }
  return snapshot_;
}

}  // namespace ferry
