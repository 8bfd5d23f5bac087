// Timeout policy attributes (OVSDB CT_Timeout_Policy names) and OVS 3.1's
// userspace defaults (lib/conntrack-tp.c), TCP state names.
#include <string>

#include "lib/conntrack/conntrack.h"

namespace ferry::ct {
namespace {

constexpr const char* kTpNames[] = {
    "tcp_syn_sent",   "tcp_syn_recv",   "tcp_established", "tcp_fin_wait",
    "tcp_close_wait", "tcp_last_ack",   "tcp_time_wait",   "tcp_close",
    "tcp_syn_sent2",  "tcp_retransmit", "tcp_unack",       "udp_first",
    "udp_single",     "udp_multiple",   "icmp_first",      "icmp_reply"};
static_assert(std::size(kTpNames) == static_cast<size_t>(TpAttr::kCount));

constexpr const char* kTcpStates[] = {"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECV",
                                      "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
                                      "LAST_ACK",    "FIN_WAIT_2", "TIME_WAIT"};

}  // namespace

const char* tp_attr_name(TpAttr a) {
  auto i = static_cast<size_t>(a);
  return i < std::size(kTpNames) ? kTpNames[i] : "unknown";
}

Result<TpAttr> tp_attr_from_name(std::string_view n) {
  for (size_t i = 0; i < std::size(kTpNames); i++)
    if (n == kTpNames[i]) return static_cast<TpAttr>(i);
  return make_error("unknown timeout policy attribute '" + std::string(n) + "'");
}

TimeoutPolicy TimeoutPolicy::defaults() {
  TimeoutPolicy tp;
  auto set = [&tp](TpAttr a, uint32_t s) { tp.attrs[static_cast<int>(a)] = s; };
  set(TpAttr::kTcpSynSent, 30);
  set(TpAttr::kTcpSynRecv, 30);
  set(TpAttr::kTcpEstablished, 24 * 60 * 60);
  set(TpAttr::kTcpFinWait, 15 * 60);
  set(TpAttr::kTcpTimeWait, 45);
  set(TpAttr::kTcpClose, 30);
  set(TpAttr::kUdpFirst, 60);
  set(TpAttr::kUdpSingle, 60);
  set(TpAttr::kUdpMultiple, 30);
  set(TpAttr::kIcmpFirst, 60);
  set(TpAttr::kIcmpReply, 30);
  return tp;
}

const char* tcp_state_name(TcpState s) {
  auto i = static_cast<size_t>(s);
  return i < std::size(kTcpStates) ? kTcpStates[i] : "UNKNOWN";
}

}  // namespace ferry::ct
