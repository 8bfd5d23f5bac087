// Overlay tunnels (VXLAN, Geneve) in OVS-DPDK's userspace model: a tunnel
// port is a virtual bridge port with no device; its underlay is the IP
// address of a bridge's internal port (br-phy), reached through that
// bridge's pipeline. What PMDs read is one immutable TunnelSnapshot per
// datapath snapshot: routes (ovs/route), neighbours (tnl/neigh), the local
// addresses and the tunnel ports. Encapsulation and decapsulation are in
// tunnel_io.h; the control side (options, tables, commands) in
// tunnel_table.h.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/packet/flow_key.h"
#include "lib/packet/tunnel_header.h"
#include "lib/util/result.h"

namespace ferry {

struct DpPort;

enum class TunnelType : uint8_t { kVxlan, kGeneve };

constexpr uint16_t kVxlanPort = 4789;
constexpr uint16_t kGenevePort = 6081;

// A tunnel port's Interface.options, as OVS spells them.
struct TunnelConfig {
  TunnelType type = TunnelType::kVxlan;
  uint32_t remote_ip = 0;  // network order; 0 with remote_flow
  bool remote_flow = false;
  uint32_t local_ip = 0;  // network order; 0: the route's source
  bool local_flow = false;
  uint64_t key = 0;  // host order (the VNI, 24 bits)
  bool in_key_flow = false, out_key_flow = false;
  uint16_t dst_port = kVxlanPort;  // host order
  uint8_t tos = 0;
  bool tos_inherit = false;
  uint8_t ttl = 64;
  bool ttl_inherit = false;
  bool df = true;     // df_default
  bool csum = false;  // outer UDP checksum

  bool operator==(const TunnelConfig&) const = default;
};

bool is_tunnel_type(const std::string& type);
const char* tunnel_type_name(TunnelType t);
// The options of an Interface of type "vxlan" or "geneve"; an error names
// the option that is wrong.
Result<TunnelConfig> parse_tunnel_options(const std::string& type,
                                          const std::map<std::string, std::string>& options);

struct TnlRoute {
  uint32_t prefix = 0;  // network order, masked
  uint8_t plen = 0;
  uint32_t gw = 0;   // network order; 0: on link
  uint32_t src = 0;  // network order: the source address on that device
  std::string dev;   // the internal port's name (a bridge's LOCAL)
  bool user = false;
  uint16_t bridge = 0;          // snapshot bridge index of the device (snapshot only)
  const DpPort* via = nullptr;  // the device's DpPort (snapshot only)
  Mac mac{};                    // the device's MAC: the outer source (snapshot only)
};

struct TnlNeigh {
  uint32_t ip = 0;  // network order
  Mac mac{};
  std::string dev;
  bool is_static = false;
  int64_t expires_ms = 0;  // learned entries
};

// What PMDs read.
struct TunnelSnapshot {
  std::vector<TnlRoute> routes;                     // longest prefix first
  std::vector<TnlNeigh> neighbours;                 // few: a linear scan
  std::vector<uint32_t> local_ips;                  // addresses of internal ports (network order)
  std::vector<const DpPort*> ports;                 // the tunnel ports, for decapsulation
  std::vector<uint16_t> udp_ports;                  // their dst_port values (host order), distinct
  uint16_t egress_min = 32768, egress_max = 61000;  // tnl/egress_port_range

  const TnlRoute* route(uint32_t dst) const;
  const TnlNeigh* neighbour(uint32_t ip) const;
  bool is_local(uint32_t ip) const;
  bool is_tunnel_udp_port(uint16_t port_be) const;
};

// Where an encapsulation goes (OVS's tnl_port_send route and neighbour
// look-ups): the destination (the port's remote_ip, or the packet's tun_dst
// with remote_ip=flow), its route through a bridge's port and the next
// hop's neighbour.
struct EncapPath {
  uint32_t dst = 0;                 // network order
  uint32_t hop = 0;                 // network order: the gateway, or dst on link; 0: no route
  const TnlRoute* route = nullptr;  // nullptr: no route (or not through a bridge's port)
  const TnlNeigh* neigh = nullptr;  // the hop's; nullptr: not known (yet)
};
// ts may be null (no tunnels: no route); tun_dst is the packet's (network order).
EncapPath resolve_encap(const TunnelSnapshot* ts, const TunnelConfig& cfg, uint32_t tun_dst);

// The outer headers of an encapsulation (Ethernet, IPv4, UDP, VXLAN or
// Geneve without options): what a route, a neighbour and a port's options
// decide. The IPv4 total length and checksum, the UDP length and source
// port are left zero: they depend on the packet (tunnel_io.h fills them).
struct OuterHeader {
  Mac dst{}, src{};
  uint32_t ip_src = 0, ip_dst = 0;  // network order
  uint8_t tos = 0, ttl = 64;
  bool df = true;
  uint16_t dst_port = kVxlanPort;
  TunnelType type = TunnelType::kVxlan;
  uint32_t vni = 0;
  GeneveOptMap opt;  // Geneve: the option tun_metadata0 becomes (len 0: none)
  uint64_t opt_value = 0;
};
constexpr uint32_t kOuterHeaderLen = 14 + 20 + 8 + 8;  // without Geneve options
constexpr uint32_t kMaxOuterHeaderLen = kOuterHeaderLen + 4 + 124;
// Writes the header (at most kMaxOuterHeaderLen bytes); returns its length.
uint32_t write_outer_header(const OuterHeader& h, uint8_t* out);

// The header for a packet (key) leaving through a port with these options
// to dst over route r to neighbour n (OVS's tnl_port_send rules: options
// first, inherit and flow where they say so); md0: what tun_metadata0
// stands for on the port's bridge (a present tun_metadata0 becomes that
// Geneve option).
OuterHeader outer_header(const TunnelConfig& cfg, const TnlRoute& r, const TnlNeigh& n,
                         uint32_t dst, const FlowKey& key, const GeneveOptMap& md0);

// OVS's text of a translated kTnlPush and its kData (avail actions from
// a): "tnl_push(tnl_port(3),header(size=50,type=4,eth(...),ipv4(...),
// udp(...),vxlan(flags=0x8000000,vni=0x64)),out_port(65534))".
struct Action;
std::string format_tnl_push(const Action* a, size_t avail);

// A tunnel port as the snapshot holds it.
struct TunnelPort {
  TunnelConfig cfg;
  std::string name;
};

}  // namespace ferry
