#include "test/unit/offload/esw_fixture.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <thread>

#include "offload/eswitch-emu/eswitch_emu.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {

namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

Bytes from_mbuf(rte_mbuf* m) {
  auto* d = rte_pktmbuf_mtod(m, uint8_t*);
  Bytes b(d, d + m->data_len);
  return b;
}

}  // namespace

Bytes mac_bytes(const std::string& mac) {
  Bytes b(6);
  unsigned v[6];
  std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
  for (int i = 0; i < 6; i++) b[i] = static_cast<uint8_t>(v[i]);
  return b;
}

Bytes udp_frame(const std::string& dst, const std::string& src, const std::string& ip_src,
                const std::string& ip_dst, uint16_t sport, uint16_t dport, int vlan,
                uint32_t payload_seq) {
  Bytes f = mac_bytes(dst);
  Bytes s = mac_bytes(src);
  f.insert(f.end(), s.begin(), s.end());
  if (vlan >= 0) {
    f.insert(f.end(), {0x81, 0x00, static_cast<uint8_t>(vlan >> 8), static_cast<uint8_t>(vlan)});
  }
  f.insert(f.end(), {0x08, 0x00});
  uint8_t ip[20] = {0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0};
  inet_pton(AF_INET, ip_src.c_str(), ip + 12);
  inet_pton(AF_INET, ip_dst.c_str(), ip + 16);
  f.insert(f.end(), ip, ip + 20);
  uint8_t udp[8] = {static_cast<uint8_t>(sport >> 8),
                    static_cast<uint8_t>(sport),
                    static_cast<uint8_t>(dport >> 8),
                    static_cast<uint8_t>(dport),
                    0,
                    12,
                    0,
                    0};
  f.insert(f.end(), udp, udp + 8);
  uint32_t seq = htonl(payload_seq);
  auto* p = reinterpret_cast<uint8_t*>(&seq);
  f.insert(f.end(), p, p + 4);
  return f;
}

EswFixture::EswFixture(const std::string& name, unsigned vfs, const std::string& extra)
    : name_(name), vfs_(vfs) {
  if (!ensure_eal(&error_)) return;
  std::string devargs = name + ",vfs=" + std::to_string(vfs) + ",uplink=ring" + extra;
  int rc = rte_dev_probe(devargs.c_str());
  if (rc) {
    error_ = "probe " + devargs + ": " + rte_strerror(-rc);
    return;
  }
  pool_ = rte_pktmbuf_pool_create((name.substr(10) + "_t").c_str(), 4095, 0, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (!pool_) {
    error_ = "no test pool";
    return;
  }
  for (unsigned i = 0; i <= vfs; i++) {
    std::string vp = i == 0 ? "pf" : "vf" + std::to_string(i - 1);
    std::string match = i == 0 ? name : name + ",representor=vf" + std::to_string(i - 1);
    uint16_t id = 0xffff, pid;
    rte_dev_iterator it;
    if (i == 0) {
      rte_eth_dev_get_port_by_name(name.c_str(), &id);
    } else {
      RTE_ETH_FOREACH_MATCHING_DEV(pid, match.c_str(), &it) {
        id = pid;
        rte_eth_iterator_cleanup(&it);
        break;
      }
    }
    if (id == 0xffff) {
      error_ = "no port for " + match;
      return;
    }
    rte_eth_conf conf{};
    if (rte_eth_dev_configure(id, 1, 1, &conf) ||
        rte_eth_rx_queue_setup(id, 0, 512, 0, nullptr, pool_) ||
        rte_eth_tx_queue_setup(id, 0, 512, 0, nullptr) || rte_eth_dev_start(id)) {
      error_ = "cannot start port " + std::to_string(id);
      return;
    }
    ports_.push_back(id);
    in_.push_back(rte_ring_lookup(esw::ring_name(name, vp, true).c_str()));
    out_.push_back(rte_ring_lookup(esw::ring_name(name, vp, false).c_str()));
    if (!in_.back() || !out_.back()) error_ = "no rings for " + vp;
  }
}

EswFixture::~EswFixture() {
  if (!ports_.empty()) {
    rte_eth_dev_info info;
    rte_eth_dev_info_get(ports_[0], &info);
    for (uint16_t id : ports_) rte_eth_dev_stop(id);
    for (uint16_t id : ports_) rte_eth_dev_close(id);
    if (info.device) rte_dev_remove(info.device);
  }
  if (pool_) rte_mempool_free(pool_);
}

size_t EswFixture::index(const std::string& vport) const {
  if (vport == "pf") return 0;
  return 1 + std::stoul(vport.substr(2));
}

uint16_t EswFixture::port(const std::string& vport) const { return ports_.at(index(vport)); }

void EswFixture::far_send(const std::string& vport, const Bytes& frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(),
              frame.size());
  if (rte_ring_enqueue(in_.at(index(vport)), m) != 0)
    rte_pktmbuf_free(m);
  else
    sent_++;
}

std::vector<Bytes> EswFixture::far_recv(const std::string& vport, size_t n) {
  std::vector<Bytes> got;
  auto end = std::chrono::steady_clock::now() + kDeadline;
  while (got.size() < n && std::chrono::steady_clock::now() < end) {
    void* m;
    if (rte_ring_dequeue(out_.at(index(vport)), &m) == 0) {
      got.push_back(from_mbuf(static_cast<rte_mbuf*>(m)));
      rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return got;
}

std::vector<Bytes> EswFixture::far_take(const std::string& vport) {
  settle();
  std::vector<Bytes> got;
  void* m;
  while (rte_ring_dequeue(out_.at(index(vport)), &m) == 0) {
    got.push_back(from_mbuf(static_cast<rte_mbuf*>(m)));
    rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  return got;
}

std::vector<Bytes> EswFixture::host_recv(const std::string& vport, size_t n,
                                         std::vector<uint32_t>* marks) {
  std::vector<Bytes> got;
  auto end = std::chrono::steady_clock::now() + kDeadline;
  while (got.size() < n && std::chrono::steady_clock::now() < end) {
    rte_mbuf* pkts[32];
    uint16_t k = rte_eth_rx_burst(port(vport), 0, pkts, 32);
    for (uint16_t i = 0; i < k; i++) {
      got.push_back(from_mbuf(pkts[i]));
      if (marks)
        marks->push_back((pkts[i]->ol_flags & RTE_MBUF_F_RX_FDIR_ID) ? pkts[i]->hash.fdir.hi : 0);
      rte_pktmbuf_free(pkts[i]);
    }
    if (!k) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return got;
}

std::vector<Bytes> EswFixture::host_take(const std::string& vport) {
  settle();
  std::vector<Bytes> got;
  rte_mbuf* pkts[32];
  uint16_t k;
  while ((k = rte_eth_rx_burst(port(vport), 0, pkts, 32)) > 0) {
    for (uint16_t i = 0; i < k; i++) {
      got.push_back(from_mbuf(pkts[i]));
      rte_pktmbuf_free(pkts[i]);
    }
  }
  return got;
}

void EswFixture::host_send(const std::string& vport, const Bytes& frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(),
              frame.size());
  if (rte_eth_tx_burst(port(vport), 0, &m, 1) != 1) rte_pktmbuf_free(m);
}

uint64_t EswFixture::xstat(const std::string& name) const {
  uint64_t id, value = ~0ull;
  if (rte_eth_xstats_get_id_by_name(ports_.at(0), name.c_str(), &id) == 0)
    rte_eth_xstats_get_by_id(ports_.at(0), &id, &value, 1);
  return value;
}

void EswFixture::settle() {
  // Every frame sent was taken and processed by the switch thread.
  auto end = std::chrono::steady_clock::now() + kDeadline;
  while (xstat(esw::kXstatFarRxPackets) < sent_ && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
}

}  // namespace ferry::test
