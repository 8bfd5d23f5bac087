#include "lib/flow/ct_action.h"

#include <arpa/inet.h>

#include <cstring>

#include "lib/util/text.h"

namespace ferry {

namespace {

void put16(ActionList* out, uint8_t tag, const void* bytes) {
  Action d = Action::data_bytes(static_cast<const uint8_t*>(bytes), kActionDataBytes);
  d.u8 = tag;
  out->push_back(d);
}

void get16(const Action& d, void* bytes) {
  std::memcpy(bytes, &d.value, 8);
  std::memcpy(static_cast<uint8_t*>(bytes) + 8, &d.mask, 8);
}

std::string format_addr(const uint8_t* a, bool v6) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, a, buf, sizeof buf);
  return v6 ? std::string("[") + buf + "]" : std::string(buf);
}

std::string format_nat(const CtSpec& s) {
  std::string out = "nat";
  const uint8_t f = s.nat_flags;
  if (!(f & (CtSpec::kNatSrc | CtSpec::kNatDst))) return out;
  out += f & CtSpec::kNatSrc ? "(src" : "(dst";
  const bool v6 = f & CtSpec::kNatIpv6;
  if (f & CtSpec::kNatAddrRange) {
    out += "=" + format_addr(s.nat_min, v6);
    if (std::memcmp(s.nat_min, s.nat_max, 16) != 0) out += "-" + format_addr(s.nat_max, v6);
    if (f & CtSpec::kNatPortRange) {
      out += strprintf(":%u", s.port_min);
      if (s.port_max != s.port_min) out += strprintf("-%u", s.port_max);
    }
  }
  if (f & CtSpec::kNatPersistent) out += ",persistent";
  if (f & CtSpec::kNatHash) out += ",hash";
  if (f & CtSpec::kNatRandom) out += ",random";
  return out + ")";
}

}  // namespace

void append_ct(ActionList* out, const CtSpec& s) {
  Action head = Action::clear_actions();
  head.type = ActionType::kCt;
  head.flags = s.flags;
  head.u16 = s.zone;
  head.u8 = s.recirc_table;
  head.mac[0] = static_cast<uint8_t>(s.zone_field);
  head.mac[2] = s.zone_ofs;
  head.mac[3] = s.alg;
  head.mac[4] = s.zone_bits;
  head.mac[5] = s.nat_flags;
  head.port = s.mark;
  head.value = s.mark_mask | uint64_t{s.port_min} << 32 | uint64_t{s.port_max} << 48;
  const size_t at = out->size();
  out->push_back(head);
  if (s.flags & CtSpec::kSetLabel) {
    put16(out, kDataCtLabel, s.label);
    put16(out, kDataCtLabelMask, s.label_mask);
  }
  if (s.nat_flags & CtSpec::kNatAddrRange) {
    put16(out, kDataNatMin, s.nat_min);
    put16(out, kDataNatMax, s.nat_max);
  }
  (*out)[at].mac[1] = static_cast<uint8_t>(out->size() - at - 1);
}

CtSpec decode_ct(const Action* a, size_t n_following) {
  CtSpec s;
  s.flags = a->flags;
  s.zone = a->u16;
  s.recirc_table = a->u8;
  s.zone_field = static_cast<Field>(a->mac[0]);
  s.zone_ofs = a->mac[2];
  s.alg = a->mac[3];
  s.zone_bits = a->mac[4];
  s.nat_flags = a->mac[5];
  s.mark = a->port;
  s.mark_mask = static_cast<uint32_t>(a->value);
  s.port_min = static_cast<uint16_t>(a->value >> 32);
  s.port_max = static_cast<uint16_t>(a->value >> 48);
  const size_t n = a->mac[1] < n_following ? a->mac[1] : n_following;
  for (size_t i = 1; i <= n; i++) {
    const Action& d = a[i];
    if (d.type != ActionType::kData) break;
    switch (d.u8) {
      case kDataCtLabel:
        get16(d, s.label);
        break;
      case kDataCtLabelMask:
        get16(d, s.label_mask);
        break;
      case kDataNatMin:
        get16(d, s.nat_min);
        break;
      case kDataNatMax:
        get16(d, s.nat_max);
        break;
      default:
        break;
    }
  }
  return s;
}

std::string format_ct(const CtSpec& s) {
  std::string out = "ct(";
  auto add = [&out](const std::string& part) {
    if (out.back() != '(') out += ",";
    out += part;
  };
  if (s.flags & CtSpec::kCommit) add("commit");
  if (s.flags & CtSpec::kForce) add("force");
  if (s.zone_field != Field::kNone) {
    add(strprintf("zone=%s[%u..%u]", field_name(s.zone_field).c_str(), s.zone_ofs,
                  s.zone_ofs + s.zone_bits - 1));
  } else if (s.zone) {
    add(strprintf("zone=%u", s.zone));
  }
  if (s.recirc_table != kCtNoRecirc) add(strprintf("table=%u", s.recirc_table));
  if (s.flags & CtSpec::kSetMark) add(strprintf("mark=0x%x/0x%x", s.mark, s.mark_mask));
  if (s.flags & CtSpec::kSetLabel) {
    add(strprintf("label=0x%016llx%016llx", static_cast<unsigned long long>(s.label[1]),
                  static_cast<unsigned long long>(s.label[0])));
  }
  if (s.flags & CtSpec::kNat) add(format_nat(s));
  if (s.alg) add(s.alg == 21 ? "helper=ftp" : "helper=tftp");
  return out + ")";
}

}  // namespace ferry
