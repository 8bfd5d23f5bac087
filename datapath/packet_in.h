// Packet-ins from the datapath: a kPacketIn action (datapath/xlate.h) makes
// a copy of the packet as it is, prefixed with the pipeline's state at the
// controller action, that goes to the control thread (an Upcall::kPacketIn)
// for the bridge's OpenFlow connections. The record is plain bytes in the
// mbuf: [PacketInRecord][userdata][continuation][packet]; the continuation
// (a paused walk's, n_cont Actions: kDataContSegment and the actions of each
// segment) is empty unless the controller action paused.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/flow/action.h"

struct rte_mbuf;
struct rte_mempool;

namespace ferry {

struct PacketInRecord {
  uint8_t reason;  // PacketInReason
  uint8_t table_id;
  uint16_t controller_id;
  uint16_t userdata_len;
  uint16_t n_cont;  // continuation actions
  uint32_t in_port;
  uint32_t pkt_mark;
  uint64_t cookie;
  uint64_t metadata;
  uint32_t regs[16];
};
static_assert(sizeof(PacketInRecord) == 96, "PacketInRecord is 96 bytes");

// A new mbuf from pool holding the record for `pi` (a kPacketIn followed
// by at least pi->n_data() kData, `avail` actions in all from pi) and m's
// bytes; nullptr when the pool is empty or it does not fit one buffer.
rte_mbuf* build_packet_in(rte_mempool* pool, const rte_mbuf* m, const Action* pi, size_t avail);

struct PacketInView {
  PacketInRecord rec;
  const uint8_t* userdata = nullptr;
  const Action* cont = nullptr;  // rec.n_cont of them (unaligned: copy before use)
  const uint8_t* packet = nullptr;
  size_t packet_len = 0;
};

// Reads a record built by build_packet_in (false: malformed).
bool parse_packet_in(const rte_mbuf* m, PacketInView* out);

}  // namespace ferry
