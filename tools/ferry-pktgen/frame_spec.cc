#include "tools/ferry-pktgen/frame_spec.h"

#include <optional>

#include "lib/packet/builder.h"
#include "tools/ferry-pktgen/spec_syntax.h"

namespace ferry::pktgen {

namespace {

// Where an item may appear: ranks never decrease along the spec.
enum Rank : int { kRankEth, kRankVlan, kRankL3, kRankL4, kRankPayload, kRankPad };

enum class L3 { kNone, kIp, kArp };

struct State {
  FrameBuilder b;
  std::optional<std::pair<Mac, Mac>> eth;  // (dst, src) from eth()
  std::optional<uint16_t> ethertype;
  L3 l3 = L3::kNone;
};

void do_eth(ItemReader& r, State& s) {
  Mac dst = r.mac("dst");
  Mac src = r.mac("src");
  s.eth = std::make_pair(dst, src);
  if (auto t = r.opt_number("type", 0xffff)) s.ethertype = static_cast<uint16_t>(*t);
}

void do_vlan(ItemReader& r, State& s) {
  if (!r.has("vid")) r.fail("missing vid=");
  auto vid = static_cast<uint16_t>(r.number("vid", 4095, 0));
  auto pcp = static_cast<uint8_t>(r.number("pcp", 7, 0));
  bool dei = r.flag("dei");
  auto tpid = static_cast<uint16_t>(r.number("tpid", 0xffff, kEthTypeVlan));
  s.b.vlan(vid, pcp, tpid, dei);
}

void do_ipv4(ItemReader& r, State& s) {
  uint32_t src = r.ipv4("src");
  uint32_t dst = r.ipv4("dst");
  s.b.ipv4(src, dst);
  s.b.tos(static_cast<uint8_t>(r.number("tos", 255, 0)));
  s.b.ttl(static_cast<uint8_t>(r.number("ttl", 255, 64)));
  s.b.ip_id(static_cast<uint16_t>(r.number("id", 0xffff, 0)));
  s.b.dont_fragment(r.flag("df"));
  if (auto p = r.opt_number("proto", 255)) s.b.ip_proto(static_cast<uint8_t>(*p));
  s.l3 = L3::kIp;
}

void do_ipv6(ItemReader& r, State& s) {
  Ipv6Addr src = r.ipv6("src");
  Ipv6Addr dst = r.ipv6("dst");
  s.b.ipv6(src, dst);
  s.b.tos(static_cast<uint8_t>(r.number("tc", 255, 0)));
  s.b.ttl(static_cast<uint8_t>(r.number("hlim", 255, 64)));
  s.b.flow_label(static_cast<uint32_t>(r.number("label", 0xfffff, 0)));
  if (auto p = r.opt_number("proto", 255)) s.b.ip_proto(static_cast<uint8_t>(*p));
  s.l3 = L3::kIp;
}

void do_arp(ItemReader& r, State& s) {
  uint16_t op = 0;
  auto op_text = r.text("op");
  if (!op_text) {
    r.fail("missing op=");
  } else if (*op_text == "request") {
    op = 1;
  } else if (*op_text == "reply") {
    op = 2;
  } else {
    op = static_cast<uint16_t>(r.number("op", 0xffff, 0));
  }
  Mac sha = r.mac("sha");
  uint32_t spa = r.ipv4("spa");
  Mac tha = r.mac_or("tha", Mac{});
  uint32_t tpa = r.ipv4("tpa");
  s.b.eth(op == 2 ? tha : kBroadcastMac, sha);
  s.b.arp(op, sha, spa, tha, tpa);
  s.l3 = L3::kArp;
}

void do_garp(ItemReader& r, State& s) {
  Mac mac = r.mac("mac");
  uint32_t ip = r.ipv4("ip");
  s.b.gratuitous_arp(mac, ip);
  s.l3 = L3::kArp;
}

void do_rarp(ItemReader& r, State& s) {
  s.b.rarp(r.mac("mac"));
  s.l3 = L3::kArp;
}

void do_udp(ItemReader& r, State& s) {
  if (!r.has("sport") || !r.has("dport")) r.fail("needs sport= and dport=");
  s.b.udp(static_cast<uint16_t>(r.number("sport", 0xffff, 0)),
          static_cast<uint16_t>(r.number("dport", 0xffff, 0)));
}

std::optional<uint16_t> tcp_flags(const std::string& text) {
  static constexpr std::string_view kLetters = "FSRPAUECN";
  if (text.empty()) return std::nullopt;
  if (text[0] >= '0' && text[0] <= '9') return std::nullopt;  // numeric: caller
  uint16_t flags = 0;
  for (char c : text) {
    size_t bit = kLetters.find(c);
    if (bit == std::string_view::npos) return std::nullopt;
    flags = static_cast<uint16_t>(flags | 1u << bit);
  }
  return flags;
}

void do_tcp(ItemReader& r, State& s) {
  if (!r.has("sport") || !r.has("dport")) r.fail("needs sport= and dport=");
  auto sport = static_cast<uint16_t>(r.number("sport", 0xffff, 0));
  auto dport = static_cast<uint16_t>(r.number("dport", 0xffff, 0));
  uint16_t flags = kTcpSyn;
  if (auto text = r.text("flags")) {
    if (auto letters = tcp_flags(*text)) {
      flags = *letters;
    } else {
      flags = static_cast<uint16_t>(r.number("flags", 0x1ff, 0));
    }
  }
  auto seq = static_cast<uint32_t>(r.number("seq", 0xffffffff, 0));
  auto ack = static_cast<uint32_t>(r.number("ack", 0xffffffff, 0));
  s.b.tcp(sport, dport, flags, seq, ack);
}

void do_icmp(ItemReader& r, State& s) {
  bool request = r.flag("echo");
  bool reply = r.flag("echo-reply");
  if (request || reply) {
    if (request && reply) r.fail("echo and echo-reply together");
    s.b.icmp_echo(static_cast<uint16_t>(r.number("id", 0xffff, 0)),
                  static_cast<uint16_t>(r.number("seq", 0xffff, 0)), reply);
    return;
  }
  if (!r.has("type")) r.fail("needs echo, echo-reply or type=");
  s.b.icmp(static_cast<uint8_t>(r.number("type", 255, 0)),
           static_cast<uint8_t>(r.number("code", 255, 0)),
           static_cast<uint32_t>(r.number("rest", 0xffffffff, 0)));
}

void do_payload(ItemReader& r, State& s) {
  int given = r.has("hex") + r.has("len") + r.has("text");
  if (given != 1) r.fail("needs exactly one of hex=, len=, text=");
  if (auto h = r.text("hex")) {
    auto bytes = parse_hex_bytes(*h);
    if (!bytes) {
      r.fail("hex=: " + bytes.error().message);
    } else {
      s.b.payload(*bytes);
    }
  }
  if (auto n = r.opt_number("len", 65535)) s.b.payload_size(*n);
  if (auto t = r.text("text")) s.b.payload(std::string_view(*t));
}

void do_pad(ItemReader& r, State& s) {
  if (!r.has("to")) r.fail("missing to=");
  s.b.pad_to(r.number("to", 65535, 60));
}

struct ItemKind {
  std::string_view name;
  Rank rank;
  void (*apply)(ItemReader&, State&);
};

constexpr ItemKind kKinds[] = {
    {"eth", kRankEth, do_eth},
    {"vlan", kRankVlan, do_vlan},
    {"ipv4", kRankL3, do_ipv4},
    {"ipv6", kRankL3, do_ipv6},
    {"arp", kRankL3, do_arp},
    {"garp", kRankL3, do_garp},
    {"rarp", kRankL3, do_rarp},
    {"udp", kRankL4, do_udp},
    {"tcp", kRankL4, do_tcp},
    {"icmp", kRankL4, do_icmp},
    {"payload", kRankPayload, do_payload},
    {"pad", kRankPad, do_pad},
};

}  // namespace

Result<std::vector<uint8_t>> build_frame_from_spec(std::string_view spec) {
  auto items = parse_spec_items(spec);
  if (!items) return items.error();
  if (items->empty()) return make_error("empty frame spec");
  State s;
  int last_rank = -1;
  for (const SpecItem& item : *items) {
    const ItemKind* kind = nullptr;
    for (const ItemKind& k : kKinds) {
      if (k.name == item.name) kind = &k;
    }
    if (!kind) return make_error("unknown item \"" + item.name + "\" in frame spec");
    if (kind->rank < last_rank || (kind->rank == last_rank && kind->rank != kRankVlan)) {
      return make_error(item.name +
                        "(): out of order or repeated (order: eth, vlan..., "
                        "ipv4|ipv6|arp|garp|rarp, udp|tcp|icmp, payload, pad)");
    }
    if (kind->rank == kRankL4 && s.l3 != L3::kIp) {
      return make_error(item.name + "(): needs ipv4() or ipv6() before it");
    }
    last_rank = kind->rank;
    ItemReader r(item);
    kind->apply(r, s);
    if (auto st = r.finish(); !st) return st.error();
  }
  if (!s.eth && s.l3 != L3::kArp) return make_error("missing eth(dst=..,src=..)");
  if (s.ethertype && s.l3 != L3::kNone) {
    return make_error("eth(): type= only applies without an L3 item");
  }
  if (s.eth) s.b.eth(s.eth->first, s.eth->second);
  if (s.ethertype) s.b.ethertype(*s.ethertype);
  return s.b.build();
}

}  // namespace ferry::pktgen
