// net_ferry_esw: the emulated SR-IOV NIC as a DPDK vdev PMD.
//
//   --vdev=net_ferry_esw0,vfs=2,uplink=ring,vf0=veth-vm1,vf1=ring,max_rules=1024
//
// Probing creates the uplink (PF) representor, an ethdev named after the
// vdev, and one VF representor per VF (<vdev>_representor_vfN, flagged as
// representors with the PF as backer, so "net_ferry_esw0,representor=vf1"
// finds it as it finds an mlx5 representor). All of them are one switch
// domain. rte_flow transfer rules may be created through any of them.
#include <bus_vdev_driver.h>
#include <cstdio>
#include <cstring>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_flow_driver.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <string>

#include "offload/eswitch-emu/esw_switch.h"
#include "offload/eswitch-emu/eswitch_emu.h"

namespace ferry::esw {
namespace {

constexpr unsigned kDefaultMaxRules = 1024;
constexpr unsigned kMaxVfs = kMaxVports - 1;

struct PortPriv {
  Switch* sw;
  uint8_t vport;
  uint16_t domain;
  int* refs;  // ethdevs of the switch still open (shared)
};

struct Queue {
  Switch* sw;
  uint8_t vport;
  uint64_t packets = 0;
};

Switch* sw_of(rte_eth_dev* dev) { return static_cast<PortPriv*>(dev->data->dev_private)->sw; }
uint8_t vp_of(rte_eth_dev* dev) { return static_cast<PortPriv*>(dev->data->dev_private)->vport; }

uint16_t rx_burst(void* q, rte_mbuf** pkts, uint16_t n) {
  auto* rq = static_cast<Queue*>(q);
  uint16_t got = rq->sw->host_rx(rq->vport, pkts, n);
  rq->packets += got;
  return got;
}

uint16_t tx_burst(void* q, rte_mbuf** pkts, uint16_t n) {
  auto* tq = static_cast<Queue*>(q);
  uint16_t sent = tq->sw->host_tx(tq->vport, pkts, n);
  tq->packets += sent;
  return sent;
}

int dev_configure(rte_eth_dev*) { return 0; }

int dev_start(rte_eth_dev* dev) {
  sw_of(dev)->vport(vp_of(dev)).started.store(true, std::memory_order_release);
  dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
    dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
    dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
  return 0;
}

int dev_stop(rte_eth_dev* dev) {
  sw_of(dev)->vport(vp_of(dev)).started.store(false, std::memory_order_release);
  dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
    dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
    dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
  return 0;
}

void release_queue(void*& q) {
  delete static_cast<Queue*>(q);
  q = nullptr;
}

int dev_close(rte_eth_dev* dev) {
  if (rte_eal_process_type() != RTE_PROC_PRIMARY) return 0;
  auto* priv = static_cast<PortPriv*>(dev->data->dev_private);
  if (!priv->sw) return 0;
  dev_stop(dev);
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) release_queue(dev->data->rx_queues[i]);
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) release_queue(dev->data->tx_queues[i]);
  priv->sw->vport(priv->vport).port_id = 0xffff;
  if (--*priv->refs == 0) {
    rte_eth_switch_domain_free(priv->domain);
    delete priv->sw;
    delete priv->refs;
  }
  priv->sw = nullptr;
  return 0;
}

int dev_infos_get(rte_eth_dev* dev, rte_eth_dev_info* info) {
  auto* priv = static_cast<PortPriv*>(dev->data->dev_private);
  info->max_mac_addrs = 1;
  info->max_rx_pktlen = 9018;
  info->min_mtu = 68;
  info->max_mtu = 9000;
  info->max_rx_queues = 1;
  info->max_tx_queues = 64;
  info->min_rx_bufsize = 0;
  // Accepted (a switch port has one queue, so nothing to spread).
  info->flow_type_rss_offloads = RTE_ETH_RSS_PROTO_MASK;
  info->switch_info.name = priv->sw->name().c_str();
  info->switch_info.domain_id = priv->domain;
  info->switch_info.port_id = priv->vport;
  info->dev_capa &= ~RTE_ETH_DEV_CAPA_FLOW_RULE_KEEP;
  return 0;
}

int rx_queue_setup(rte_eth_dev* dev, uint16_t qid, uint16_t, unsigned, const rte_eth_rxconf*,
                   rte_mempool*) {
  release_queue(dev->data->rx_queues[qid]);
  dev->data->rx_queues[qid] = new Queue{sw_of(dev), vp_of(dev)};
  return 0;
}

int tx_queue_setup(rte_eth_dev* dev, uint16_t qid, uint16_t, unsigned, const rte_eth_txconf*) {
  release_queue(dev->data->tx_queues[qid]);
  dev->data->tx_queues[qid] = new Queue{sw_of(dev), vp_of(dev)};
  return 0;
}

void rx_queue_release(rte_eth_dev* dev, uint16_t qid) { release_queue(dev->data->rx_queues[qid]); }
void tx_queue_release(rte_eth_dev* dev, uint16_t qid) { release_queue(dev->data->tx_queues[qid]); }

int link_update(rte_eth_dev*, int) { return 0; }
int noop(rte_eth_dev*) { return 0; }
int mtu_set(rte_eth_dev*, uint16_t) { return 0; }

int stats_get(rte_eth_dev* dev, rte_eth_stats* st) {
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
    if (dev->data->rx_queues[i])
      st->ipackets += static_cast<Queue*>(dev->data->rx_queues[i])->packets;
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
    if (dev->data->tx_queues[i])
      st->opackets += static_cast<Queue*>(dev->data->tx_queues[i])->packets;
  const Switch::Vport& v = sw_of(dev)->vport(vp_of(dev));
  st->ibytes = v.host_rx_bytes.load(std::memory_order_relaxed);
  st->obytes = v.host_tx_bytes.load(std::memory_order_relaxed);
  return 0;
}

int stats_reset(rte_eth_dev* dev) {
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
    if (dev->data->rx_queues[i]) static_cast<Queue*>(dev->data->rx_queues[i])->packets = 0;
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
    if (dev->data->tx_queues[i]) static_cast<Queue*>(dev->data->tx_queues[i])->packets = 0;
  Switch::Vport& v = sw_of(dev)->vport(vp_of(dev));
  v.host_rx_bytes = 0;
  v.host_tx_bytes = 0;
  return 0;
}

// The switch's own counters, the same on every port of the switch.
struct XstatDef {
  const char* name;
  std::atomic<uint64_t> EswCounters::*field;
};
constexpr XstatDef kXstats[] = {
    {kXstatFarRxPackets, &EswCounters::far_rx_packets},
    {kXstatSwitchedPackets, &EswCounters::switched_packets},
    {"esw_switched_bytes", &EswCounters::switched_bytes},
    {kXstatToHostPackets, &EswCounters::to_host_packets},
    {kXstatMissPackets, &EswCounters::miss_packets},
    {"esw_rule_drops", &EswCounters::rule_drops},
    {"esw_host_tx_packets", &EswCounters::host_tx_packets},
    {kXstatHeldPackets, &EswCounters::held_packets},
    {"esw_hold_timeouts", &EswCounters::hold_timeouts},
    {"esw_hold_overflow_drops", &EswCounters::hold_overflow_drops},
    {"esw_rep_overflow_drops", &EswCounters::rep_overflow_drops},
    {"esw_far_drops", &EswCounters::far_drops},
    {"esw_rule_inserts", &EswCounters::rule_inserts},
    {"esw_rule_removes", &EswCounters::rule_removes},
    {"esw_rule_rejects", &EswCounters::rule_rejects},
};
constexpr unsigned kNXstats = sizeof kXstats / sizeof kXstats[0] + 2;  // + rules, max_rules

int xstats_get_names(rte_eth_dev*, rte_eth_xstat_name* names, unsigned size) {
  if (!names || size < kNXstats) return kNXstats;
  unsigned i = 0;
  for (const auto& x : kXstats)
    std::snprintf(names[i++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", x.name);
  std::snprintf(names[i++].name, RTE_ETH_XSTATS_NAME_SIZE, "esw_rules");
  std::snprintf(names[i++].name, RTE_ETH_XSTATS_NAME_SIZE, "esw_rules_max");
  return kNXstats;
}

int xstats_get(rte_eth_dev* dev, rte_eth_xstat* xs, unsigned n) {
  if (!xs || n < kNXstats) return kNXstats;
  Switch* sw = sw_of(dev);
  unsigned i = 0;
  for (const auto& x : kXstats) {
    xs[i].id = i;
    xs[i].value = (sw->counters().*x.field).load(std::memory_order_relaxed);
    i++;
  }
  xs[i] = {i, sw->n_rules()};
  i++;
  xs[i] = {i, sw->max_rules()};
  return kNXstats;
}

int xstats_reset(rte_eth_dev* dev) {
  sw_of(dev)->reset_counters();
  return 0;
}

// --- rte_flow ---

int flow_error(rte_flow_error* error, const CompileError& e) {
  // The message must outlive the call: keep the last one per thread.
  static thread_local std::string last;
  last = e.message;
  return rte_flow_error_set(error, e.code, static_cast<rte_flow_error_type>(e.type), e.cause,
                            last.c_str());
}

int flow_validate(rte_eth_dev* dev, const rte_flow_attr* attr, const rte_flow_item items[],
                  const rte_flow_action actions[], rte_flow_error* error) {
  CompileError e;
  int rc = sw_of(dev)->validate(attr, items, actions, &e);
  return rc ? flow_error(error, e) : 0;
}

rte_flow* flow_create(rte_eth_dev* dev, const rte_flow_attr* attr, const rte_flow_item items[],
                      const rte_flow_action actions[], rte_flow_error* error) {
  CompileError e;
  Rule* r = sw_of(dev)->create(attr, items, actions, &e);
  if (!r) {
    flow_error(error, e);
    return nullptr;
  }
  return reinterpret_cast<rte_flow*>(r);
}

int flow_destroy(rte_eth_dev* dev, rte_flow* flow, rte_flow_error* error) {
  int rc = sw_of(dev)->destroy(reinterpret_cast<Rule*>(flow));
  if (rc) return rte_flow_error_set(error, -rc, RTE_FLOW_ERROR_TYPE_HANDLE, flow, "unknown flow");
  return 0;
}

int flow_flush(rte_eth_dev* dev, rte_flow_error*) {
  sw_of(dev)->flush();
  return 0;
}

int flow_query(rte_eth_dev* dev, rte_flow* flow, const rte_flow_action* action, void* data,
               rte_flow_error* error) {
  if (action->type != RTE_FLOW_ACTION_TYPE_COUNT) {
    return rte_flow_error_set(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, action,
                              "only COUNT can be queried");
  }
  auto* q = static_cast<rte_flow_query_count*>(data);
  uint64_t hits = 0, bytes = 0;
  int rc = sw_of(dev)->query_count(reinterpret_cast<Rule*>(flow), q->reset, &hits, &bytes);
  if (rc == -EINVAL)
    return rte_flow_error_set(error, EINVAL, RTE_FLOW_ERROR_TYPE_HANDLE, flow, "unknown flow");
  if (rc)
    return rte_flow_error_set(error, ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, action,
                              "the rule has no COUNT action");
  q->hits_set = 1;
  q->bytes_set = 1;
  q->hits = hits;
  q->bytes = bytes;
  return 0;
}

const rte_flow_ops kFlowOps = [] {
  rte_flow_ops o{};
  o.validate = flow_validate;
  o.create = flow_create;
  o.destroy = flow_destroy;
  o.flush = flow_flush;
  o.query = flow_query;
  return o;
}();

int flow_ops_get(rte_eth_dev*, const rte_flow_ops** ops) {
  *ops = &kFlowOps;
  return 0;
}

const eth_dev_ops kOps = [] {
  eth_dev_ops o{};
  o.dev_configure = dev_configure;
  o.dev_start = dev_start;
  o.dev_stop = dev_stop;
  o.dev_close = dev_close;
  o.dev_infos_get = dev_infos_get;
  o.rx_queue_setup = rx_queue_setup;
  o.tx_queue_setup = tx_queue_setup;
  o.rx_queue_release = rx_queue_release;
  o.tx_queue_release = tx_queue_release;
  o.link_update = link_update;
  o.promiscuous_enable = noop;
  o.promiscuous_disable = noop;
  o.allmulticast_enable = noop;
  o.allmulticast_disable = noop;
  o.mtu_set = mtu_set;
  o.stats_get = stats_get;
  o.stats_reset = stats_reset;
  o.xstats_get = xstats_get;
  o.xstats_get_names = xstats_get_names;
  o.xstats_reset = xstats_reset;
  o.flow_ops_get = flow_ops_get;
  return o;
}();

// --- devargs and probing ---

struct Args {
  unsigned vfs = 0;
  unsigned max_rules = kDefaultMaxRules;
  unsigned hold_timeout_ms = Switch::kDefaultHoldTimeoutMs;
  std::string uplink = "ring";
  std::string vf[kMaxVfs];
  std::string error;
};

int kv_handler(const char* key, const char* value, void* opaque) {
  auto* a = static_cast<Args*>(opaque);
  std::string k = key, v = value ? value : "";
  auto number = [&](unsigned* out, unsigned lo, unsigned hi) {
    char* end = nullptr;
    unsigned long n = std::strtoul(v.c_str(), &end, 10);
    if (v.empty() || *end || n < lo || n > hi) {
      a->error = k + "=" + v + ": expected a number from " + std::to_string(lo) + " to " +
                 std::to_string(hi);
      return -1;
    }
    *out = static_cast<unsigned>(n);
    return 0;
  };
  if (k == "vfs") return number(&a->vfs, 0, kMaxVfs);
  if (k == "max_rules") return number(&a->max_rules, 0, 1u << 20);
  if (k == "hold_timeout_ms") return number(&a->hold_timeout_ms, 1, 3600000);
  if (k == "uplink") {
    a->uplink = v;
    return 0;
  }
  if (k == "representor") return 0;  // every representor always exists
  if (k.rfind("vf", 0) == 0) {
    unsigned i;
    std::string n = k.substr(2);
    char* end = nullptr;
    i = static_cast<unsigned>(std::strtoul(n.c_str(), &end, 10));
    if (!n.empty() && !*end && i < kMaxVfs) {
      a->vf[i] = v;
      return 0;
    }
  }
  a->error = "unknown argument '" + k + "'";
  return -1;
}

Result<std::unique_ptr<Backend>> make_backend(const std::string& dev, const std::string& vport,
                                              const std::string& spec) {
  if (spec.empty() || spec == "none") return std::unique_ptr<Backend>();
  if (spec == "ring") return make_ring_backend(ring_prefix(dev, vport));
  return make_packet_backend(spec);
}

rte_eth_dev* make_port(rte_vdev_device* vdev, const std::string& name, Switch* sw, uint8_t vport,
                       uint16_t domain, int* refs, uint16_t backer) {
  rte_eth_dev* dev = vport == 0 ? rte_eth_vdev_allocate(vdev, sizeof(PortPriv))
                                : rte_eth_dev_allocate(name.c_str());
  if (!dev) return nullptr;
  if (vport != 0) {
    dev->data->dev_private = rte_zmalloc_socket(name.c_str(), sizeof(PortPriv), RTE_CACHE_LINE_SIZE,
                                                vdev->device.numa_node);
    if (!dev->data->dev_private) {
      rte_eth_dev_release_port(dev);
      return nullptr;
    }
    dev->device = &vdev->device;
    dev->data->numa_node = vdev->device.numa_node;
    dev->data->dev_flags |= RTE_ETH_DEV_REPRESENTOR;
    dev->data->representor_id = static_cast<uint16_t>(vport - 1);
    dev->data->backer_port_id = backer;
  }
  auto* priv = static_cast<PortPriv*>(dev->data->dev_private);
  *priv = PortPriv{sw, vport, domain, refs};
  auto* mac = static_cast<rte_ether_addr*>(rte_zmalloc(name.c_str(), sizeof(rte_ether_addr), 0));
  if (!mac) {
    rte_eth_dev_release_port(dev);
    return nullptr;
  }
  // Locally administered, unique per switch domain and vport.
  uint8_t m[6] = {0x02, 0xfe, 0x5e, static_cast<uint8_t>(domain >> 8), static_cast<uint8_t>(domain),
                  vport};
  std::memcpy(mac->addr_bytes, m, 6);
  dev->data->mac_addrs = mac;
  dev->data->dev_link = {};
  dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_25G;
  dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
  dev->data->dev_link.link_autoneg = RTE_ETH_LINK_FIXED;
  dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
  dev->dev_ops = &kOps;
  dev->rx_pkt_burst = rx_burst;
  dev->tx_pkt_burst = tx_burst;
  sw->set_port_id(vport, dev->data->port_id);
  ++*refs;
  rte_eth_dev_probing_finish(dev);
  return dev;
}

int esw_probe(rte_vdev_device* vdev) {
  const char* name = rte_vdev_device_name(vdev);
  if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
    RTE_LOG(ERR, PMD, "%s: secondary processes are not supported\n", name);
    return -ENOTSUP;
  }
  Args args;
  if (const char* params = rte_vdev_device_args(vdev); params && *params) {
    rte_kvargs* kv = rte_kvargs_parse(params, nullptr);
    if (!kv) {
      RTE_LOG(ERR, PMD, "%s: cannot parse devargs '%s'\n", name, params);
      return -EINVAL;
    }
    int rc = rte_kvargs_process(kv, nullptr, kv_handler, &args);
    rte_kvargs_free(kv);
    if (rc < 0) {
      RTE_LOG(ERR, PMD, "%s: %s\n", name, args.error.c_str());
      return -EINVAL;
    }
  }
  std::string dev = name;
  rte_mempool* pool =
      rte_pktmbuf_pool_create(ring_prefix(dev, "mp").c_str(), 16383, 256, 0,
                              RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (!pool) {
    RTE_LOG(ERR, PMD, "%s: cannot create its packet pool\n", name);
    return -ENOMEM;
  }
  auto sw = std::make_unique<Switch>(dev, args.max_rules, pool, args.hold_timeout_ms);
  for (unsigned i = 0; i <= args.vfs; i++) {
    std::string vname = i == 0 ? "pf" : "vf" + std::to_string(i - 1);
    auto b = make_backend(dev, vname,
                          i == 0                   ? args.uplink
                          : args.vf[i - 1].empty() ? "ring"
                                                   : args.vf[i - 1]);
    if (!b) {
      RTE_LOG(ERR, PMD, "%s: %s: %s\n", name, vname.c_str(), b.error().message.c_str());
      sw.reset();
      rte_mempool_free(pool);
      return -b.error().code;
    }
    Status st = sw->add_vport(vname, std::move(*b));
    if (!st) {
      RTE_LOG(ERR, PMD, "%s: %s\n", name, st.error().message.c_str());
      sw.reset();
      rte_mempool_free(pool);
      return -st.error().code;
    }
  }
  uint16_t domain = 0;
  if (rte_eth_switch_domain_alloc(&domain) != 0) {
    RTE_LOG(ERR, PMD, "%s: no switch domain left\n", name);
    sw.reset();
    rte_mempool_free(pool);
    return -ENOSPC;
  }
  int* refs = new int(0);
  Switch* s = sw.release();
  rte_eth_dev* pf = make_port(vdev, dev, s, 0, domain, refs, 0);
  if (!pf) {
    delete s;
    delete refs;
    rte_eth_switch_domain_free(domain);
    return -ENOMEM;
  }
  for (unsigned i = 0; i < args.vfs; i++) {
    std::string rname = dev + "_representor_vf" + std::to_string(i);
    if (!make_port(vdev, rname, s, static_cast<uint8_t>(i + 1), domain, refs, pf->data->port_id)) {
      RTE_LOG(ERR, PMD, "%s: cannot allocate %s\n", name, rname.c_str());
      break;
    }
  }
  s->start();
  RTE_LOG(INFO, PMD, "%s: emulated eSwitch with %u VFs, %u rules\n", name, args.vfs,
          args.max_rules);
  return 0;
}

int esw_remove(rte_vdev_device* vdev) {
  uint16_t id;
  rte_mempool* pool = nullptr;
  RTE_ETH_FOREACH_DEV_OF(id, &vdev->device) {
    rte_eth_dev* dev = &rte_eth_devices[id];
    if (auto* priv = static_cast<PortPriv*>(dev->data->dev_private); priv && priv->sw && !pool)
      pool = rte_mempool_lookup(ring_prefix(priv->sw->name(), "mp").c_str());
    rte_eth_dev_close(id);
  }
  // Every port is closed (the switch and its thread are gone): free the pool.
  if (!pool) pool = rte_mempool_lookup(ring_prefix(rte_vdev_device_name(vdev), "mp").c_str());
  if (pool) rte_mempool_free(pool);
  return 0;
}

}  // namespace
}  // namespace ferry::esw

// Constant-initialised: the registration constructor runs before dynamic
// initialisers.
static rte_vdev_driver ferry_esw_driver = {.probe = ferry::esw::esw_probe,
                                           .remove = ferry::esw::esw_remove};
RTE_PMD_REGISTER_VDEV(net_ferry_esw, ferry_esw_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_ferry_esw,
                              "vfs=<int> uplink=<ring|ifname> vf<N>=<ring|ifname> max_rules=<int> "
                              "hold_timeout_ms=<int>");

extern "C" int ferry_esw_linked(void) { return 1; }
