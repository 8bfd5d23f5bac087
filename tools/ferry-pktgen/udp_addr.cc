#include "tools/ferry-pktgen/udp_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "lib/util/text.h"

namespace ferry::pktgen {

Result<SockAddr> make_sock_addr(std::string_view ip, uint16_t port) {
  SockAddr a;
  std::string text(ip);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
    return a;
  }
  std::memset(&a.ss, 0, sizeof a.ss);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
    return a;
  }
  return make_error("\"" + text + "\" is not an IP address");
}

Result<SockAddr> parse_ip_port(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return make_error("expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return make_error("expected IP:PORT or [IPv6]:PORT, got \"" + std::string(text) + "\"");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto p = parse_u64(port);
  if (!p || *p == 0 || *p > 65535) return make_error("bad port \"" + std::string(port) + "\"");
  return make_sock_addr(host, static_cast<uint16_t>(*p));
}

Result<SockAddr> require_ip_port(const Options& opts, std::string_view name) {
  if (Status s = opts.require(name); !s) return s.error();
  auto a = parse_ip_port(opts.get(name));
  if (!a) return make_error("--" + std::string(name) + ": " + a.error().message);
  return a;
}

std::string SockAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = "";
  if (family() == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    return strprintf("%s:%u", buf, ntohs(v4->sin_port));
  }
  auto* v6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
  return strprintf("[%s]:%u", buf, ntohs(v6->sin6_port));
}

}  // namespace ferry::pktgen
