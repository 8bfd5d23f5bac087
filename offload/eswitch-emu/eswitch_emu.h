// Names a user of the emulated NIC (net_ferry_esw) needs: its xstats and
// the rings of "ring" backends. See esw_ethdev.cc for the devargs.
#pragma once

#include <string>

namespace ferry::esw {

constexpr const char* kXstatFarRxPackets = "esw_far_rx_packets";       // from wire/guests
constexpr const char* kXstatSwitchedPackets = "esw_switched_packets";  // no host involved
constexpr const char* kXstatToHostPackets = "esw_to_host_packets";
constexpr const char* kXstatMissPackets = "esw_miss_packets";
constexpr const char* kXstatHeldPackets = "esw_held_packets";

// The ring a test writes to act as the wire ("pf") or a guest ("vf0" ...)
// (in = true), or reads what the NIC delivered to it (in = false).
std::string ring_name(const std::string& device, const std::string& vport, bool in);

}  // namespace ferry::esw

// Referenced by whoever links the driver in, so the linker keeps it.
extern "C" int ferry_esw_linked(void);
