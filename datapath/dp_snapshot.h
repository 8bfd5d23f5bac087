// What PMD threads read: an immutable picture of bridges, ports and rx-queue
// assignments, published by the control thread under RCU. A PMD loads it
// once per loop iteration and never keeps a pointer past its next
// quiescent state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datapath/conversion.h"
#include "datapath/fdb_snapshot.h"
#include "datapath/meter.h"
#include "datapath/vlan_config.h"
#include "lib/flow/classifier.h"
#include "lib/flow/group.h"
#include "lib/packet/tunnel_header.h"

namespace ferry {

class MegaflowCache;
struct MirrorSnapshot;
class RecircTable;
namespace ct {
class Conntrack;
}
class Port;
struct TunnelPort;
struct TunnelSnapshot;
class TunnelXlate;

constexpr unsigned kMaxDpPorts = 64;  // >= RTE_MAX_ETHPORTS
// Tunnel ports have no DPDK device: their ids follow the devices'.
constexpr unsigned kMaxTunnelPorts = 64;
constexpr unsigned kMaxSnapPorts = kMaxDpPorts + kMaxTunnelPorts;
constexpr unsigned kMaxBridges = 64;

struct DpPort {
  uint16_t port_id = 0;  // DPDK port id
  uint32_t ofport = 0;
  uint16_t bridge = 0;   // index into DpSnapshot::bridges
  Port* port = nullptr;  // for tx queue count and locks
  VlanConfig vlan;
  std::string name;
  std::vector<std::pair<uint16_t, int>> rxq_affinity;  // queue -> core
  // An uplink (ferry-role=uplink): NORMAL never floods a frame from one
  // uplink to another (split horizon), so a host with uplinks to several
  // fabric switches is never a transit switch and never closes a loop.
  bool uplink = false;
  // "Simple match": when the bridge's answer for frames from this port
  // depends on the port alone (only rules on in_port in reach, no
  // conversion, no move detection), the pipeline skips key extraction and
  // lookup and applies this answer to the whole burst.
  bool simple = false;
  const Rule* simple_rule = nullptr;  // nullptr: every frame is a table miss
  bool simple_batchable = false;      // the actions need no flow key
  // A tunnel port (no device): an output encapsulates (datapath/tunnel_io.h).
  std::shared_ptr<const TunnelPort> tunnel;
  // An internal port while tunnels exist: an output of a tunnel packet for a
  // local address decapsulates it; copies of ARP frames teach tnl/neigh.
  bool tnl_terminate = false;
  // Some mirror outputs here: NORMAL never floods or forwards to it (what
  // arrives here is dropped by the translation).
  bool mirror_out = false;
  bool special() const { return tunnel || tnl_terminate; }
};

struct DpBridge {
  std::string name;
  uint16_t slot = 0;  // stable identity of the bridge while it exists
  std::shared_ptr<const Classifier> classifier;
  std::shared_ptr<const FdbSnapshot> fdb;
  std::shared_ptr<const ConversionSnapshot> conversions;
  std::shared_ptr<const MeterSnapshot> meters;
  std::shared_ptr<const GroupSnapshot> groups;  // with the ports' liveness
  // Changes with the classifier, the conversions or the groups: megaflows
  // cached under another generation are stale.
  uint64_t generation = 0;
  bool mac_learning = true;
  bool flood_unknown = true;  // unknown unicast floods (off on fabric bridges)
  bool forward_bpdu = false;
  bool move_detect = false;  // flow-table misses go to the control thread (move-detect/enable)
  bool watch_garp = false;   // copies of GARP/RARP frames go to the control thread
  bool packet_in_on_miss = false;  // a table miss goes to the controllers (XlateParams)
  bool fail_open = false;          // every packet: NORMAL (OVS's fail-open flow)
  std::vector<uint16_t> ports;     // member DPDK port ids, by ofport
  std::vector<int32_t> by_ofport;  // ofport -> DPDK port id, -1 when none
  int32_t local_port = -1;         // the LOCAL (internal) port's DPDK id
  // Ports whose output needs the packet's key (DpPort::special(): tunnel
  // ports, an underlay's internal ports): a rule outputting there is never
  // executed as a batch.
  std::vector<uint32_t> special_ofports;
  std::vector<MegaflowCache*> caches;   // one per PMD, by PMD index
  std::shared_ptr<RecircTable> recirc;  // the bridge's recirculation ids (datapath/recirc.h)
  // Set when the bridge has tunnel ports: their encapsulation, translated.
  std::shared_ptr<const TunnelXlate> tunnel_xlate;
  // The Geneve option tun_metadata0 stands for (the bridge's TLV map).
  GeneveOptMap tun_md0;
  // Port mirrors (datapath/mirror.h); nullptr: none. Part of the generation.
  std::shared_ptr<const MirrorSnapshot> mirrors;

  bool is_special(uint32_t ofport) const {
    for (uint32_t p : special_ofports) {
      if (p == ofport) return true;
    }
    return false;
  }
  int32_t port_of(uint32_t ofport) const {
    if (ofport == 0xfffe) return local_port;
    return ofport < by_ofport.size() ? by_ofport[ofport] : -1;
  }
};

struct RxqRef {
  uint16_t port_id;
  uint16_t queue;
  // Poll every 2^poll_shift-th iteration: kernel-backed ports (net_tap, for
  // internal ports) cost a system call per poll, so a busy PMD visits them
  // less often.
  uint8_t poll_shift = 0;
};

struct DpSnapshot {
  uint64_t version = 0;
  std::vector<DpBridge> bridges;
  // By DPDK port id (tunnel ports: kMaxDpPorts and up); nullptr = not in a bridge.
  std::array<const DpPort*, kMaxSnapPorts> ports{};
  std::vector<std::unique_ptr<DpPort>> port_storage;
  std::vector<std::vector<RxqRef>> pmd_rxqs;      // by PMD index
  uint32_t emc_insert_inv_prob = 100;             // 0: no exact-match cache
  int64_t max_idle_ms = 10000;                    // megaflows unused this long are removed
  ct::Conntrack* conntrack = nullptr;             // the datapath's tracker (ct actions)
  std::shared_ptr<const TunnelSnapshot> tunnels;  // routes, neighbours, tunnel ports
};

}  // namespace ferry
