#include "datapath/port.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "datapath/mbuf_pools.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(port_log, "port");

namespace ferry {

namespace {

std::optional<uint16_t> port_by_devargs(const std::string& devargs) {
  // By device name first (the part before the first comma), then by
  // matching the devargs against every port, as netdev-dpdk does.
  // A representor ("<device>,representor=vf1") shares its device's name
  // with the device's first port: only the matching finds it.
  std::string name = devargs.substr(0, devargs.find(','));
  uint16_t id;
  if (devargs.find(",representor=") == std::string::npos &&
      rte_eth_dev_get_port_by_name(name.c_str(), &id) == 0 && rte_eth_dev_is_valid_port(id))
    return id;
  rte_dev_iterator it;
  RTE_ETH_FOREACH_MATCHING_DEV(id, devargs.c_str(), &it) {
    rte_eth_iterator_cleanup(&it);
    return id;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PcapReplay> pcap_replay_needs(const std::string& devargs) {
  if (devargs.rfind("net_pcap", 0) != 0 || devargs.find("infinite_rx=1") == std::string::npos)
    return std::nullopt;
  size_t at = devargs.find("rx_pcap=");
  if (at == std::string::npos) return std::nullopt;
  std::string path = devargs.substr(at + 8, devargs.find(',', at) - at - 8);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  PcapReplay r;
  uint8_t hdr[24];
  if (std::fread(hdr, 1, 24, f) == 24) {
    // Magic a1b2c3d4 (or a1b23c4d, ns): d4/4d first when written little-endian.
    bool little = hdr[0] == 0xd4 || hdr[0] == 0x4d;
    uint8_t rec[16];
    while (std::fread(rec, 1, 16, f) == 16) {
      uint32_t caplen;
      std::memcpy(&caplen, rec + 8, 4);
      if (!little) caplen = __builtin_bswap32(caplen);
      if (caplen > 65535 || std::fseek(f, caplen, SEEK_CUR) != 0) break;
      r.frames++;
      r.max_len = std::max(r.max_len, caplen);
    }
  }
  std::fclose(f);
  if (r.frames == 0) return std::nullopt;
  return r;
}

Result<uint16_t> find_or_probe_port(const std::string& devargs, bool* probed) {
  *probed = false;
  if (devargs.empty()) return make_error("options:dpdk-devargs is required", EINVAL);
  if (auto id = port_by_devargs(devargs)) return *id;
  int err = rte_dev_probe(devargs.c_str());
  if (err < 0) {
    return make_error(
        strprintf("Error attaching device '%s' to DPDK: %s", devargs.c_str(), rte_strerror(-err)),
        -err);
  }
  *probed = true;
  if (auto id = port_by_devargs(devargs)) return *id;
  return make_error("device '" + devargs + "' was probed but has no ethernet port", ENODEV);
}

Result<std::unique_ptr<Port>> Port::open(
    const PortSpec& spec, MbufPools& pools,
    const std::vector<std::pair<uint16_t, std::string>>& in_use) {
  bool probed = false;
  auto id = find_or_probe_port(spec.devargs, &probed);
  if (!id) return id.error();
  for (const auto& [used, owner] : in_use) {
    if (used == *id) {
      return make_error(strprintf("device '%s' is already in use by interface %s",
                                  spec.devargs.c_str(), owner.c_str()),
                        EBUSY);
    }
  }
  std::unique_ptr<Port> p(new Port());
  p->spec_ = spec;
  p->probed_by_us_ = probed;
  for (auto& l : p->txq_locks_) rte_spinlock_init(&l);
  p->id_ = *id;
  Status st = p->configure(pools);
  if (!st.ok()) return st.error();
  return p;
}

Status Port::configure(MbufPools& pools) {
  rte_eth_dev_info info;
  int err = rte_eth_dev_info_get(id_, &info);
  if (err) return make_error(strprintf("cannot get device info: %s", rte_strerror(-err)), -err);
  int socket = rte_eth_dev_socket_id(id_);
  numa_ = socket < 0 ? 0 : socket;
  auto pool = pools.get(numa_);
  if (!pool) return pool.error();
  // A pcap replay port (net_pcap, infinite_rx) keeps every frame of its file
  // in an mbuf: give it a pool of its own, sized to the file.
  if (auto need = pcap_replay_needs(spec_.devargs)) {
    auto own = pools.get_sized(numa_, need->frames + 8192, need->max_len);
    if (!own) return own.error();
    pool = own;
  }

  uint16_t want_rxq = std::clamp<uint16_t>(spec_.n_rxq, 1, kMaxQueues);
  uint16_t rxq = std::min<uint16_t>(want_rxq, std::max<uint16_t>(info.max_rx_queues, 1));
  uint16_t txq = std::min<uint16_t>(std::clamp<uint16_t>(spec_.n_txq, 1, kMaxQueues),
                                    std::max<uint16_t>(info.max_tx_queues, 1));
  if (rxq < want_rxq) {
    FLOG_WARN(port_log, "%s: device supports %u rx queues, using %u of the %u asked for",
              spec_.name.c_str(), info.max_rx_queues, rxq, want_rxq);
  }
  // net_tap needs as many tx as rx queues; extra senders share them.
  if (info.driver_name && std::strcmp(info.driver_name, "net_tap") == 0) txq = rxq;
  // net_vhost serves queue pairs: no more tx queues than the guest's pairs.
  if (info.driver_name && std::strcmp(info.driver_name, "net_vhost") == 0) txq = std::min(txq, rxq);
  rte_eth_conf conf;
  std::memset(&conf, 0, sizeof conf);
  if (spec_.mtu) conf.rxmode.mtu = *spec_.mtu;

  // Retry with fewer queues when the device refuses, as OVS does.
  for (;;) {
    err = rte_eth_dev_configure(id_, rxq, txq, &conf);
    if (err == 0) break;
    if (txq > 1) {
      txq = static_cast<uint16_t>(txq / 2);
    } else if (rxq > 1) {
      rxq = static_cast<uint16_t>(rxq / 2);
    } else {
      return make_error(
          strprintf("Interface %s configure error: %s", spec_.name.c_str(), rte_strerror(-err)),
          -err);
    }
    FLOG_INFO(port_log, "%s: retrying setup with (rxq:%u txq:%u)", spec_.name.c_str(), rxq, txq);
  }
  uint16_t nrxd = spec_.n_rxd, ntxd = spec_.n_txd;
  rte_eth_dev_adjust_nb_rx_tx_desc(id_, &nrxd, &ntxd);
  for (uint16_t q = 0; q < rxq; q++) {
    err = rte_eth_rx_queue_setup(id_, q, nrxd, static_cast<unsigned>(numa_), nullptr, *pool);
    if (err)
      return make_error(strprintf("rx queue %u setup failed: %s", q, rte_strerror(-err)), -err);
  }
  for (uint16_t q = 0; q < txq; q++) {
    err = rte_eth_tx_queue_setup(id_, q, ntxd, static_cast<unsigned>(numa_), nullptr);
    if (err)
      return make_error(strprintf("tx queue %u setup failed: %s", q, rte_strerror(-err)), -err);
  }
  rte_eth_promiscuous_enable(id_);  // not every PMD supports it; a switch port wants it
  err = rte_eth_dev_start(id_);
  if (err) return make_error(strprintf("cannot start device: %s", rte_strerror(-err)), -err);
  started_ = true;
  drain_rx(rxq);
  n_rxq_ = rxq;
  n_txq_ = txq;
  uint16_t mtu = 0;
  if (rte_eth_dev_get_mtu(id_, &mtu) == 0 && mtu) mtu_ = mtu;
  FLOG_INFO(port_log, "%s: port %u (%s) started: %u rxq, %u txq%s, socket %d", spec_.name.c_str(),
            id_, driver_name().c_str(), rxq, txq, txq_shared() ? " (shared)" : "", numa_);
  return {};
}

void Port::drain_rx(uint16_t n_rxq) {
  // A packet socket (net_af_packet) receives from every interface between
  // its creation and its bind, so a new port can hold frames that never
  // crossed it. Nothing that arrived before the port joins a bridge is
  // forwarded: discard it.
  rte_mbuf* pkts[32];
  unsigned discarded = 0;
  for (uint16_t q = 0; q < n_rxq; q++) {
    for (int i = 0; i < 64; i++) {
      uint16_t n = rte_eth_rx_burst(id_, q, pkts, 32);
      if (n == 0) break;
      rte_pktmbuf_free_bulk(pkts, n);
      discarded += n;
    }
  }
  if (discarded)
    FLOG_DBG(port_log, "%s: discarded %u frames queued before start", spec_.name.c_str(),
             discarded);
}

Status Port::reconfigure(const PortSpec& spec, MbufPools& pools) {
  if (spec == spec_) return {};
  if (started_) rte_eth_dev_stop(id_);
  started_ = false;
  spec_ = spec;
  return configure(pools);
}

Port::~Port() {
  if (started_) rte_eth_dev_stop(id_);
  if (!probed_by_us_) return;  // leave devices the EAL probed at start alone
  rte_eth_dev_info info;
  rte_device* dev = rte_eth_dev_info_get(id_, &info) == 0 ? info.device : nullptr;
  rte_eth_dev_close(id_);
  if (!dev) return;
  bool siblings = false;
  uint16_t other;
  RTE_ETH_FOREACH_DEV_OF(other, dev) siblings = true;
  if (!siblings) {
    int err = rte_dev_remove(dev);
    if (err)
      FLOG_WARN(port_log, "%s: cannot detach device: %s", spec_.name.c_str(), rte_strerror(-err));
  }
}

Mac Port::mac() const {
  rte_ether_addr a;
  Mac m{};
  if (rte_eth_macaddr_get(id_, &a) == 0) std::memcpy(m.data(), a.addr_bytes, 6);
  return m;
}

PortLink Port::link() const {
  rte_eth_link l;
  std::memset(&l, 0, sizeof l);
  PortLink out;
  if (rte_eth_link_get_nowait(id_, &l) == 0) {
    out.up = l.link_status == RTE_ETH_LINK_UP;
    out.speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
    out.full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
  }
  // net_af_packet and net_pcap report their link up whatever the
  // interface's carrier: a packet-socket port is as up as its kernel
  // interface (as OVS's system ports are), so a peer gone down shows as
  // link_state down.
  if (out.up) {
    if (auto carrier = kernel_carrier(spec_.devargs)) out.up = *carrier;
  }
  return out;
}

std::string system_port_devargs(const std::string& iface) {
  return "net_af_packet_" + iface + ",iface=" + iface + ",framecnt=4096";
}

std::string kernel_iface(const std::string& devargs) {
  const char* key = nullptr;
  if (devargs.rfind("net_af_packet", 0) == 0) key = ",iface=";
  if (devargs.rfind("net_pcap", 0) == 0) key = ",rx_iface_in=";
  if (!key) return "";
  size_t at = devargs.find(key);
  if (at == std::string::npos) return "";
  std::string iface = devargs.substr(at + std::strlen(key));
  return iface.substr(0, iface.find(','));
}

std::optional<bool> kernel_carrier(const std::string& devargs) {
  std::string iface = kernel_iface(devargs);
  if (iface.empty() || iface.size() >= IFNAMSIZ) return std::nullopt;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, iface.data(), iface.size());
  int rc = ::ioctl(fd, SIOCGIFFLAGS, &ifr);
  ::close(fd);
  if (rc != 0) return false;  // the interface is gone
  return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

PortHwStats Port::hw_stats() const {
  rte_eth_stats s;
  PortHwStats out;
  if (rte_eth_stats_get(id_, &s) == 0) {
    out.rx_packets = s.ipackets;
    out.rx_bytes = s.ibytes;
    out.rx_missed = s.imissed;
    out.rx_errors = s.ierrors;
    out.rx_nombuf = s.rx_nombuf;
    out.tx_packets = s.opackets;
    out.tx_bytes = s.obytes;
    out.tx_errors = s.oerrors;
  }
  return out;
}

std::string Port::driver_name() const {
  rte_eth_dev_info info;
  if (rte_eth_dev_info_get(id_, &info) == 0 && info.driver_name) return info.driver_name;
  return "";
}

}  // namespace ferry
