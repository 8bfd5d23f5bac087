// DPDK's net_af_packet joins each of its packet sockets to a fanout group
// with PACKET_FANOUT_FLAG_DEFRAG (DPDK 22.11, whatever the queue count), so
// the kernel reassembles IPv4 fragments before the port sees them: a
// datagram larger than the interface's MTU, that no port can send (every
// fragmented IPv4 packet through a system port was lost). OVS's system
// ports read frames as they crossed the interface.
//
// Ferry's executables define setsockopt() (exported to the dynamically
// loaded PMDs, -Wl,--export-dynamic-symbol=setsockopt) and clear that one
// flag of a PACKET_FANOUT request; every other call goes to the kernel
// unchanged. The fanout (hash, rollover) stays.
#pragma once

#include <cstdint>

namespace ferry {

// How many PACKET_FANOUT requests had PACKET_FANOUT_FLAG_DEFRAG cleared
// in this process.
uint64_t af_packet_defrag_cleared();

}  // namespace ferry
