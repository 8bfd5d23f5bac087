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
  size_t n_data = std::min(pi->n_data(), avail - 1);
  const Action* data = pi + 1;
  // A paused walk's continuation follows the packet-in's own data.
  const Action* cont = nullptr;
  for (size_t i = 0; i < n_data; i++) {
    if (data[i].type == ActionType::kData && data[i].u8 == kDataContSegment) {
      cont = data + i;
      rec.n_cont = static_cast<uint16_t>(n_data - i);
      n_data = i;
      break;
    }
  }
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
  const size_t cont_len = rec.n_cont * sizeof(Action);
  const size_t head = sizeof rec + rec.userdata_len + cont_len;
  const size_t total = head + pkt_len;
  rte_mbuf* out = rte_pktmbuf_alloc(pool);
  if (!out) return nullptr;
  if (total > rte_pktmbuf_tailroom(out)) {
    rte_pktmbuf_free(out);
    return nullptr;
  }
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(out, static_cast<uint16_t>(total)));
  std::memcpy(p, &rec, sizeof rec);
  read_data_bytes(data, n_data, p + sizeof rec, rec.userdata_len);
  if (cont_len) std::memcpy(p + sizeof rec + rec.userdata_len, cont, cont_len);
  const void* bytes = rte_pktmbuf_read(m, 0, pkt_len, p + head);
  if (bytes != p + head) std::memcpy(p + head, bytes, pkt_len);  // one segment
  return out;
}

bool parse_packet_in(const rte_mbuf* m, PacketInView* out) {
  const uint32_t len = rte_pktmbuf_data_len(m);
  if (len < sizeof(PacketInRecord)) return false;
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  std::memcpy(&out->rec, p, sizeof out->rec);
  const size_t head =
      sizeof(PacketInRecord) + out->rec.userdata_len + out->rec.n_cont * sizeof(Action);
  if (len < head) return false;
  out->userdata = p + sizeof(PacketInRecord);
  out->cont = reinterpret_cast<const Action*>(out->userdata + out->rec.userdata_len);
  out->packet = p + head;
  out->packet_len = len - head;
  return true;
}

}  // namespace ferry
