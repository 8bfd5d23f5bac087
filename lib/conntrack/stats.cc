// dpctl/ct-stats-show: connections per protocol (and per TCP state), as
// OVS 3.1's dpctl_ct_stats_show() prints them.
#include <string>

#include "lib/conntrack/conntrack.h"

namespace ferry::ct {

std::string Conntrack::stats_show(const uint16_t* zone, bool verbose, uint64_t now_ms) const {
  enum { kTcp, kUdp, kUdplite, kSctp, kIcmp, kIcmp6, kDccp, kIgmp, kOther, kN };
  unsigned n[kN] = {}, total = 0;
  unsigned tcp_states[static_cast<int>(TcpState::kTimeWait) + 1] = {};
  dump(
      zone,
      [&](const ConnInfo& c) {
        total++;
        switch (c.orig.proto) {
          case 6: {
            n[kTcp]++;
            TcpState s = std::max(c.tcp_state_orig, c.tcp_state_reply);
            if (s == TcpState::kFinWait2) s = TcpState::kTimeWait;
            if (s == TcpState::kSynRecv) s = TcpState::kEstablished;
            tcp_states[static_cast<int>(s)]++;
            break;
          }
          case 17:
            n[kUdp]++;
            break;  // clang-format off
          case 136: n[kUdplite]++; break;
          case 132: n[kSctp]++; break;
          case 1: n[kIcmp]++; break;
          case 58: n[kIcmp6]++; break;  // counted, never printed (as OVS)
          case 33: n[kDccp]++; break;
          case 2: n[kIgmp]++; break;
          default: n[kOther]++; break;  // clang-format on
        }
      },
      now_ms);
  std::string s = "Connections Stats:\n    Total: " + std::to_string(total) + "\n";
  auto line = [&s](const char* name, unsigned v) {
    if (v) s += std::string("  ") + name + ": " + std::to_string(v) + "\n";
  };
  line("TCP", n[kTcp]);
  if (n[kTcp] && verbose) {
    s += "    Conn per TCP states:\n";
    for (int i = 0; i <= static_cast<int>(TcpState::kTimeWait); i++)
      if (tcp_states[i])
        s += std::string("\t  [") + tcp_state_name(static_cast<TcpState>(i)) +
             "]=" + std::to_string(tcp_states[i]) + "\n";
  }
  line("UDP", n[kUdp]);
  line("UDPLITE", n[kUdplite]);
  line("SCTP", n[kSctp]);
  line("ICMP", n[kIcmp]);
  line("DCCP", n[kDccp]);
  line("IGMP", n[kIgmp]);
  line("Other", n[kOther]);
  return s;
}

}  // namespace ferry::ct
