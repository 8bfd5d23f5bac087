// The control thread's tunnel tables, as OVS's ovs-router and
// tnl-neigh-cache: routes (cached ones from the addresses of internal
// ports, user ones from ovs/route/add) and neighbours (tnl/neigh/set,
// learned from ARP frames sent to an internal port). The Datapath turns
// them into a TunnelSnapshot with every commit (datapath/tunnel.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datapath/tunnel.h"
#include "lib/util/result.h"

namespace ferry {

// An IPv4 address of an internal port (the underlay's source addresses).
struct LocalAddress {
  std::string dev;
  uint32_t addr = 0;  // network order
  uint8_t plen = 32;
  bool operator==(const LocalAddress&) const = default;
};

class TunnelTable {
 public:
  static constexpr int64_t kDefaultAgingMs = 900000;  // as OVS's NEIGH_ENTRY_DEFAULT_IDLE_TIME

  // "IP/PLEN DEV [GW]": an error names what is wrong. The route's source is
  // the device's address in the gateway's (or the destination's) subnet.
  Status add_route(const std::string& cidr, const std::string& dev, const std::string& gw);
  Status del_route(const std::string& cidr);
  // The routes cached from the internal ports' addresses; true when changed.
  bool set_local_addresses(std::vector<LocalAddress> addrs);
  const std::vector<LocalAddress>& local_addresses() const { return local_; }
  // Every route, longest prefix first (user before cached at equal length).
  std::vector<TnlRoute> routes() const;
  std::string show_routes() const;                          // ovs/route/show
  Result<std::string> lookup(const std::string& ip) const;  // ovs/route/lookup

  Status set_neigh(const std::string& dev, const std::string& ip, const std::string& mac,
                   int64_t now_ms);
  // A neighbour seen in an ARP frame (kept for aging_ms); true when new or changed.
  bool learn_neigh(const std::string& dev, uint32_t ip, const Mac& mac, int64_t now_ms);
  void flush_neigh() { neigh_.clear(); }
  bool expire(int64_t now_ms);  // drops aged learned entries; true when any went
  std::vector<TnlNeigh> neighbours() const { return neigh_; }
  std::string show_neigh(int64_t now_ms) const;  // tnl/neigh/show
  int64_t aging_ms() const { return aging_ms_; }
  void set_aging_ms(int64_t ms) { aging_ms_ = ms; }

  uint16_t egress_min = 32768, egress_max = 61000;  // tnl/egress_port_range

 private:
  std::vector<TnlRoute> user_;
  std::vector<LocalAddress> local_;
  std::vector<TnlNeigh> neigh_;
  int64_t aging_ms_ = kDefaultAgingMs;
};

// "a.b.c.d"
std::string format_ipv4(uint32_t be);

}  // namespace ferry
