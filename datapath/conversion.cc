#include "datapath/conversion.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "lib/util/text.h"

namespace ferry {

bool Conversion::overlaps(const Conversion& o) const {
  if (dir != o.dir || from != o.from) return false;
  bool shared = std::any_of(in_ports.begin(), in_ports.end(), [&](uint32_t p) {
    return std::binary_search(o.in_ports.begin(), o.in_ports.end(), p);
  });
  if (!shared) return false;
  return class_lo <= o.class_hi && o.class_lo <= class_hi;
}

uint8_t frame_class(const FlowKey& key) {
  if (key.has_vlan()) return key.vlan_pcp();
  uint16_t t = key.ethertype();
  if (t == kEthTypeIpv4 || t == kEthTypeIpv6) return static_cast<uint8_t>(key.nw_tos >> 5);
  return 0;
}

ConversionSnapshot::ConversionSnapshot(const std::vector<const Conversion*>& active) {
  uint32_t max_port = 0;
  for (const Conversion* c : active) {
    for (uint32_t p : c->in_ports) max_port = std::max(max_port, p);
  }
  if (active.empty()) return;
  by_port_.resize(max_port + 1);
  for (uint32_t port = 0; port <= max_port; port++) {
    Range r;
    r.begin = static_cast<uint32_t>(entries_.size());
    for (ConversionDir dir : {ConversionDir::kRx, ConversionDir::kTx}) {
      for (const Conversion* c : active) {
        if (c->dir != dir || !std::binary_search(c->in_ports.begin(), c->in_ports.end(), port))
          continue;
        Entry e;
        e.id = c->id;
        e.dir = c->dir;
        std::memcpy(e.from, c->from.data(), 6);
        std::memcpy(e.to, c->to.data(), 6);
        e.has_class = c->has_class;
        e.class_lo = c->class_lo;
        e.class_hi = c->class_hi;
        e.mirror = c->mirror;
        e.stats = c->stats.get();
        r.any_class |= c->has_class;
        entries_.push_back(e);
      }
    }
    r.end = static_cast<uint32_t>(entries_.size());
    by_port_[port] = r;
  }
  for (const Conversion* c : active) owners_.push_back(c->stats);
}

const ConversionSnapshot::Entry* ConversionSnapshot::lookup_slow(const FlowKey& key, FlowKey* wc,
                                                                 const Range& r) const {
  if (wc) {
    std::memset(wc->dl_dst, 0xff, 6);
    if (r.any_class) {
      wc->vlan_tci = 0xffff;
      wc->dl_type = 0xffff;
      wc->nw_tos = 0xff;
    }
  }
  uint8_t cls = r.any_class ? frame_class(key) : 0;
  for (uint32_t i = r.begin; i < r.end; i++) {
    const Entry& e = entries_[i];
    if (std::memcmp(e.from, key.dl_dst, 6) != 0) continue;
    if (e.has_class && (cls < e.class_lo || cls > e.class_hi)) continue;
    return &e;
  }
  return nullptr;
}

const Conversion* ConversionTable::find(uint32_t id) const {
  auto it = convs_.find(id);
  return it == convs_.end() ? nullptr : &it->second;
}

Status ConversionTable::add(const Conversion& c) {
  if (c.in_ports.empty()) return make_error("no input ports for the conversion");
  const Mac& vmac = c.dir == ConversionDir::kRx ? c.from : c.to;
  const Mac& real = c.dir == ConversionDir::kRx ? c.to : c.from;
  if (mac_is_multicast(vmac.data()) || mac_is_zero(vmac.data())) {
    return make_error("virtual MAC " + format_mac(vmac) + " must be a unicast address");
  }
  if (mac_is_multicast(real.data()) || mac_is_zero(real.data())) {
    return make_error("real MAC " + format_mac(real) + " must be a unicast address");
  }
  if (vmac == real) return make_error("the virtual and real MAC are the same");
  if (c.class_lo > c.class_hi || c.class_hi > 7)
    return make_error("class range must be within 0-7");
  for (const auto& [id, o] : convs_) {
    const Mac& ovmac = o.dir == ConversionDir::kRx ? o.from : o.to;
    const Mac& oreal = o.dir == ConversionDir::kRx ? o.to : o.from;
    if (o.dir == c.dir && o.from == c.from && o.to == c.to && o.in_ports == c.in_ports &&
        o.has_class == c.has_class && o.class_lo == c.class_lo && o.class_hi == c.class_hi &&
        o.mirror == c.mirror) {
      return make_error(strprintf("duplicate of conversion %u", id), EEXIST);
    }
    if (ovmac == vmac && oreal != real) {
      return make_error(
          strprintf("virtual MAC %s is already in use on this bridge (conversion %u, for %s)",
                    format_mac(vmac).c_str(), id, format_mac(oreal).c_str()),
          EEXIST);
    }
    if (vmac == oreal) {
      return make_error(strprintf("virtual MAC %s is the real MAC of conversion %u",
                                  format_mac(vmac).c_str(), id),
                        EEXIST);
    }
  }
  Conversion copy = c;
  std::sort(copy.in_ports.begin(), copy.in_ports.end());
  copy.in_ports.erase(std::unique(copy.in_ports.begin(), copy.in_ports.end()), copy.in_ports.end());
  if (copy.state == ConversionState::kActive) {
    for (const auto& [id, o] : convs_) {
      if (o.state == ConversionState::kActive && o.overlaps(copy)) {
        return make_error(strprintf("conflicts with active conversion %u", id), EEXIST);
      }
    }
  }
  convs_[copy.id] = std::move(copy);
  dirty_ = true;
  return {};
}

std::map<uint32_t, Conversion> ConversionTable::after(const ConversionOps& ops) const {
  std::map<uint32_t, Conversion> next = convs_;
  for (uint32_t id : ops.deactivate) {
    if (auto it = next.find(id); it != next.end()) it->second.state = ConversionState::kStaged;
  }
  for (uint32_t id : ops.del) next.erase(id);
  for (uint32_t id : ops.activate) {
    if (auto it = next.find(id); it != next.end()) it->second.state = ConversionState::kActive;
  }
  return next;
}

Status ConversionTable::check(const ConversionOps& ops) const {
  for (uint32_t id : ops.activate) {
    if (has(id) && std::count(ops.del.begin(), ops.del.end(), id)) {
      return make_error(strprintf("conversion %u cannot be both activated and deleted", id));
    }
  }
  std::map<uint32_t, Conversion> next = after(ops);
  for (auto a = next.begin(); a != next.end(); ++a) {
    if (a->second.state != ConversionState::kActive) continue;
    for (auto b = std::next(a); b != next.end(); ++b) {
      if (b->second.state == ConversionState::kActive && a->second.overlaps(b->second)) {
        return make_error(
            strprintf("conversion %u would conflict with active conversion %u (same %s MAC, port "
                      "and class); deactivate one in the same request",
                      b->first, a->first, a->second.dir == ConversionDir::kRx ? "virtual" : "real"),
            EEXIST);
      }
    }
  }
  return {};
}

void ConversionTable::apply(const ConversionOps& ops) {
  std::map<uint32_t, Conversion> next = after(ops);
  bool changed = next.size() != convs_.size();
  for (const auto& [id, c] : next) changed |= convs_.at(id).state != c.state;
  if (!changed) return;
  convs_ = std::move(next);
  dirty_ = true;
}

void ConversionTable::forget_port(uint32_t ofport) {
  for (auto& [id, c] : convs_) {
    auto it = std::find(c.in_ports.begin(), c.in_ports.end(), ofport);
    if (it != c.in_ports.end()) {
      c.in_ports.erase(it);
      dirty_ = true;
    }
  }
}

std::shared_ptr<const ConversionSnapshot> ConversionTable::snapshot() {
  if (dirty_ || !snapshot_) {
    std::vector<const Conversion*> active;
    for (const auto& [id, c] : convs_) {
      if (c.state == ConversionState::kActive && !c.in_ports.empty()) active.push_back(&c);
    }
    snapshot_ = std::make_shared<const ConversionSnapshot>(active);
    dirty_ = false;
  }
  return snapshot_;
}

}  // namespace ferry
