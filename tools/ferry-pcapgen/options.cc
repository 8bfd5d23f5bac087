#include "tools/ferry-pcapgen/options.h"

#include <cstring>
#include <string_view>

#include "lib/packet/builder.h"
#include "lib/util/text.h"

namespace ferry::pcapgen {

namespace {

uint32_t host_ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
         static_cast<uint32_t>(c) << 8 | d;
}

Result<uint64_t> number(std::string_view name, const std::string& v, uint64_t min, uint64_t max) {
  auto n = parse_number(v);
  if (!n || *n < min || *n > max) {
    return make_error(strprintf("--%.*s: \"%s\" is not a number from %llu to %llu",
                                static_cast<int>(name.size()), name.data(), v.c_str(),
                                static_cast<unsigned long long>(min),
                                static_cast<unsigned long long>(max)));
  }
  return *n;
}

Result<uint32_t> ipv4(std::string_view name, const std::string& v) {
  auto a = parse_ipv4(v);
  if (!a) {
    return make_error(strprintf("--%.*s: \"%s\" is not an IPv4 address",
                                static_cast<int>(name.size()), name.data(), v.c_str()));
  }
  return be32(*a);  // to host order
}

Result<Mac> mac(std::string_view name, const std::string& v) {
  auto m = parse_mac(v);
  if (!m) {
    return make_error(strprintf("--%.*s: \"%s\" is not a MAC address",
                                static_cast<int>(name.size()), name.data(), v.c_str()));
  }
  return *m;
}

// Applies one "--name value" to *o.
Status apply(PcapgenOptions* o, std::string_view name, const std::string& v) {
  auto set_u64 = [&](uint64_t* dst, uint64_t min, uint64_t max) -> Status {
    auto n = number(name, v, min, max);
    if (!n) return n.error();
    *dst = *n;
    return {};
  };
  auto set_u32 = [&](uint32_t* dst, uint64_t min, uint64_t max) -> Status {
    auto n = number(name, v, min, max);
    if (!n) return n.error();
    *dst = static_cast<uint32_t>(*n);
    return {};
  };
  auto set_port = [&](uint16_t* dst) -> Status {
    auto n = number(name, v, 0, 65535);
    if (!n) return n.error();
    *dst = static_cast<uint16_t>(*n);
    return {};
  };
  auto set_ip = [&](uint32_t* dst) -> Status {
    auto a = ipv4(name, v);
    if (!a) return a.error();
    *dst = *a;
    return {};
  };
  auto set_mac = [&](Mac* dst) -> Status {
    auto m = mac(name, v);
    if (!m) return m.error();
    *dst = *m;
    return {};
  };
  if (name == "flows") return set_u64(&o->flows, 1, kMaxFlows);
  if (name == "out") {
    if (v.empty()) return make_error("--out: empty file name");
    o->out = v;
    return {};
  }
  if (name == "dst-mac") return set_mac(&o->dst_mac);
  if (name == "src-mac") return set_mac(&o->src_mac);
  if (name == "src-ip") return set_ip(&o->src_ip);
  if (name == "dst-ip") return set_ip(&o->dst_ip);
  if (name == "src-step") return set_u32(&o->src_step, 0, UINT32_MAX);
  if (name == "dst-step") return set_u32(&o->dst_step, 0, UINT32_MAX);
  if (name == "period") return set_u64(&o->period, 1, kMaxFlows);
  if (name == "mac-step") return set_u64(&o->mac_step, 0, UINT32_MAX);
  if (name == "sport") return set_port(&o->sport);
  if (name == "vxlan") {
    uint64_t vni = 0;
    Status st = set_u64(&vni, 0, 0xffffff);
    o->vxlan_vni = static_cast<int64_t>(vni);
    return st;
  }
  if (name == "outer-dst-mac") return set_mac(&o->outer_dst_mac);
  if (name == "outer-src-mac") return set_mac(&o->outer_src_mac);
  if (name == "outer-src-ip") return set_ip(&o->outer_src_ip);
  if (name == "outer-dst-ip") return set_ip(&o->outer_dst_ip);
  if (name == "dport") return set_port(&o->dport);
  if (name == "proto") {
    if (v == "udp") {
      o->proto = Proto::kUdp;
    } else if (v == "tcp") {
      o->proto = Proto::kTcp;
    } else {
      return make_error("--proto: \"" + v + "\" is neither udp nor tcp");
    }
    return {};
  }
  if (name == "vary") {
    if (v == "ip") {
      o->vary = Vary::kIp;
    } else if (v == "port") {
      o->vary = Vary::kPort;
    } else {
      return make_error("--vary: \"" + v + "\" is neither ip nor port");
    }
    return {};
  }
  return make_error("unknown option --" + std::string(name) + " (use --help for help)");
}

// Every flow must differ from every other in the field that varies.
Status check_distinct(const PcapgenOptions& o) {
  uint64_t last = o.flows - 1;
  // The MACs step within their last five octets: the first (unicast,
  // locally administered) stays.
  for (const Mac* m : {&o.src_mac, &o.dst_mac}) {
    uint64_t low = 0;
    for (size_t k = 1; k < 6; k++) low = low << 8 | (*m)[k];
    if (o.mac_step && (last > (1ull << 40) / o.mac_step || low + last * o.mac_step >= 1ull << 40))
      return make_error(strprintf("--mac-step %llu: %llu flows would change a MAC's first octet",
                                  static_cast<unsigned long long>(o.mac_step),
                                  static_cast<unsigned long long>(o.flows)));
  }
  if (o.period && o.vary != Vary::kIp) return make_error("--period needs --vary ip");
  if (o.period && o.period < o.flows) {
    // Flows i and i + period share their addresses: the source port differs.
    if (o.sport + last / o.period > 65535)
      return make_error(strprintf("--period %llu: %llu flows need source ports up to %llu",
                                  static_cast<unsigned long long>(o.period),
                                  static_cast<unsigned long long>(o.flows),
                                  static_cast<unsigned long long>(o.sport + last / o.period)));
    last = o.period - 1;
  }
  if (o.vary == Vary::kIp) {
    auto fits = [&](uint32_t step) { return step > 0 && last * step <= UINT32_MAX; };
    if (!fits(o.src_step) && !fits(o.dst_step)) {
      return make_error(strprintf(
          "--vary ip: %llu flows need a source or destination step s > 0 with %llu * s < 2^32",
          static_cast<unsigned long long>(o.flows), static_cast<unsigned long long>(last)));
    }
    return {};
  }
  uint64_t capacity = (65536ull - o.sport) * (65536ull - o.dport);
  if (o.flows > capacity) {
    return make_error(strprintf("--vary port: --sport %u and --dport %u leave room for %llu flows",
                                o.sport, o.dport, static_cast<unsigned long long>(capacity)));
  }
  return {};
}

}  // namespace

PcapgenOptions default_options() {
  PcapgenOptions o;
  o.src_ip = host_ip(10, 0, 0, 1);
  o.dst_ip = host_ip(10, 128, 0, 1);
  return o;
}

Result<PcapgenOptions> parse_options(int argc, char** argv) {
  PcapgenOptions o = default_options();
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
      return o;
    }
    if (a == "-q" || a == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (a.substr(0, 2) != "--") return make_error("unexpected argument \"" + std::string(a) + "\"");
    std::string_view name = a.substr(2);
    std::string value;
    size_t eq = name.find('=');
    if (eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return make_error("--" + std::string(name) + " needs a value");
    }
    Status st = apply(&o, name, value);
    if (!st) return st.error();
  }
  if (o.flows == 0) return make_error("--flows N is required");
  if (o.out.empty()) return make_error("--out FILE is required");
  Status st = check_distinct(o);
  if (!st) return st.error();
  return o;
}

std::string usage() {
  return "usage: ferry-pcapgen --flows N --out FILE [OPTIONS]\n"
         "Writes a pcap of N 60-byte Ethernet/IPv4 frames (64 bytes on the wire with the\n"
         "FCS), one per flow, each flow a distinct 5-tuple, for DPDK's net_pcap\n"
         "(rx_pcap=FILE,infinite_rx=1 replays it).\n"
         "\n"
         "  --flows N          number of flows (1 to 16777216)\n"
         "  --out FILE         the pcap to write (written to FILE.tmp, then renamed)\n"
         "  --dst-mac M        destination MAC (default 02:00:00:00:00:01)\n"
         "  --src-mac M        source MAC (default 02:00:00:00:00:10)\n"
         "  --proto udp|tcp    layer 4 (default udp; tcp frames carry SYN)\n"
         "  --vary ip|port     what makes flows distinct (default ip):\n"
         "                     ip:   flow i is src-ip + i*src-step -> dst-ip + i*dst-step\n"
         "                     port: source port sport..65535, then dport+1 and again\n"
         "  --src-ip A         first source address (default 10.0.0.1)\n"
         "  --dst-ip A         first destination address (default 10.128.0.1)\n"
         "  --src-step K       source address step per flow (default 1)\n"
         "  --dst-step K       destination address step per flow (default 1)\n"
         "  --period M         (--vary ip) flow i has the addresses of flow i mod M and\n"
         "                     source port sport + i / M\n"
         "  --mac-step K       flow i's MACs are src-mac + i*K and dst-mac + i*K (default 0)\n"
         "  --sport P          (first) source port (default 1024)\n"
         "  --dport P          (first) destination port (default 9)\n"
         "  --vxlan VNI        each frame inside VXLAN (Ethernet/IPv4/UDP 4789, 110 bytes)\n"
         "  --outer-dst-mac M, --outer-src-mac M, --outer-dst-ip A, --outer-src-ip A\n"
         "                     its outer headers (default 02:..:01 <- 02:..:02,\n"
         "                     172.31.1.2 -> 172.31.1.1); the outer source port varies\n"
         "  -q, --quiet        no summary line\n";
}

}  // namespace ferry::pcapgen
