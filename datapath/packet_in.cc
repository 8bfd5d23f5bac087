#include "datapath/packet_in.h"

#include <algorithm>
#include <cstring>
#include <rte_mbuf.h>

namespace ferry {

rte_mbuf* build_packet_in(rte_mempool* pool, const rte_mbuf* m, const Action* pi, size_t avail) {
  PacketInRecord rec{};
  rec.reason = pi->u8;
  rec.table_id = pi->mac[0];
  rec.controller_id = static_cast<uint16_t>(pi->port);
  rec.userdata_len = pi->userdata_len();
  rec.cookie = pi->value;
  rec.metadata = pi->mask;
  const size_t n_data = std::min(pi->n_data(), avail - 1);
  const Action* data = pi + 1;
  for (size_t i = 0; i < n_data; i++) {
    if (data[i].u8 >= kDataXreg0 && data[i].u8 < kDataXreg0 + 8) {
      const unsigned x = data[i].u8 - kDataXreg0;
      rec.regs[2 * x] = static_cast<uint32_t>(data[i].value);
      rec.regs[2 * x + 1] = static_cast<uint32_t>(data[i].value >> 32);
    } else if (data[i].u8 == kDataPort) {
      rec.in_port = data[i].port;
      rec.pkt_mark = static_cast<uint32_t>(data[i].value);
    }
  }
  const uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
  const size_t total = sizeof rec + rec.userdata_len + pkt_len;
  rte_mbuf* out = rte_pktmbuf_alloc(pool);
  if (!out) return nullptr;
  if (total > rte_pktmbuf_tailroom(out)) {
    rte_pktmbuf_free(out);
    return nullptr;
  }
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(out, static_cast<uint16_t>(total)));
  std::memcpy(p, &rec, sizeof rec);
  read_data_bytes(data, n_data, p + sizeof rec, rec.userdata_len);
  const void* bytes = rte_pktmbuf_read(m, 0, pkt_len, p + sizeof rec + rec.userdata_len);
  if (bytes != p + sizeof rec + rec.userdata_len) {
    std::memcpy(p + sizeof rec + rec.userdata_len, bytes, pkt_len);  // one segment
  }
  return out;
}

bool parse_packet_in(const rte_mbuf* m, PacketInView* out) {
  const uint32_t len = rte_pktmbuf_data_len(m);
  if (len < sizeof(PacketInRecord)) return false;
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  std::memcpy(&out->rec, p, sizeof out->rec);
  if (len < sizeof(PacketInRecord) + out->rec.userdata_len) return false;
  out->userdata = p + sizeof(PacketInRecord);
  out->packet = out->userdata + out->rec.userdata_len;
  out->packet_len = len - sizeof(PacketInRecord) - out->rec.userdata_len;
  return true;
}

}  // namespace ferry
