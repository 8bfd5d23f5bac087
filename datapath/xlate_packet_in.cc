#include "datapath/xlate_packet_in.h"

#include <cstring>

namespace ferry {

size_t packet_in_actions(const Action& a, const Action* data, size_t n_data, const OfKey& flow,
                         const PacketInAt& at, Action* buf, size_t cap) {
  Action p = a;
  p.type = ActionType::kPacketIn;
  p.flags = a.type == ActionType::kController ? (a.flags & Action::kPause) : 0;
  if (a.type == ActionType::kOutput) {
    p.u8 = static_cast<uint8_t>(at.output_reason);
    p.port = 0;
  }
  if (static_cast<PacketInReason>(p.u8) == PacketInReason::kAction && at.table_miss_rule) {
    p.u8 = static_cast<uint8_t>(PacketInReason::kExplicitMiss);  // as OVS
  }
  const uint16_t ud_len = a.type == ActionType::kController ? a.userdata_len() : 0;
  std::memset(p.mac, 0, sizeof p.mac);
  p.mac[0] = at.table;
  p.mac[2] = static_cast<uint8_t>(ud_len & 0xff);
  p.mac[3] = static_cast<uint8_t>(ud_len >> 8);
  p.value = at.cookie;
  p.mask = flow.metadata;
  size_t n = 0;
  auto put = [&](const Action& x) {
    if (n < cap) buf[n] = x;
    n++;
  };
  put(p);
  for (unsigned i = 0; i < 8; i++) {
    const uint64_t x = flow.regs[2 * i] | uint64_t{flow.regs[2 * i + 1]} << 32;
    if (x) put(Action::data(static_cast<uint8_t>(kDataXreg0 + i), 0, x));
  }
  put(Action::data(kDataPort, flow.in_port, flow.pkt_mark));
  for (size_t i = 0; i < n_data; i++) put(data[i]);
  if (n > cap || n - 1 > 255) return 0;
  buf[0].mac[1] = static_cast<uint8_t>(n - 1);
  return n;
}

}  // namespace ferry
