// The control side: construction, expiry sweeps, dumps, flushes, limits,
// timeout policies and counters.
#include <algorithm>
#include <random>

#include "lib/conntrack/conntrack_impl.h"

namespace ferry::ct {

const char* const kCtrNames[kCtrCount] = {
    "invalid_l3_header",   "invalid_l3_checksum", "invalid_fragment",   "invalid_l4_header",
    "invalid_l4_checksum", "invalid_icmp_type",   "invalid_icmp_inner", "invalid_related_no_conn",
    "invalid_new",         "invalid_tcp_flags",   "invalid_tcp_seq",    "tcp_seq_chk_bypass",
    "zone_full",           "conntrack_full",      "nat_exhausted",      "tuple_collision",
    "no_memory",           "nat_lookup_miss",     "untracked_dl_type",  "conn_created",
    "conn_reopened",       "conn_forced",         "conn_cached"};

namespace {

uint32_t random_basis() {
  std::random_device rd;
  return rd();
}

}  // namespace

ConntrackImpl::ConntrackImpl(const Conntrack::Config& cfg)
    : table_(cfg.expected_conns ? cfg.expected_conns : cfg.max_conns, cfg.max_threads,
             random_basis()),
      basis_(random_basis()),
      max_threads_(cfg.max_threads ? cfg.max_threads : 1),
      max_conns_(static_cast<uint32_t>(std::min<size_t>(cfg.max_conns, UINT32_MAX))),
      default_tp_(TimeoutPolicy::defaults()) {
  zone_limit_ = std::make_unique<std::atomic<uint32_t>[]>(kZones);
  zone_count_ = std::make_unique<std::atomic<uint32_t>[]>(kZones);
  zone_tp_ = std::make_unique<std::atomic<const TimeoutPolicy*>[]>(kZones);
  for (uint32_t z = 0; z < kZones; z++) {
    zone_limit_[z].store(kUseDefault, std::memory_order_relaxed);
    zone_count_[z].store(0, std::memory_order_relaxed);
    zone_tp_[z].store(nullptr, std::memory_order_relaxed);
  }
  threads_ = std::make_unique<Thread[]>(max_threads_);
  for (unsigned t = 0; t < max_threads_; t++) threads_[t].rng = (uint64_t{basis_} << 32) | (t + 1);
}

void ConntrackImpl::remove_locked(Conn* c, std::vector<uint32_t>* retired) {
  table_.remove(c);
  n_conns_.fetch_sub(1, std::memory_order_relaxed);
  zone_count_[c->zone_counted].fetch_sub(1, std::memory_order_relaxed);
  retired->push_back(c->idx);
}

namespace {

Tuple to_tuple(const Key& k) {
  Tuple t;
  t.ipv6 = k.ipv6;
  t.proto = k.proto;
  std::memcpy(t.src.b, k.src, 16);
  std::memcpy(t.dst.b, k.dst, 16);
  if (k.is_icmp()) {
    t.icmp_id = from_be16(k.sport);
    t.icmp_type = k.stype;
  } else {
    t.sport = from_be16(k.sport);
    t.dport = from_be16(k.dport);
  }
  return t;
}

}  // namespace

ConnInfo ConntrackImpl::info(const Conn* c, uint64_t now) const {
  ConnInfo ci;
  ci.orig = to_tuple(c->key());
  ci.reply = to_tuple(c->rev_key());
  ci.zone = c->key().zone;
  Conn* mc = const_cast<Conn*>(c);
  ConnLock l(mc);
  ci.mark = c->mark;
  ci.label = c->label;
  int64_t left = static_cast<int64_t>(c->expires()) - static_cast<int64_t>(now);
  ci.timeout_s = left > 0 ? static_cast<uint32_t>(left / 1000) : 0;
  if (c->key().proto == kProtoTcp) {
    ci.tcp_state_orig = static_cast<TcpState>(c->peer[0].state);
    ci.tcp_state_reply = static_cast<TcpState>(c->peer[1].state);
    ci.wscale_orig = c->peer[0].wscale & kWscaleMask;
    ci.wscale_reply = c->peer[1].wscale & kWscaleMask;
    ci.tcp_flags_orig = tcp_protoinfo_flags(c->peer[0]);
    ci.tcp_flags_reply = tcp_protoinfo_flags(c->peer[1]);
  }
  ci.helper = static_cast<CtAction::Alg>(c->alg);
  return ci;
}

// ---- Conntrack's control methods

size_t Conntrack::sweep(uint64_t now_ms) {
  ConntrackImpl& d = *impl_;
  std::vector<uint32_t> retired;
  d.last_now_.store(now_ms, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> g(d.ctl_mu_);
    d.table_.for_each([&](Conn* c) {
      if (c->expired(now_ms)) d.remove_locked(c, &retired);
    });
  }
  size_t n = retired.size();
  d.expired_.fetch_add(n, std::memory_order_relaxed);
  d.table_.retire(std::move(retired));
  d.table_.reclaim();
  return n;
}

void Conntrack::dump(const uint16_t* zone, const std::function<void(const ConnInfo&)>& fn,
                     uint64_t now_ms) const {
  ConntrackImpl& d = *impl_;
  std::lock_guard<std::mutex> g(d.ctl_mu_);
  d.table_.for_each([&](const Conn* c) {
    if (c->expired(now_ms)) return;
    if (zone && c->key().zone != *zone) return;
    fn(d.info(c, now_ms));
  });
}

size_t Conntrack::nconns() const {
  int64_t n = impl_->n_conns_.load(std::memory_order_relaxed);
  return n > 0 ? static_cast<size_t>(n) : 0;
}
uint32_t Conntrack::max_conns() const { return impl_->max_conns_.load(); }
void Conntrack::set_max_conns(uint32_t n) { impl_->max_conns_.store(n); }
bool Conntrack::tcp_seq_check() const { return impl_->seq_check_.load(); }
void Conntrack::set_tcp_seq_check(bool on) { impl_->seq_check_.store(on); }

void Conntrack::set_default_limit(uint32_t limit) { impl_->default_limit_.store(limit); }
uint32_t Conntrack::default_limit() const { return impl_->default_limit_.load(); }
void Conntrack::set_zone_limit(uint16_t zone, uint32_t limit) {
  impl_->zone_limit_[zone].store(limit == kUseDefault ? limit - 1 : limit);
}
void Conntrack::del_zone_limit(uint16_t zone) { impl_->zone_limit_[zone].store(kUseDefault); }

std::vector<ZoneLimit> Conntrack::zone_limits() const {
  std::vector<ZoneLimit> out;
  for (uint32_t z = 0; z < kZones; z++) {
    uint32_t l = impl_->zone_limit_[z].load(std::memory_order_relaxed);
    if (l != kUseDefault)
      out.push_back(ZoneLimit{static_cast<uint16_t>(z), l, impl_->zone_count_[z].load()});
  }
  return out;
}

ZoneLimit Conntrack::zone_limit(uint16_t zone) const {
  return ZoneLimit{zone, impl_->effective_limit(zone), impl_->zone_count_[zone].load()};
}

void Conntrack::set_zone_timeout_policy(uint16_t zone, const TimeoutPolicy& tp) {
  ConntrackImpl& d = *impl_;
  auto p = std::make_unique<TimeoutPolicy>(TimeoutPolicy::defaults());
  for (int i = 0; i < static_cast<int>(TpAttr::kCount); i++)
    if (tp.present & (1u << i)) p->attrs[i] = tp.attrs[i];
  p->present = tp.present;
  std::lock_guard<std::mutex> g(d.ctl_mu_);
  d.zone_tp_[zone].store(p.get(), std::memory_order_release);
  d.tp_store_.push_back(std::move(p));  // kept: PMDs may still read the old one
}

void Conntrack::del_zone_timeout_policy(uint16_t zone) {
  impl_->zone_tp_[zone].store(nullptr, std::memory_order_release);
}

TimeoutPolicy Conntrack::zone_timeout_policy(uint16_t zone) const {
  const TimeoutPolicy* tp = impl_->zone_tp_[zone].load(std::memory_order_acquire);
  return tp ? *tp : impl_->default_tp_;
}

Counters Conntrack::counters() const {
  const ConntrackImpl& d = *impl_;
  Counters out;
  for (int i = 0; i < kCtrCount; i++) {
    uint64_t v = 0;
    for (unsigned t = 0; t < d.max_threads_; t++)
      v += d.threads_[t].ctr[i].load(std::memory_order_relaxed);
    out.items.emplace_back(kCtrNames[i], v);
  }
  out.items.emplace_back("conn_expired", d.expired_.load());
  out.items.emplace_back("conn_flushed", d.flushed_.load());
  out.items.emplace_back("conn_imported", d.imported_.load());
  return out;
}

size_t Conntrack::memory_bytes() const {
  return impl_->table_.memory_bytes() + sizeof(ConntrackImpl) +
         kZones * (3 * sizeof(std::atomic<uint32_t>) + sizeof(void*)) +
         impl_->max_threads_ * sizeof(ConntrackImpl::Thread);
}

uint64_t Counters::get(std::string_view name) const {
  for (const auto& [k, v] : items)
    if (k == name) return v;
  return 0;
}

}  // namespace ferry::ct
