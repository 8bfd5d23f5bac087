// TCP state and sequence-window tracking, following OVS 3.1's
// lib/conntrack-tcp.c (itself from pf's Guido van Rooij algorithm).
#include <algorithm>

#include "lib/conntrack/csum.h"
#include "lib/conntrack/proto.h"

namespace ferry::ct {
namespace {

constexpr uint16_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20;
constexpr uint8_t kMaxWscale = 14;
constexpr int kMaxAckWindow = 0xffff + 1500;

constexpr uint8_t st(TcpState s) { return static_cast<uint8_t>(s); }

bool seq_gt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }
bool seq_geq(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }

uint16_t flags_of(const uint8_t* tcp) { return ((tcp[12] & 0x0f) << 8 | tcp[13]) & 0x0fff; }
uint32_t hdr_len(const uint8_t* tcp) { return (tcp[12] >> 4) * 4u; }

bool invalid_flags(uint16_t f) {
  if (f & kSyn) {
    if (f & (kRst | kFin)) return true;
  } else if (!(f & (kAck | kRst))) {
    return true;
  }
  if (!(f & kAck) && (f & (kFin | kPsh | kUrg))) return true;
  return false;
}

uint8_t get_wscale(const uint8_t* tcp) {
  int len = static_cast<int>(hdr_len(tcp)) - 20;
  const uint8_t* opt = tcp + 20;
  uint8_t wscale = 0;
  while (len >= 3) {
    switch (*opt) {
      case 0:  // EOL
        return wscale;
      case 1:  // NOP
        opt++;
        len--;
        break;
      case 3:  // window scale
        wscale = std::min(opt[2], kMaxWscale);
        wscale |= kWscaleFlag;
        [[fallthrough]];
      default: {
        uint8_t optlen = opt[1] < 2 ? 2 : opt[1];
        len -= optlen;
        opt += optlen;
      }
    }
  }
  return wscale;
}

int tm_of(Tm t) { return static_cast<int>(t); }

// The first packet from this end: its window scale, sequence space and
// window. Returns the sequence number past the packet.
uint32_t first_from_end(TcpPeer* src, TcpPeer* dst, const uint8_t* tcp, uint16_t f, uint32_t seq,
                        uint32_t p_len, uint16_t* win, uint8_t* sws, uint8_t* dws,
                        bool* check_ackskew) {
  uint32_t end = seq + p_len;
  if (f & kSyn) {
    end++;
    if (dst->wscale & kWscaleFlag) {
      src->wscale = get_wscale(tcp);
      if (src->wscale & kWscaleFlag) {
        *sws = src->wscale & kWscaleMask;
        *win = static_cast<uint16_t>((*win + (1u << *sws) - 1) >> *sws);
        *dws = dst->wscale & kWscaleMask;
      } else {
        dst->max_win = static_cast<uint16_t>(dst->max_win << (dst->wscale & kWscaleMask));
        dst->wscale = 0;
      }
    }
  }
  if (f & kFin) end++;
  src->seqlo = seq;
  src->state = st(TcpState::kSynSent);
  uint32_t w = std::max<uint32_t>(1, static_cast<uint32_t>(dst->max_win) << *dws);
  if (src->seqhi == 1 || seq_geq(end + w, src->seqhi)) {
    src->seqhi = end + w;
    *check_ackskew = false;  // picking up a connection: laxer ack skew
  }
  if (*win > src->max_win) src->max_win = *win;
  return end;
}

// Both accepting branches: the largest window, the sequence sent, what the
// other end may send.
void slide(TcpPeer* src, TcpPeer* dst, uint16_t win, uint32_t swin, uint32_t end, uint32_t ack) {
  if (src->max_win < win) src->max_win = win;
  if (seq_gt(end, src->seqlo)) src->seqlo = end;
  if (seq_geq(ack + swin, dst->seqhi)) dst->seqhi = ack + std::max<uint32_t>(swin, 1);
}

// The timeout class for the two ends' states.
int timeout_class(uint8_t ss, uint8_t ds) {
  if (ss >= st(TcpState::kFinWait2) && ds >= st(TcpState::kFinWait2)) return tm_of(Tm::kTcpClosed);
  if (ss >= st(TcpState::kClosing) && ds >= st(TcpState::kClosing)) return tm_of(Tm::kTcpFinWait);
  if (ss < st(TcpState::kEstablished) || ds < st(TcpState::kEstablished))
    return tm_of(Tm::kTcpOpening);
  if (ss >= st(TcpState::kClosing) || ds >= st(TcpState::kClosing)) return tm_of(Tm::kTcpClosing);
  return tm_of(Tm::kTcpEstablished);
}

}  // namespace

bool tcp_valid_new(const uint8_t* tcp) {
  uint16_t f = flags_of(tcp);
  if (invalid_flags(f)) return false;
  return !((f & kSyn) && (f & kAck));  // a SYN+ACK does not open a connection
}

Tm tcp_new_conn(Conn* c, const L4View& v) {
  const uint8_t* tcp = v.l4;
  uint16_t f = flags_of(tcp);
  TcpPeer& src = c->peer[0];
  TcpPeer& dst = c->peer[1];
  uint32_t payload = v.len - hdr_len(tcp);
  src.seqlo = load32(tcp + 4);
  src.seqhi = src.seqlo + payload + 1;
  if (f & kSyn) {
    src.seqhi++;
    src.wscale = get_wscale(tcp);
  } else {
    src.wscale = kWscaleUnknown;
    dst.wscale = kWscaleUnknown;
  }
  src.max_win = std::max<uint16_t>(load16(tcp + 14), 1);
  if (src.wscale & kWscaleMask) {
    uint8_t sws = src.wscale & kWscaleMask;
    src.max_win = static_cast<uint16_t>((src.max_win + (1u << sws) - 1) >> sws);
  }
  if (f & kFin) src.seqhi++;
  dst.seqhi = 1;
  dst.max_win = 1;
  src.state = st(TcpState::kSynSent);
  dst.state = st(TcpState::kClosed);
  return Tm::kTcpFirstPacket;
}

UpdateResult tcp_update(Conn* c, const L4View& v, bool reply, bool seq_check) {
  const uint8_t* tcp = v.l4;
  TcpPeer* src = &c->peer[reply ? 1 : 0];
  TcpPeer* dst = &c->peer[reply ? 0 : 1];
  uint8_t sws = 0, dws = 0;
  uint16_t f = flags_of(tcp);
  uint16_t win = load16(tcp + 14);
  uint32_t p_len = v.len - hdr_len(tcp);
  UpdateResult r;

  if (invalid_flags(f)) return {Update::kInvalid, -1, UpdateError::kTcpFlags, false};

  if ((f & (kSyn | kAck)) == kSyn) {
    if (dst->state >= st(TcpState::kFinWait2) && src->state >= st(TcpState::kFinWait2)) {
      src->state = dst->state = st(TcpState::kClosed);
      return {Update::kNew, -1, UpdateError::kNone, false};
    } else if (src->state <= st(TcpState::kSynSent)) {
      src->state = st(TcpState::kSynSent);
      return {Update::kValidNew, tm_of(Tm::kTcpFirstPacket), UpdateError::kNone, false};
    }
  }

  if ((src->wscale & kWscaleFlag) && (dst->wscale & kWscaleFlag) && !(f & kSyn)) {
    sws = src->wscale & kWscaleMask;
    dws = dst->wscale & kWscaleMask;
  } else if ((src->wscale & kWscaleUnknown) && (dst->wscale & kWscaleUnknown) && !(f & kSyn)) {
    sws = kMaxWscale;
    dws = kMaxWscale;
  }

  uint32_t seq = load32(tcp + 4), orig_seq = seq;
  uint32_t ack = load32(tcp + 8);
  uint32_t end;
  bool check_ackskew = true;
  if (src->state < st(TcpState::kSynSent)) {
    end = first_from_end(src, dst, tcp, f, seq, p_len, &win, &sws, &dws, &check_ackskew);
  } else {
    end = seq + p_len;
    if (f & kSyn) end++;
    if (f & kFin) end++;
  }

  if (!(f & kAck)) {
    ack = dst->seqlo;  // let it pass the ack skew check
  } else if (ack == 0 && (f & (kAck | kRst)) == (kAck | kRst)) {
    ack = dst->seqlo;  // broken stacks do not set ack
  }
  if (seq == end) {  // no data: ease sequencing restrictions
    seq = src->seqlo;
    end = seq;
  }

  int ackskew = check_ackskew ? static_cast<int>(dst->seqlo - ack) : 0;
  uint32_t dwin = static_cast<uint32_t>(dst->max_win) << dws;
  bool in_window = seq_geq(src->seqhi, end) && seq_geq(seq, src->seqlo - dwin) &&
                   ackskew >= -kMaxAckWindow && ackskew <= (kMaxAckWindow << sws) &&
                   (!(f & kRst) || orig_seq == src->seqlo || orig_seq == src->seqlo + 1 ||
                    orig_seq + 1 == src->seqlo);
  if (!in_window && !seq_check) r.seq_bypass = true;
  uint32_t swin = static_cast<uint32_t>(win) << sws;
  if (in_window || !seq_check) {
    slide(src, dst, win, swin, end, ack);
    if ((f & kSyn) && src->state < st(TcpState::kSynSent)) src->state = st(TcpState::kSynSent);
    if ((f & kFin) && src->state < st(TcpState::kClosing)) src->state = st(TcpState::kClosing);
    if (f & kAck) {
      if (dst->state == st(TcpState::kSynSent)) {
        dst->state = st(TcpState::kEstablished);
      } else if (dst->state == st(TcpState::kClosing)) {
        dst->state = st(TcpState::kFinWait2);
      }
    }
    if (f & kRst) src->state = dst->state = st(TcpState::kTimeWait);

    r.tm = timeout_class(src->state, dst->state);
    return r;
  }
  if ((dst->state < st(TcpState::kSynSent) || dst->state >= st(TcpState::kFinWait2) ||
       src->state >= st(TcpState::kFinWait2)) &&
      seq_geq(src->seqhi + kMaxAckWindow, end) && seq_geq(seq, src->seqlo - kMaxAckWindow)) {
    // Shotgunned SYNs, a stream picked up after a flush, packets right
    // after a close: accepted without refreshing the timeout.
    slide(src, dst, win, swin, end, ack);
    if ((f & kFin) && src->state < st(TcpState::kClosing)) src->state = st(TcpState::kClosing);
    if (f & kRst) src->state = dst->state = st(TcpState::kTimeWait);
    return r;
  }
  return {Update::kInvalid, -1, UpdateError::kTcpSeq, false};
}

uint8_t tcp_protoinfo_flags(const TcpPeer& p) {
  uint8_t res = 0;
  if (p.wscale & kWscaleFlag) res |= 0x01;     // CT_DPIF_TCPF_WINDOW_SCALE
  if (p.wscale & kWscaleUnknown) res |= 0x08;  // CT_DPIF_TCPF_BE_LIBERAL
  return res;
}

}  // namespace ferry::ct
