// Per-protocol connection state (OVS's conntrack-tcp.c, -icmp.c,
// -other.c): whether a packet may start a connection, the state of a new
// connection, and the update of an existing one by a packet.
#pragma once

#include <cstdint>

#include "lib/conntrack/conn.h"

namespace ferry::ct {

enum class Update : uint8_t { kValid, kInvalid, kNew, kValidNew };

// Why an update was invalid (named counters).
enum class UpdateError : uint8_t { kNone, kTcpFlags, kTcpSeq };

struct UpdateResult {
  Update res = Update::kValid;
  int tm = -1;  // the timeout class to apply now (Tm), -1: leave the expiration alone
  UpdateError err = UpdateError::kNone;
  bool seq_bypass = false;  // the window check failed but checking is off
};

// The packet's L4 header and the L4 length up to the datagram's end.
struct L4View {
  const uint8_t* l4;
  uint32_t len;
};

bool valid_new(const Key& k, const L4View& v);
// Initializes the connection's L4 state; returns the first timeout class.
Tm new_conn_state(Conn* c, const Key& k, const L4View& v);
// Under the connection's lock.
UpdateResult update_conn(Conn* c, const Key& k, const L4View& v, bool reply, bool seq_check);

// TCP only (tcp.cc).
bool tcp_valid_new(const uint8_t* tcp);
Tm tcp_new_conn(Conn* c, const L4View& v);
UpdateResult tcp_update(Conn* c, const L4View& v, bool reply, bool seq_check);
uint8_t tcp_protoinfo_flags(const TcpPeer& p);

}  // namespace ferry::ct
