#include "offload/eswitch-emu/esw_switch.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <rte_errno.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace ferry::esw {

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

constexpr unsigned kMaxJumps = 8;

}  // namespace

Switch::Switch(std::string name, unsigned max_rules, rte_mempool* pool, int64_t hold_timeout_ms)
    : name_(std::move(name)),
      max_rules_(max_rules),
      hold_timeout_ms_(hold_timeout_ms),
      pool_(pool) {}

Switch::~Switch() {
  stop();
  flush();
  for (auto& v : vports_) {
    if (!v->rep_ring) continue;
    void* m;
    while (rte_ring_dequeue(v->rep_ring, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(v->rep_ring);
  }
}

Status Switch::add_vport(const std::string& name, std::unique_ptr<Backend> backend) {
  if (vports_.size() >= kMaxVports) return make_error("too many vports", ENOSPC);
  auto v = std::make_unique<Vport>();
  v->name = name;
  v->backend = std::move(backend);
  std::string rn = ring_prefix(name_, name) + "_rep";
  v->rep_ring =
      rte_ring_create(rn.c_str(), kRepRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!v->rep_ring)
    return make_error("cannot create ring " + rn + ": " + rte_strerror(rte_errno), rte_errno);
  vports_.push_back(std::move(v));
  return {};
}

uint8_t Switch::vport_of_port(uint16_t port_id) const {
  for (size_t i = 0; i < vports_.size(); i++)
    if (vports_[i]->port_id == port_id) return static_cast<uint8_t>(i);
  return kNoVport;
}

void Switch::start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
}

void Switch::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void Switch::run() {
  char tname[16];
  std::snprintf(tname, sizeof tname, "esw-%s",
                name_.c_str() + (name_.size() > 10 ? name_.size() - 10 : 0));
  pthread_setname_np(pthread_self(), tname);
  bool registered = rte_thread_register() == 0;
  int64_t sleep_us = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (poll_once()) {
      sleep_us = 0;
      continue;
    }
    // Idle: back off (the machine is shared), at most 100 us.
    sleep_us = sleep_us ? std::min<int64_t>(sleep_us * 2, 100) : 5;
    timespec ts{0, static_cast<long>(sleep_us * 1000)};
    nanosleep(&ts, nullptr);
  }
  if (registered) rte_thread_unregister();
}

bool Switch::poll_once() {
  bool moved = false;
  rte_mbuf* pkts[kBurst];
  for (size_t i = 0; i < vports_.size(); i++) {
    Vport& v = *vports_[i];
    if (!v.backend) continue;
    uint16_t n = v.backend->receive(pool_, pkts, kBurst);
    if (n == 0) continue;
    moved = true;
    std::lock_guard<std::mutex> g(mu_);
    for (uint16_t k = 0; k < n; k++) process(pkts[k], static_cast<uint8_t>(i));
    counters_.far_rx_packets.fetch_add(n, std::memory_order_release);
  }
  if (n_holding_) {
    std::lock_guard<std::mutex> g(mu_);
    release_holds(false);
  }
  return moved;
}

Rule* Switch::lookup(const EswKey& key, uint32_t group) {
  for (Rule* r : rules_) {
    if (r->c.group < group) continue;
    if (r->c.group > group) break;
    if (key_matches(key, r->c)) return r;
  }
  return nullptr;
}

void Switch::process(rte_mbuf* m, uint8_t in_vport) {
  EswKey key;
  if (!parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, in_vport, &key)) {
    to_host(in_vport, m, true);
    return;
  }
  Rule* r = lookup(key, 0);
  if (!r) {
    to_host(in_vport, m, true);
    return;
  }
  r->hits.fetch_add(1, std::memory_order_relaxed);
  r->bytes.fetch_add(m->pkt_len, std::memory_order_relaxed);
  if (r->holding) {
    if (r->held.size() >= kMaxHeld) {
      counters_.hold_overflow_drops.fetch_add(1, std::memory_order_relaxed);
      rte_pktmbuf_free(m);
      return;
    }
    counters_.held_packets.fetch_add(1, std::memory_order_relaxed);
    m->port = in_vport;  // where it came from, for its release
    r->held.push_back(m);
    return;
  }
  apply(r, m, in_vport, 0);
}

void Switch::apply(Rule* r, rte_mbuf* m, uint8_t in_vport, unsigned depth) {
  Verdict v = run_ops(r->c.ops, m);
  switch (v.kind) {
    case Verdict::kVport: {
      uint32_t len = m->pkt_len;
      Backend* b = vports_[v.arg]->backend.get();
      if (b && b->deliver(&m, 1) == 1) {
        counters_.switched_packets.fetch_add(1, std::memory_order_relaxed);
        counters_.switched_bytes.fetch_add(len, std::memory_order_relaxed);
      } else {
        if (!b) rte_pktmbuf_free(m);
        counters_.far_drops.fetch_add(1, std::memory_order_relaxed);
      }
      return;
    }
    case Verdict::kHost:
      to_host(static_cast<uint8_t>(v.arg), m, false);
      return;
    case Verdict::kDrop:
      counters_.rule_drops.fetch_add(1, std::memory_order_relaxed);
      rte_pktmbuf_free(m);
      return;
    case Verdict::kJump: {
      EswKey key;
      Rule* next = nullptr;
      if (depth < kMaxJumps &&
          parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, in_vport, &key))
        next = lookup(key, v.arg);
      if (!next) {
        to_host(in_vport, m, true);
        return;
      }
      next->hits.fetch_add(1, std::memory_order_relaxed);
      next->bytes.fetch_add(m->pkt_len, std::memory_order_relaxed);
      apply(next, m, in_vport, depth + 1);
      return;
    }
    case Verdict::kNone:
      to_host(in_vport, m, false);
      return;
  }
}

void Switch::to_host(uint8_t vport, rte_mbuf* m, bool miss) {
  Vport& v = *vports_[vport];
  if (!v.started.load(std::memory_order_acquire) || rte_ring_enqueue(v.rep_ring, m) != 0) {
    counters_.rep_overflow_drops.fetch_add(1, std::memory_order_relaxed);
    rte_pktmbuf_free(m);
    return;
  }
  v.enq.fetch_add(1, std::memory_order_release);
  counters_.to_host_packets.fetch_add(1, std::memory_order_relaxed);
  if (miss) counters_.miss_packets.fetch_add(1, std::memory_order_relaxed);
}

void Switch::release(Rule* r) {
  r->holding = false;
  n_holding_--;
  std::vector<rte_mbuf*> held;
  held.swap(r->held);
  for (rte_mbuf* m : held) apply(r, m, static_cast<uint8_t>(m->port), 0);
}

void Switch::release_holds(bool force_all) {
  int64_t now = now_ns();
  for (Rule* r : rules_) {
    if (!r->holding) continue;
    bool done = true;
    for (auto [vp, mark] : r->marks) {
      const Vport& v = *vports_[vp];
      if (v.started.load(std::memory_order_acquire) &&
          v.deq_seen.load(std::memory_order_acquire) < mark)
        done = false;
    }
    if (!done && !force_all && now < r->hold_deadline_ns) continue;
    if (!done) counters_.hold_timeouts.fetch_add(1, std::memory_order_relaxed);
    release(r);
  }
}

int Switch::validate(const rte_flow_attr* attr, const rte_flow_item* items,
                     const rte_flow_action* actions, CompileError* err) {
  CompiledRule c;
  auto vp = [this](uint16_t id) { return vport_of_port(id); };
  if (!compile_rule(attr, items, actions, vp, &c, err)) return -err->code;
  return 0;
}

Rule* Switch::create(const rte_flow_attr* attr, const rte_flow_item* items,
                     const rte_flow_action* actions, CompileError* err) {
  auto r = std::make_unique<Rule>();
  auto vp = [this](uint16_t id) { return vport_of_port(id); };
  if (!compile_rule(attr, items, actions, vp, &r->c, err)) {
    counters_.rule_rejects.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  r->held.reserve(64);
  std::lock_guard<std::mutex> g(mu_);
  if (rules_.size() >= max_rules_) {
    counters_.rule_rejects.fetch_add(1, std::memory_order_relaxed);
    err->code = ENOSPC;
    err->type = RTE_FLOW_ERROR_TYPE_HANDLE;
    err->message = "flow table full (max_rules=" + std::to_string(max_rules_) + ")";
    return nullptr;
  }
  r->seq = next_seq_++;
  // Which representors may still hold frames this rule would now take.
  for (size_t i = 0; i < vports_.size(); i++) {
    if (r->c.mask.in_vport && r->c.key.in_vport != i) continue;
    const Vport& v = *vports_[i];
    uint64_t mark = v.enq.load(std::memory_order_acquire);
    if (v.started.load(std::memory_order_acquire) &&
        v.deq_seen.load(std::memory_order_acquire) < mark)
      r->marks.emplace_back(static_cast<uint8_t>(i), mark);
  }
  if (!r->marks.empty()) {
    r->holding = true;
    r->hold_deadline_ns = now_ns() + hold_timeout_ms_ * 1000000;
    n_holding_++;
  }
  Rule* raw = r.release();
  auto pos = std::find_if(rules_.begin(), rules_.end(), [raw](const Rule* o) {
    if (o->c.group != raw->c.group) return o->c.group > raw->c.group;
    return o->c.priority >= raw->c.priority;  // newest first among equals
  });
  rules_.insert(pos, raw);
  counters_.rule_inserts.fetch_add(1, std::memory_order_relaxed);
  return raw;
}

bool Switch::owns(const Rule* r) const {
  return std::find(rules_.begin(), rules_.end(), r) != rules_.end();
}

int Switch::destroy(Rule* r) {
  std::lock_guard<std::mutex> g(mu_);
  if (!owns(r)) return -EINVAL;
  // Frames it held came before anything the table sees from now on.
  if (r->holding) release(r);
  rules_.erase(std::find(rules_.begin(), rules_.end(), r));
  counters_.rule_removes.fetch_add(1, std::memory_order_relaxed);
  delete r;
  return 0;
}

void Switch::flush() {
  std::lock_guard<std::mutex> g(mu_);
  release_holds(true);
  for (Rule* r : rules_) delete r;
  counters_.rule_removes.fetch_add(rules_.size(), std::memory_order_relaxed);
  rules_.clear();
}

int Switch::query_count(Rule* r, bool reset, uint64_t* hits, uint64_t* bytes) {
  std::lock_guard<std::mutex> g(mu_);
  if (!owns(r)) return -EINVAL;
  if (!r->c.has_count) return -ENOTSUP;
  uint64_t h = r->hits.load(std::memory_order_relaxed);
  uint64_t b = r->bytes.load(std::memory_order_relaxed);
  *hits = h - r->hits_base;
  *bytes = b - r->bytes_base;
  if (reset) {
    r->hits_base = h;
    r->bytes_base = b;
  }
  return 0;
}

size_t Switch::n_rules() {
  std::lock_guard<std::mutex> g(mu_);
  return rules_.size();
}

uint16_t Switch::host_rx(uint8_t vport, rte_mbuf** pkts, uint16_t n) {
  Vport& v = *vports_[vport];
  uint64_t deq = v.deq.load(std::memory_order_relaxed);
  // Everything taken before this call has been forwarded by now.
  v.deq_seen.store(deq, std::memory_order_release);
  unsigned got = rte_ring_dequeue_burst(v.rep_ring, reinterpret_cast<void**>(pkts), n, nullptr);
  if (got) {
    v.deq.store(deq + got, std::memory_order_release);
    uint64_t bytes = 0;
    for (unsigned i = 0; i < got; i++) bytes += pkts[i]->pkt_len;
    v.host_rx_bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
  return static_cast<uint16_t>(got);
}

uint16_t Switch::host_tx(uint8_t vport, rte_mbuf** pkts, uint16_t n) {
  Vport& v = *vports_[vport];
  if (!v.backend) {
    rte_pktmbuf_free_bulk(pkts, n);
    return n;
  }
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; i++) bytes += pkts[i]->pkt_len;
  uint16_t ok = v.backend->deliver(pkts, n);
  v.host_tx.fetch_add(ok, std::memory_order_relaxed);
  v.host_tx_bytes.fetch_add(bytes, std::memory_order_relaxed);
  counters_.host_tx_packets.fetch_add(ok, std::memory_order_relaxed);
  if (ok < n) counters_.far_drops.fetch_add(n - ok, std::memory_order_relaxed);
  return n;  // the device took them all (it counted what it could not deliver)
}

void Switch::reset_counters() {
  for (auto* c :
       {&counters_.far_rx_packets, &counters_.switched_packets, &counters_.switched_bytes,
        &counters_.to_host_packets, &counters_.miss_packets, &counters_.rule_drops,
        &counters_.host_tx_packets, &counters_.held_packets, &counters_.hold_timeouts,
        &counters_.hold_overflow_drops, &counters_.rep_overflow_drops, &counters_.far_drops})
    c->store(0);
}

}  // namespace ferry::esw
