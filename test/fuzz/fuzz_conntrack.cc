// libFuzzer target: the connection tracker on sequences of packets and
// control operations.
//
// The input is a list of records. Built packets (TCP with fuzzed flags,
// sequence and ack numbers, UDP, ICMP echo and errors, another protocol,
// IPv4 or IPv6, either direction among a few hosts, fragments) have valid
// checksums so they reach the state machines; raw records are arbitrary
// L3 bytes (malformed headers, bad lengths and checksums, fragments). ct()
// runs with or without commit, force, SNAT/DNAT or bare nat, in two zones.
// Control records sweep (time moves on), flush, and export/import.
// Invariants checked:
//   - every IP packet leaves tracked; +inv excludes new/est/rel/rpl;
//     +rpl only with +est or +rel; +snat/+dnat only with a nat action;
//   - the packet keeps its length; a built packet's checksums stay right
//     after NAT;
//   - after a sweep, nconns() equals the connections dump() shows;
//   - an export imported into an empty tracker dumps the same lines.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lib/conntrack/conntrack.h"
#include "lib/packet/builder.h"
#include "lib/packet/checksum.h"
#include "test/fuzz/fuzz_check.h"

namespace {

using namespace ferry;
using namespace ferry::ct;

struct Input {
  const uint8_t* p;
  size_t n;
  uint8_t u8() { return n ? (n--, *p++) : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= static_cast<uint32_t>(u8()) << (8 * i);
    return v;
  }
};

constexpr uint16_t kTcpFlags[] = {
    kTcpSyn,           kTcpSyn | kTcpAck, kTcpAck,           kTcpAck | kTcpPsh,
    kTcpFin | kTcpAck, kTcpRst,           kTcpRst | kTcpAck, kTcpFin};

std::vector<uint8_t> build(Input& in, bool* nat_ok, uint8_t* kind, CtAction* a) {
  uint8_t b0 = in.u8(), b1 = in.u8(), b2 = in.u8();
  uint32_t seq = in.u32(), ack = in.u32();
  bool v6 = b0 & 4, reply = b0 & 8;
  uint8_t host = b2 & 3, port = (b2 >> 2) & 3;
  a->commit = b0 & 0x10;
  a->force = (b0 & 0x80) && a->commit;
  a->zone = (b2 & 0x10) ? 1 : 0;
  *kind = (b0 >> 5) & 3;  // none, SNAT, DNAT, bare nat
  FrameBuilder f;
  f.eth({2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1});
  uint32_t src = ip4(10, 0, 0, static_cast<uint8_t>(1 + host)), dst = ip4(10, 0, 1, 1);
  std::string s6 = "fd00::" + std::to_string(1 + host), d6 = "fd00::1:1";
  if (reply) {
    std::swap(src, dst);
    std::swap(s6, d6);
  }
  if (v6) {
    f.ipv6(ip6(s6.c_str()), ip6(d6.c_str()));
  } else {
    f.ipv4(src, dst);
  }
  uint16_t sp = static_cast<uint16_t>(1000 + port), dp = 80;
  if (reply) std::swap(sp, dp);
  if (b2 & 0x80) f.fragment(static_cast<uint16_t>((b2 & 0x20) ? 8 : 0), b2 & 0x40, 7);
  switch (b0 & 3) {
    case 0:
      f.tcp(sp, dp, kTcpFlags[b1 & 7] | ((b1 & 0x08) ? kTcpUrg : 0), seq, ack);
      break;
    case 1:
      f.udp(sp, dp);
      break;
    case 2:
      if (b1 & 1) {
        f.icmp_echo(static_cast<uint16_t>(port), static_cast<uint16_t>(seq), reply);
      } else {  // an error quoting the flow the other way
        FrameBuilder q;
        q.pad_to(0);
        if (v6) {
          q.ipv6(ip6(d6.c_str()), ip6(s6.c_str())).udp(dp, sp);
        } else {
          q.ipv4(dst, src).udp(dp, sp);
        }
        std::vector<uint8_t> qb = q.build();
        f.icmp(v6 ? 1 : 3, 3).payload(std::vector<uint8_t>(qb.begin() + 14, qb.end()));
      }
      break;
    default:
      f.ip_proto(47);
      break;
  }
  if ((b0 & 3) != 2) f.payload_size(b1 >> 4);
  *nat_ok = !(b2 & 0x80);
  return f.build();
}

void set_nat(uint8_t kind, bool v6, CtAction* a) {
  if (kind == 0) return;
  a->nat = true;
  if (kind == 3) return;
  NatSpec& s = a->nat_spec;
  s.kind = kind == 1 ? NatSpec::kSrc : NatSpec::kDst;
  s.ipv6 = v6;
  if (v6) {
    Ipv6Addr x = ip6(kind == 1 ? "fd00::99" : "fd00::1:2");
    std::memcpy(s.min.b, x.data(), 16);
  } else {
    s.min.b[0] = 10;
    s.min.b[3] = kind == 1 ? 99 : 2;
  }
  s.max = s.min;
  s.port_min = 2000;
  s.port_max = 2001;
}

std::vector<std::string> lines(const Conntrack& ct, uint64_t now) {
  std::vector<std::string> out;
  ct.dump(
      nullptr, [&](const ConnInfo& c) { out.push_back(Conntrack::format(c, true, true)); }, now);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One tracker for every input (building one costs more than a run):
  // emptied, its settings reset, and its freed connections reclaimed first.
  static Conntrack::Config cfg = [] {
    Conntrack::Config c;
    c.max_conns = 64;
    c.max_threads = 2;
    return c;
  }();
  static Conntrack ct(cfg), other(cfg);
  for (Conntrack* t : {&ct, &other}) {
    FUZZ_CHECK(t->flush(nullptr, static_cast<const Tuple*>(nullptr)).ok(), "flush");
    t->set_max_conns(64);
    t->quiesce(0);
    t->sweep(0);
    FUZZ_CHECK(t->nconns() == 0, "nconns %zu after a flush", t->nconns());
  }
  Input in{data, size};
  uint64_t now = 1000;
  while (in.n) {
    uint8_t op = in.u8();
    if (op < 200) {
      CtAction a;
      std::vector<uint8_t> frame;
      bool built = op < 160, nat_ok = false;
      uint8_t kind = 0;
      if (built) {
        frame = build(in, &nat_ok, &kind, &a);
        set_nat(kind, frame[12] == 0x86, &a);
      } else {  // raw L3 bytes behind an Ethernet header
        size_t len = std::min<size_t>(in.u8(), in.n);
        frame.assign(14, 0);
        frame[12] = (op & 1) ? 0x86 : 0x08;
        frame[13] = (op & 1) ? 0xdd : 0x00;
        frame.insert(frame.end(), in.p, in.p + len);
        in.p += len;
        in.n -= len;
        a.commit = op & 2;
        set_nat((op >> 2) & 3, op & 1, &a);
      }
      // An exact-size buffer, so ASan sees any read past the frame.
      std::vector<uint8_t> buf(frame);
      CtMeta m{};
      PacketRef r{buf.data() + 14, static_cast<uint32_t>(buf.size() - 14),
                  static_cast<uint16_t>(buf[12] << 8 | buf[13]), &m};
      ct.execute(0, &r, 1, a, now);
      ct.quiesce(0);
      uint8_t s = m.state;
      FUZZ_CHECK(s & kTrk, "state 0x%x", s);
      if (s & kInv) FUZZ_CHECK(!(s & (kNew | kEst | kRel | kRpl)), "state 0x%x", s);
      if (s & kRpl) FUZZ_CHECK(s & (kEst | kRel), "state 0x%x", s);
      if (s & (kSnat | kDnat)) FUZZ_CHECK(a.nat, "state 0x%x without nat", s);
      FUZZ_CHECK(buf.size() == frame.size(), "length changed");
      if (built && nat_ok && (s & (kSnat | kDnat)))
        FUZZ_CHECK(verify_checksums(buf).ok(), "checksums after NAT: %s",
                   verify_checksums(buf).error().message.c_str());
    } else if (op < 230) {
      now += (op - 200) * 1000u;
      ct.sweep(now);
      size_t shown = lines(ct, now).size();
      FUZZ_CHECK(shown == ct.nconns(), "dump shows %zu, nconns %zu", shown, ct.nconns());
      FUZZ_CHECK(ct.nconns() <= 64, "nconns %zu", ct.nconns());
    } else if (op < 245) {
      uint16_t z = op & 1;
      auto r = (op & 2) ? ct.flush(&z, static_cast<const Tuple*>(nullptr))
                        : ct.flush(nullptr, CtMatch{4, 6, {}, {}});
      FUZZ_CHECK(r.ok(), "flush: %s", r.error().message.c_str());
    } else {
      ct.sweep(now);
      std::vector<uint8_t> bytes = ct.export_conns(ExportFilter{}, now);
      FUZZ_CHECK(other.flush(nullptr, static_cast<const Tuple*>(nullptr)).ok(), "flush");
      auto n = other.import_conns(bytes.data(), bytes.size(), now);
      FUZZ_CHECK(n.ok() && n.value() == ct.nconns(), "imported %zu of %zu", n.ok() ? n.value() : 0,
                 ct.nconns());
      FUZZ_CHECK(lines(other, now) == lines(ct, now), "an import dumps differently");
    }
  }
  return 0;
}
