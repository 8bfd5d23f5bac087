// One dpctl/dump-conntrack line, byte for byte as OVS 3.1's
// ct_dpif_format_entry() prints it.
#include <arpa/inet.h>

#include <cinttypes>
#include <cstdio>

#include "lib/conntrack/conntrack.h"

namespace ferry::ct {
namespace {

void put(std::string* s, const char* fmt, auto... args) {
  char buf[96];
  int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) s->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

const char* proto_name(uint8_t p) {
  switch (p) {
    case 1:
      return "icmp";  // clang-format off
    case 58: return "icmpv6";
    case 6: return "tcp";
    case 17: return "udp";
    case 132: return "sctp";
    case 136: return "udplite";
    case 33: return "dccp";
    case 2: return "igmp";
    default: return nullptr;  // clang-format on
  }
}

void put_addr(std::string* s, const Addr& a, bool v6) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.b, buf, sizeof buf);
  s->append(buf);
}

void put_tuple(std::string* s, const Tuple& t) {
  s->append("src=");
  put_addr(s, t.src, t.ipv6);
  s->append(",dst=");
  put_addr(s, t.dst, t.ipv6);
  if (t.proto == 1 || t.proto == 58) {
    put(s, ",id=%u,type=%u,code=%u", t.icmp_id, t.icmp_type, t.icmp_code);
  } else {
    put(s, ",sport=%u,dport=%u", t.sport, t.dport);
  }
}

// OVS's format_flags(): names of the set bits, lowest first, '|' between.
void put_flags(std::string* s, uint32_t flags, const char* const* names, int nnames) {
  if (!flags) {
    s->push_back('0');
    return;
  }
  uint32_t bad = 0;
  bool any = false;
  for (int i = 0; i < 32; i++) {
    uint32_t bit = 1u << i;
    if (!(flags & bit)) continue;
    if (i < nnames) {
      if (any) s->push_back('|');
      s->append(names[i]);
      any = true;
    } else {
      bad |= bit;
    }
  }
  if (bad) {
    if (any) s->push_back('|');
    put(s, "0x%" PRIx32, bad);
  }
}

constexpr const char* kStatus[] = {"EXPECTED",     "SEEN_REPLY", "ASSURED",       "CONFIRMED",
                                   "SRC_NAT",      "DST_NAT",    "SEQ_ADJUST",    "SRC_NAT_DONE",
                                   "DST_NAT_DONE", "DYING",      "FIXED_TIMEOUT", "TEMPLATE",
                                   "UNTRACKED"};
constexpr const char* kTcpFlags[] = {"WINDOW_SCALE", "SACK_PERM",           "CLOSE_INIT",
                                     "BE_LIBERAL",   "DATA_UNACKNOWLEDGED", "MAXACK_SET"};

void put_protoinfo(std::string* s, const ConnInfo& c, bool verbose) {
  s->append(",protoinfo=(");
  if (verbose) {
    s->append("state_orig=");
    s->append(tcp_state_name(c.tcp_state_orig));
    s->append(",state_reply=");
    s->append(tcp_state_name(c.tcp_state_reply));
    if (c.wscale_orig || c.wscale_reply)
      put(s, ",wscale_orig=%u,wscale_reply=%u", c.wscale_orig, c.wscale_reply);
    s->append(",flags_orig=");
    put_flags(s, c.tcp_flags_orig, kTcpFlags, 6);
    s->append(",flags_reply=");
    put_flags(s, c.tcp_flags_reply, kTcpFlags, 6);
  } else {
    // One state, the higher, with FIN_WAIT_2 shown as TIME_WAIT and
    // SYN_RECV as ESTABLISHED (OVS's coalesce_tcp_state()).
    TcpState st = std::max(c.tcp_state_orig, c.tcp_state_reply);
    if (st == TcpState::kFinWait2) st = TcpState::kTimeWait;
    if (st == TcpState::kSynRecv) st = TcpState::kEstablished;
    s->append("state=");
    s->append(tcp_state_name(st));
  }
  s->push_back(')');
}

}  // namespace

std::string Conntrack::format(const ConnInfo& c, bool verbose, bool stats) {
  std::string s;
  s.reserve(192);
  if (const char* n = proto_name(c.orig.proto)) {
    s.append(n);
  } else {
    put(&s, "%u", c.orig.proto);
  }
  s.append(",orig=(");
  put_tuple(&s, c.orig);
  s.append("),reply=(");
  put_tuple(&s, c.reply);
  s.push_back(')');
  if (verbose) put(&s, ",id=%" PRIu32, c.id);
  if (c.zone) put(&s, ",zone=%u", c.zone);
  if (verbose) {
    s.append(",status=");
    put_flags(&s, c.status, kStatus, 13);
  }
  if (stats) put(&s, ",timeout=%" PRIu32, c.timeout_s);
  if (c.mark) put(&s, ",mark=%" PRIu32, c.mark);
  if (c.label.lo || c.label.hi) {
    // The 128-bit label in network order, as hex without leading zeros.
    s.append(",labels=");
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
      b[i] = static_cast<uint8_t>(c.label.hi >> (56 - 8 * i));
      b[8 + i] = static_cast<uint8_t>(c.label.lo >> (56 - 8 * i));
    }
    bool printed = false;
    for (uint8_t v : b) {
      if (!v && !printed) continue;
      put(&s, printed ? "%02x" : "0x%x", v);
      printed = true;
    }
  }
  if (c.orig.proto == 6) put_protoinfo(&s, c, verbose);
  if (c.helper == CtAction::kFtp) s.append(",helper=ftp");
  if (c.helper == CtAction::kTftp) s.append(",helper=tftp");
  if (verbose && c.has_parent) {
    s.append(",parent=(");
    put_tuple(&s, c.parent);
    s.push_back(')');
  }
  return s;
}

}  // namespace ferry::ct
