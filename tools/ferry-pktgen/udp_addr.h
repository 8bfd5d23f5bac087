// Socket addresses from the command line: "IP:PORT" or "[IPv6]:PORT", and a
// bare IP with a separate port.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/util/result.h"
#include "tools/ferry-pktgen/options.h"

namespace ferry::pktgen {

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family() const { return ss.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss); }
  std::string to_string() const;  // "10.0.0.1:5000", "[2001:db8::1]:5000"
};

Result<SockAddr> parse_ip_port(std::string_view text);
Result<SockAddr> make_sock_addr(std::string_view ip, uint16_t port);
// The required option --NAME as IP:PORT; errors name the option.
Result<SockAddr> require_ip_port(const Options& opts, std::string_view name);

}  // namespace ferry::pktgen
