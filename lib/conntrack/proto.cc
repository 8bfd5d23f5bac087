// Connection state of ICMP (OVS's conntrack-icmp.c) and of UDP and every
// other IP protocol (conntrack-other.c); TCP is in tcp.cc.
#include "lib/conntrack/proto.h"

namespace ferry::ct {
namespace {

enum : uint8_t { kIcmpFirst, kIcmpReply };
enum : uint8_t { kOtherFirst, kOtherMultiple, kOtherBidir };

int tm(Tm t) { return static_cast<int>(t); }

}  // namespace

TpAttr tm_attr(Tm t) {
  // OVS's tm_to_ct_dpif_tp(), including its crossing of UDP single/multiple.
  switch (t) {
    case Tm::kTcpFirstPacket:
      return TpAttr::kTcpSynSent;  // clang-format off
    case Tm::kTcpOpening: return TpAttr::kTcpSynRecv;
    case Tm::kTcpEstablished: return TpAttr::kTcpEstablished;
    case Tm::kTcpClosing: return TpAttr::kTcpFinWait;
    case Tm::kTcpFinWait: return TpAttr::kTcpTimeWait;
    case Tm::kTcpClosed: return TpAttr::kTcpClose;
    case Tm::kOtherFirst: return TpAttr::kUdpFirst;
    case Tm::kOtherBidir: return TpAttr::kUdpMultiple;
    case Tm::kOtherMultiple: return TpAttr::kUdpSingle;
    case Tm::kIcmpFirst: return TpAttr::kIcmpFirst;
    case Tm::kIcmpReply: return TpAttr::kIcmpReply;  // clang-format on
  }
  return TpAttr::kUdpFirst;
}

bool valid_new(const Key& k, const L4View& v) {
  if (k.proto == kProtoTcp) return tcp_valid_new(v.l4);
  if (k.is_icmp()) {
    if (k.ipv6) return k.stype == 128;
    return k.stype == 8 || k.stype == 15 || k.stype == 13;
  }
  return true;
}

Tm new_conn_state(Conn* c, const Key& k, const L4View& v) {
  if (k.proto == kProtoTcp) return tcp_new_conn(c, v);
  if (k.is_icmp()) {
    c->l4_state = kIcmpFirst;
    return Tm::kIcmpFirst;
  }
  c->l4_state = kOtherFirst;
  return Tm::kOtherFirst;
}

UpdateResult update_conn(Conn* c, const Key& k, const L4View& v, bool reply, bool seq_check) {
  if (k.proto == kProtoTcp) return tcp_update(c, v, reply, seq_check);
  UpdateResult r;
  if (k.is_icmp()) {
    if (reply && c->l4_state == kIcmpFirst) {
      c->l4_state = kIcmpReply;
    } else if (c->l4_state == kIcmpFirst) {
      r.res = Update::kValidNew;
    }
    r.tm = tm(c->l4_state == kIcmpFirst ? Tm::kIcmpFirst : Tm::kIcmpReply);
    return r;
  }
  if (reply && c->l4_state != kOtherBidir) {
    c->l4_state = kOtherBidir;
  } else if (c->l4_state == kOtherFirst) {
    c->l4_state = kOtherMultiple;
  }
  static constexpr Tm kTms[] = {Tm::kOtherFirst, Tm::kOtherMultiple, Tm::kOtherBidir};
  r.tm = tm(kTms[c->l4_state]);
  r.res = c->l4_state == kOtherBidir ? Update::kValid : Update::kValidNew;
  return r;
}

}  // namespace ferry::ct
