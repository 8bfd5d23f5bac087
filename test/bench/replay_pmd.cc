// net_ferry_replay: a benchmark traffic source, a DPDK vdev PMD that
// replays the frames of a pcap file for ever, round-robin.
//
//   -d <build>/test/bench/libferry_replay.so
//   --vdev=net_ferry_replay0,pcap=FILE     (or options:dpdk-devargs=...)
//
// It does what net_pcap,rx_pcap=FILE,infinite_rx=1 does on receive (a
// fresh mbuf from the queue's pool per frame, the frame copied into it),
// but keeps the file's frames in one flat array of hugepage memory
// instead of one mbuf each: a million flows need 64 MB, not a million
// 2 KB mbufs in every system's pool (OVS-DPDK's pool holds at most 262144,
// so net_pcap cannot feed it more flows than that). Transmit frees the
// packets and counts them (as net_null does). Loaded with -d into
// ferry-vswitchd, ovs-vswitchd-dpdk and dpdk-testpmd alike, so the three
// systems share the same input path (scripts/bench/compare.sh).
#include <algorithm>
#include <bus_vdev_driver.h>
#include <cstdio>
#include <cstring>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <new>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <string>
#include <vector>

namespace {

constexpr unsigned kSlot = 64;         // bytes per frame slot (frames up to kMaxFrame)
constexpr unsigned kMaxFrame = 16384;  // longest frame accepted
constexpr uint16_t kMaxQueues = 16;

struct Frames {
  uint8_t* data = nullptr;  // rte_malloc'ed: frame k at offset[k]
  std::vector<uint32_t> offset;
  std::vector<uint16_t> length;
};

struct RxQueue {
  const Frames* frames;
  rte_mempool* pool;
  uint16_t port;
  uint32_t next = 0;  // the next frame to send
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t nombuf = 0;
};

struct TxQueue {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct Priv {
  Frames frames;
};

uint16_t rx_burst(void* q, rte_mbuf** pkts, uint16_t n) {
  auto* rq = static_cast<RxQueue*>(q);
  if (rte_pktmbuf_alloc_bulk(rq->pool, pkts, n) != 0) {
    rq->nombuf++;
    return 0;
  }
  const Frames& f = *rq->frames;
  uint32_t k = rq->next;
  const uint32_t total = static_cast<uint32_t>(f.length.size());
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; i++) {
    uint16_t len = f.length[k];
    rte_mbuf* m = pkts[i];
    std::memcpy(rte_pktmbuf_mtod(m, void*), f.data + f.offset[k], len);
    m->data_len = len;
    m->pkt_len = len;
    m->port = rq->port;
    bytes += len;
    if (++k == total) k = 0;
  }
  rq->next = k;
  rq->packets += n;
  rq->bytes += bytes;
  return n;
}

uint16_t tx_burst(void* q, rte_mbuf** pkts, uint16_t n) {
  auto* tq = static_cast<TxQueue*>(q);
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; i++) bytes += pkts[i]->pkt_len;
  rte_pktmbuf_free_bulk(pkts, n);
  tq->packets += n;
  tq->bytes += bytes;
  return n;
}

Priv* priv_of(rte_eth_dev* dev) { return static_cast<Priv*>(dev->data->dev_private); }

int dev_configure(rte_eth_dev*) { return 0; }

// Link and every queue up (started) or down.
int set_state(rte_eth_dev* dev, bool up) {
  dev->data->dev_link.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
  uint8_t q = up ? RTE_ETH_QUEUE_STATE_STARTED : RTE_ETH_QUEUE_STATE_STOPPED;
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) dev->data->rx_queue_state[i] = q;
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) dev->data->tx_queue_state[i] = q;
  return 0;
}

int dev_start(rte_eth_dev* dev) { return set_state(dev, true); }
int dev_stop(rte_eth_dev* dev) { return set_state(dev, false); }

void free_queue(void*& q) {
  rte_free(q);  // RxQueue and TxQueue hold nothing to destroy
  q = nullptr;
}

int dev_close(rte_eth_dev* dev) {
  if (rte_eal_process_type() != RTE_PROC_PRIMARY) return 0;
  dev_stop(dev);
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) free_queue(dev->data->rx_queues[i]);
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) free_queue(dev->data->tx_queues[i]);
  Priv* p = priv_of(dev);
  rte_free(p->frames.data);
  p->frames.~Frames();
  new (&p->frames) Frames();
  return 0;
}

int dev_infos_get(rte_eth_dev*, rte_eth_dev_info* info) {
  info->max_mac_addrs = 1;
  info->max_rx_pktlen = kMaxFrame;
  info->min_mtu = 68;
  info->max_mtu = kMaxFrame - 18;
  info->max_rx_queues = kMaxQueues;
  info->max_tx_queues = kMaxQueues;
  info->min_rx_bufsize = 0;
  return 0;
}

int rx_queue_setup(rte_eth_dev* dev, uint16_t qid, uint16_t, unsigned socket, const rte_eth_rxconf*,
                   rte_mempool* pool) {
  free_queue(dev->data->rx_queues[qid]);
  const Frames& f = priv_of(dev)->frames;
  // Every frame must fit in one mbuf of the pool (no chains).
  uint16_t longest = 0;
  for (uint16_t len : f.length) longest = std::max(longest, len);
  if (rte_pktmbuf_data_room_size(pool) < RTE_PKTMBUF_HEADROOM + longest) {
    RTE_LOG(ERR, PMD, "%s: the pool's buffers are too small for a %u-byte frame\n", dev->data->name,
            longest);
    return -EINVAL;
  }
  void* mem = rte_zmalloc_socket("replay_rxq", sizeof(RxQueue), RTE_CACHE_LINE_SIZE,
                                 static_cast<int>(socket));
  if (!mem) return -ENOMEM;
  auto* q = new (mem) RxQueue{&f, pool, dev->data->port_id};
  // Queues start at different frames, so that several of them do not
  // send the same frame at the same moment.
  q->next = static_cast<uint32_t>((f.length.size() * qid) / kMaxQueues);
  dev->data->rx_queues[qid] = q;
  return 0;
}

int tx_queue_setup(rte_eth_dev* dev, uint16_t qid, uint16_t, unsigned socket,
                   const rte_eth_txconf*) {
  free_queue(dev->data->tx_queues[qid]);
  void* mem = rte_zmalloc_socket("replay_txq", sizeof(TxQueue), RTE_CACHE_LINE_SIZE,
                                 static_cast<int>(socket));
  if (!mem) return -ENOMEM;
  dev->data->tx_queues[qid] = new (mem) TxQueue();
  return 0;
}

void rx_queue_release(rte_eth_dev* dev, uint16_t qid) { free_queue(dev->data->rx_queues[qid]); }
void tx_queue_release(rte_eth_dev* dev, uint16_t qid) { free_queue(dev->data->tx_queues[qid]); }

int link_update(rte_eth_dev*, int) { return 0; }
int noop(rte_eth_dev*) { return 0; }
int mtu_set(rte_eth_dev*, uint16_t) { return 0; }

int stats_get(rte_eth_dev* dev, rte_eth_stats* st) {
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
    if (auto* q = static_cast<RxQueue*>(dev->data->rx_queues[i])) {
      st->ipackets += q->packets;
      st->ibytes += q->bytes;
      st->rx_nombuf += q->nombuf;
      if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) st->q_ipackets[i] = q->packets;
    }
  }
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
    if (auto* q = static_cast<TxQueue*>(dev->data->tx_queues[i])) {
      st->opackets += q->packets;
      st->obytes += q->bytes;
      if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) st->q_opackets[i] = q->packets;
    }
  }
  return 0;
}

int stats_reset(rte_eth_dev* dev) {
  for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
    if (auto* q = static_cast<RxQueue*>(dev->data->rx_queues[i]))
      q->packets = q->bytes = q->nombuf = 0;
  }
  for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
    if (auto* q = static_cast<TxQueue*>(dev->data->tx_queues[i])) q->packets = q->bytes = 0;
  }
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
  return o;
}();

uint32_t get32(const uint8_t* p, bool swap) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

// Reads a classic pcap file (Ethernet link type) into *f. Returns an error
// text, empty on success.
std::string load_pcap(const std::string& path, int socket, Frames* f) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) return "cannot open " + path + ": " + std::strerror(errno);
  std::vector<uint8_t> buf;
  uint8_t hdr[24];
  std::string err;
  if (std::fread(hdr, 1, 24, in) != 24) err = path + ": not a pcap file (too short)";
  uint32_t magic = err.empty() ? get32(hdr, false) : 0;
  bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  if (err.empty() && !swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
    err = path + ": not a pcap file (bad magic)";
  if (err.empty() && get32(hdr + 20, swap) != 1) err = path + ": link type is not Ethernet";
  uint8_t rec[16];
  while (err.empty() && std::fread(rec, 1, 16, in) == 16) {
    uint32_t caplen = get32(rec + 8, swap);
    if (caplen < 14 || caplen > kMaxFrame) {
      err = path + ": a frame of " + std::to_string(caplen) + " bytes";
      break;
    }
    size_t at = buf.size();
    size_t slot = (caplen + kSlot - 1) / kSlot * kSlot;
    buf.resize(at + slot);
    if (std::fread(buf.data() + at, 1, caplen, in) != caplen) {
      err = path + ": truncated";
      break;
    }
    f->offset.push_back(static_cast<uint32_t>(at));
    f->length.push_back(static_cast<uint16_t>(caplen));
  }
  std::fclose(in);
  if (err.empty() && f->length.empty()) err = path + ": no frames";
  if (err.empty() && buf.size() > UINT32_MAX) err = path + ": more than 4 GB of frames";
  if (!err.empty()) return err;
  f->data = static_cast<uint8_t*>(rte_malloc_socket("replay_frames", buf.size(), kSlot, socket));
  if (!f->data) return "cannot allocate " + std::to_string(buf.size()) + " bytes for the frames";
  std::memcpy(f->data, buf.data(), buf.size());
  return "";
}

int kv_pcap(const char*, const char* value, void* opaque) {
  *static_cast<std::string*>(opaque) = value ? value : "";
  return 0;
}

int replay_probe(rte_vdev_device* vdev) {
  const char* name = rte_vdev_device_name(vdev);
  if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
    RTE_LOG(ERR, PMD, "%s: secondary processes are not supported\n", name);
    return -ENOTSUP;
  }
  std::string path;
  const char* params = rte_vdev_device_args(vdev);
  static const char* const kKeys[] = {"pcap", nullptr};
  rte_kvargs* kv = params ? rte_kvargs_parse(params, kKeys) : nullptr;
  if (kv) {
    rte_kvargs_process(kv, "pcap", kv_pcap, &path);
    rte_kvargs_free(kv);
  }
  if (path.empty()) {
    RTE_LOG(ERR, PMD, "%s: needs pcap=FILE (and no other argument)\n", name);
    return -EINVAL;
  }
  rte_eth_dev* dev = rte_eth_vdev_allocate(vdev, sizeof(Priv));
  if (!dev) return -ENOMEM;
  Priv* p = new (dev->data->dev_private) Priv();
  std::string err = load_pcap(path, vdev->device.numa_node, &p->frames);
  if (!err.empty()) {
    RTE_LOG(ERR, PMD, "%s: %s\n", name, err.c_str());
    p->~Priv();
    rte_eth_dev_release_port(dev);
    return -EINVAL;
  }
  auto* mac = static_cast<rte_ether_addr*>(rte_zmalloc(name, sizeof(rte_ether_addr), 0));
  if (!mac) {
    rte_free(p->frames.data);
    p->~Priv();
    rte_eth_dev_release_port(dev);
    return -ENOMEM;
  }
  rte_eth_random_addr(mac->addr_bytes);
  dev->data->mac_addrs = mac;
  dev->data->dev_link = {};
  dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_100G;
  dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
  dev->data->dev_link.link_autoneg = RTE_ETH_LINK_FIXED;
  dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
  dev->dev_ops = &kOps;
  dev->rx_pkt_burst = rx_burst;
  dev->tx_pkt_burst = tx_burst;
  rte_eth_dev_probing_finish(dev);
  RTE_LOG(INFO, PMD, "%s: replaying %zu frames of %s\n", name, p->frames.length.size(),
          path.c_str());
  return 0;
}

int replay_remove(rte_vdev_device* vdev) {
  // Closing releases the port (and its private data, emptied by dev_close).
  rte_eth_dev* dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
  return dev ? rte_eth_dev_close(dev->data->port_id) : 0;
}

}  // namespace

static rte_vdev_driver ferry_replay_driver = {.probe = replay_probe, .remove = replay_remove};
RTE_PMD_REGISTER_VDEV(net_ferry_replay, ferry_replay_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_ferry_replay, "pcap=<file>");
