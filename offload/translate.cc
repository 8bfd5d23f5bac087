#include "offload/translate.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "lib/util/text.h"

namespace ferry {

RteFlowSpec::RteFlowSpec() { attr.transfer = 1; }

namespace {

Error untranslatable(std::string why) { return make_error(std::move(why), ENOTSUP); }

bool any(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; i++)
    if (b[i]) return true;
  return false;
}

// The key fields the translation knows; any other masked bit is a reason.
Status check_mask(const FlowKey& key, const FlowKey& mask) {
  uint16_t type = key.ethertype();
  bool ip4 = (mask.dl_type == 0xffff) && type == kEthTypeIpv4;
  bool ip6 = (mask.dl_type == 0xffff) && type == kEthTypeIpv6;
  if (any(mask.arp_sha, 6) || any(mask.arp_tha, 6))
    return untranslatable("ARP hardware addresses are matched");
  if (key.recirc_id & mask.recirc_id) return untranslatable("a recirculated packet");
  {
    FlowKey ct = mask;
    ct.recirc_id = 0;  // every megaflow matches recirculation 0: what a NIC sees
    if (any(ct.words() + FlowKey::kCtWord, (FlowKey::kCtEndWord - FlowKey::kCtWord) * 8))
      return untranslatable("connection tracking state is matched");
    if (mask.tun_flags ||
        any(ct.words() + FlowKey::kTunWord, (FlowKey::kWords - FlowKey::kTunWord) * 8))
      return untranslatable("tunnel metadata is matched");
  }
  if ((mask.nw_src || mask.nw_dst || mask.nw_proto || mask.nw_tos || mask.nw_ttl) && !ip4 && !ip6)
    return untranslatable(mask.dl_type == 0xffff && type == kEthTypeArp
                              ? "ARP fields are matched"
                              : "network fields are matched without an IP ethertype");
  if ((any(mask.ipv6_src, 16) || any(mask.ipv6_dst, 16)) && !ip6)
    return untranslatable("IPv6 addresses are matched without the IPv6 ethertype");
  if (ip6 && (mask.nw_src || mask.nw_dst)) return untranslatable("IPv4 fields on an IPv6 flow");
  if (mask.nw_frag && key.nw_frag) return untranslatable("IP fragments are matched");
  if (mask.nw_ttl && ip6) return untranslatable("the IPv6 hop limit is matched");
  if (mask.nw_tos && ip6) return untranslatable("the IPv6 traffic class is matched");
  bool l4 = (ip4 || ip6) && mask.nw_proto == 0xff &&
            (key.nw_proto == kIpProtoTcp || key.nw_proto == kIpProtoUdp);
  if ((mask.tp_src || mask.tp_dst) && !l4)
    return untranslatable(mask.nw_proto &&
                                  (key.nw_proto == kIpProtoIcmp || key.nw_proto == kIpProtoIcmpv6)
                              ? "ICMP type/code are matched"
                              : "transport ports are matched without TCP or UDP");
  if (mask.tcp_flags && !(l4 && key.nw_proto == kIpProtoTcp))
    return untranslatable("TCP flags without TCP");
  if (ntohs(mask.tcp_flags) & 0xff00)
    return untranslatable("TCP flags beyond the low 8 bits (NS) are matched");
  if (mask.in_port != 0xffffffff && mask.in_port != 0)
    return untranslatable("a partial in_port mask");
  if (mask.in_port == 0) return untranslatable("the input port is not matched");
  return {};
}

void add_item(RteFlowSpec& s, rte_flow_item_type type, const void* spec, const void* mask) {
  s.items.push_back({type, spec, nullptr, mask});
}

void add_action(RteFlowSpec& s, rte_flow_action_type type, const void* conf) {
  s.actions.push_back({type, conf});
}

void build_pattern(RteFlowSpec& s, const FlowKey& key, const FlowKey& mask, uint16_t in_port_id) {
  add_item(s, RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, s.own(rte_flow_item_ethdev{in_port_id}),
           s.own(rte_flow_item_ethdev{0xffff}));
  rte_flow_item_eth eth{}, eth_m{};
  std::memcpy(&eth.dst, key.dl_dst, 6);
  std::memcpy(&eth_m.dst, mask.dl_dst, 6);
  std::memcpy(&eth.src, key.dl_src, 6);
  std::memcpy(&eth_m.src, mask.dl_src, 6);
  bool vlan_known = ntohs(mask.vlan_tci) & kVlanCfi;
  bool tagged = vlan_known && key.has_vlan();
  if (vlan_known && !tagged) {
    eth_m.has_vlan = 1;  // untagged frames only
    eth.has_vlan = 0;
  }
  if (!tagged && mask.dl_type) {
    eth.type = key.dl_type;
    eth_m.type = mask.dl_type;
  }
  add_item(s, RTE_FLOW_ITEM_TYPE_ETH, s.own(eth), s.own(eth_m));
  if (tagged) {
    rte_flow_item_vlan v{}, vm{};
    v.tci = static_cast<uint16_t>(key.vlan_tci & ~htons(kVlanCfi));
    vm.tci = static_cast<uint16_t>(mask.vlan_tci & ~htons(kVlanCfi));
    v.inner_type = key.dl_type;
    vm.inner_type = mask.dl_type;
    add_item(s, RTE_FLOW_ITEM_TYPE_VLAN, s.own(v), s.own(vm));
  }
  uint16_t type = key.ethertype();
  bool ip_known = mask.dl_type == 0xffff;
  if (ip_known && type == kEthTypeIpv4) {
    rte_flow_item_ipv4 ip{}, im{};
    ip.hdr.src_addr = key.nw_src;
    im.hdr.src_addr = mask.nw_src;
    ip.hdr.dst_addr = key.nw_dst;
    im.hdr.dst_addr = mask.nw_dst;
    ip.hdr.next_proto_id = key.nw_proto;
    im.hdr.next_proto_id = mask.nw_proto;
    ip.hdr.type_of_service = key.nw_tos;
    im.hdr.type_of_service = mask.nw_tos;
    ip.hdr.time_to_live = key.nw_ttl;
    im.hdr.time_to_live = mask.nw_ttl;
    add_item(s, RTE_FLOW_ITEM_TYPE_IPV4, s.own(ip), s.own(im));
  } else if (ip_known && type == kEthTypeIpv6) {
    rte_flow_item_ipv6 ip{}, im{};
    std::memcpy(ip.hdr.src_addr, key.ipv6_src, 16);
    std::memcpy(im.hdr.src_addr, mask.ipv6_src, 16);
    std::memcpy(ip.hdr.dst_addr, key.ipv6_dst, 16);
    std::memcpy(im.hdr.dst_addr, mask.ipv6_dst, 16);
    ip.hdr.proto = key.nw_proto;
    im.hdr.proto = mask.nw_proto;
    add_item(s, RTE_FLOW_ITEM_TYPE_IPV6, s.own(ip), s.own(im));
  } else {
    add_item(s, RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr);
    return;
  }
  if (mask.nw_proto == 0xff && key.nw_proto == kIpProtoTcp &&
      (mask.tp_src || mask.tp_dst || mask.tcp_flags)) {
    rte_flow_item_tcp t{}, tm{};
    t.hdr.src_port = key.tp_src;
    tm.hdr.src_port = mask.tp_src;
    t.hdr.dst_port = key.tp_dst;
    tm.hdr.dst_port = mask.tp_dst;
    t.hdr.tcp_flags = static_cast<uint8_t>(ntohs(key.tcp_flags));
    tm.hdr.tcp_flags = static_cast<uint8_t>(ntohs(mask.tcp_flags));
    add_item(s, RTE_FLOW_ITEM_TYPE_TCP, s.own(t), s.own(tm));
  } else if (mask.nw_proto == 0xff && key.nw_proto == kIpProtoUdp && (mask.tp_src || mask.tp_dst)) {
    rte_flow_item_udp u{}, um{};
    u.hdr.src_port = key.tp_src;
    um.hdr.src_port = mask.tp_src;
    u.hdr.dst_port = key.tp_dst;
    um.hdr.dst_port = mask.tp_dst;
    add_item(s, RTE_FLOW_ITEM_TYPE_UDP, s.own(u), s.own(um));
  }
  add_item(s, RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr);
}

std::string mac_text(const void* p) { return format_mac(static_cast<const uint8_t*>(p)); }

std::string ip4_text(uint32_t be) {
  char b[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &be, b, sizeof b);
  return b;
}

std::string ip6_text(const uint8_t* a) {
  char b[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a, b, sizeof b);
  return b;
}

// " NAME spec S mask M" for a masked field, nothing when the mask is zero.
template <class F>
void field(std::string* out, const char* name, bool masked, F text_of_spec, std::string mask_text) {
  if (!masked) return;
  *out += std::string(" ") + name + " spec " + text_of_spec() + " " + name + " mask " + mask_text;
}

std::string item_text(const rte_flow_item& it) {
  std::string o;
  switch (it.type) {
    case RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT: {
      auto* sp = static_cast<const rte_flow_item_ethdev*>(it.spec);
      return "represented_port ethdev_port_id is " + std::to_string(sp->port_id);
    }
    case RTE_FLOW_ITEM_TYPE_ETH: {
      auto* sp = static_cast<const rte_flow_item_eth*>(it.spec);
      auto* m = static_cast<const rte_flow_item_eth*>(it.mask);
      o = "eth";
      field(
          &o, "dst", any(&m->dst, 6), [&] { return mac_text(&sp->dst); }, mac_text(&m->dst));
      field(
          &o, "src", any(&m->src, 6), [&] { return mac_text(&sp->src); }, mac_text(&m->src));
      field(
          &o, "type", m->type != 0, [&] { return strprintf("0x%04x", ntohs(sp->type)); },
          strprintf("0x%04x", ntohs(m->type)));
      if (m->has_vlan) o += strprintf(" has_vlan is %u", sp->has_vlan);
      return o;
    }
    case RTE_FLOW_ITEM_TYPE_VLAN: {
      auto* sp = static_cast<const rte_flow_item_vlan*>(it.spec);
      auto* m = static_cast<const rte_flow_item_vlan*>(it.mask);
      o = "vlan";
      field(
          &o, "tci", m->tci != 0, [&] { return strprintf("0x%04x", ntohs(sp->tci)); },
          strprintf("0x%04x", ntohs(m->tci)));
      field(
          &o, "inner_type", m->inner_type != 0,
          [&] { return strprintf("0x%04x", ntohs(sp->inner_type)); },
          strprintf("0x%04x", ntohs(m->inner_type)));
      return o;
    }
    case RTE_FLOW_ITEM_TYPE_IPV4: {
      auto* sp = static_cast<const rte_flow_item_ipv4*>(it.spec);
      auto* m = static_cast<const rte_flow_item_ipv4*>(it.mask);
      o = "ipv4";
      field(
          &o, "src", m->hdr.src_addr != 0, [&] { return ip4_text(sp->hdr.src_addr); },
          ip4_text(m->hdr.src_addr));
      field(
          &o, "dst", m->hdr.dst_addr != 0, [&] { return ip4_text(sp->hdr.dst_addr); },
          ip4_text(m->hdr.dst_addr));
      field(
          &o, "proto", m->hdr.next_proto_id != 0,
          [&] { return std::to_string(sp->hdr.next_proto_id); },
          std::to_string(m->hdr.next_proto_id));
      field(
          &o, "tos", m->hdr.type_of_service != 0,
          [&] { return std::to_string(sp->hdr.type_of_service); },
          std::to_string(m->hdr.type_of_service));
      field(
          &o, "ttl", m->hdr.time_to_live != 0, [&] { return std::to_string(sp->hdr.time_to_live); },
          std::to_string(m->hdr.time_to_live));
      return o;
    }
    case RTE_FLOW_ITEM_TYPE_IPV6: {
      auto* sp = static_cast<const rte_flow_item_ipv6*>(it.spec);
      auto* m = static_cast<const rte_flow_item_ipv6*>(it.mask);
      o = "ipv6";
      field(
          &o, "src", any(m->hdr.src_addr, 16), [&] { return ip6_text(sp->hdr.src_addr); },
          ip6_text(m->hdr.src_addr));
      field(
          &o, "dst", any(m->hdr.dst_addr, 16), [&] { return ip6_text(sp->hdr.dst_addr); },
          ip6_text(m->hdr.dst_addr));
      field(
          &o, "proto", m->hdr.proto != 0, [&] { return std::to_string(sp->hdr.proto); },
          std::to_string(m->hdr.proto));
      return o;
    }
    case RTE_FLOW_ITEM_TYPE_TCP:
    case RTE_FLOW_ITEM_TYPE_UDP: {
      bool tcp = it.type == RTE_FLOW_ITEM_TYPE_TCP;
      // Both start with the source and destination ports.
      const auto* sp = static_cast<const uint8_t*>(it.spec);
      const auto* m = static_cast<const uint8_t*>(it.mask);
      auto port = [](const uint8_t* p) { return static_cast<unsigned>(p[0] << 8 | p[1]); };
      o = tcp ? "tcp" : "udp";
      field(
          &o, "src", port(m) != 0, [&] { return std::to_string(port(sp)); },
          strprintf("0x%04x", port(m)));
      field(
          &o, "dst", port(m + 2) != 0, [&] { return std::to_string(port(sp + 2)); },
          strprintf("0x%04x", port(m + 2)));
      if (tcp)
        field(
            &o, "flags", m[13] != 0, [&] { return strprintf("0x%02x", sp[13]); },
            strprintf("0x%02x", m[13]));
      return o;
    }
    default:
      return "item" + std::to_string(it.type);
  }
}

std::string action_text(const rte_flow_action& a) {
  switch (a.type) {
    case RTE_FLOW_ACTION_TYPE_SET_MAC_SRC:
      return "set_mac_src mac_addr " +
             mac_text(static_cast<const rte_flow_action_set_mac*>(a.conf)->mac_addr);
    case RTE_FLOW_ACTION_TYPE_SET_MAC_DST:
      return "set_mac_dst mac_addr " +
             mac_text(static_cast<const rte_flow_action_set_mac*>(a.conf)->mac_addr);
    case RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN:
      return strprintf("of_push_vlan ethertype 0x%04x",
                       ntohs(static_cast<const rte_flow_action_of_push_vlan*>(a.conf)->ethertype));
    case RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID:
      return strprintf(
          "of_set_vlan_vid vlan_vid %u",
          ntohs(static_cast<const rte_flow_action_of_set_vlan_vid*>(a.conf)->vlan_vid));
    case RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_PCP:
      return strprintf("of_set_vlan_pcp vlan_pcp %u",
                       static_cast<const rte_flow_action_of_set_vlan_pcp*>(a.conf)->vlan_pcp);
    case RTE_FLOW_ACTION_TYPE_OF_POP_VLAN:
      return "of_pop_vlan";
    case RTE_FLOW_ACTION_TYPE_COUNT:
      return "count";
    case RTE_FLOW_ACTION_TYPE_DROP:
      return "drop";
    case RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT:
      return "represented_port ethdev_port_id " +
             std::to_string(static_cast<const rte_flow_action_ethdev*>(a.conf)->port_id);
    default:
      return "action" + std::to_string(a.type);
  }
}

}  // namespace

std::string RteFlowSpec::to_string() const {
  std::string o = strprintf("transfer priority %u pattern", attr.priority);
  for (const auto& it : items) {
    if (it.type == RTE_FLOW_ITEM_TYPE_END) break;
    o += " " + item_text(it) + " /";
  }
  o += " end actions";
  for (const auto& a : actions) {
    if (a.type == RTE_FLOW_ACTION_TYPE_END) break;
    o += " " + action_text(a) + " /";
  }
  return o + " end";
}

Result<std::unique_ptr<RteFlowSpec>> translate_megaflow(const FlowKey& key, const FlowKey& mask,
                                                        const OffloadAnswer& answer,
                                                        const OffloadPortLookup& ports,
                                                        uint32_t priority) {
  Status st = check_mask(key, mask);
  if (!st) return st.error();
  auto in = ports(key.in_port);
  if (!in)
    return untranslatable(strprintf("input port %u is not on an embedded switch", key.in_port));
  if (!answer.actions) return untranslatable("table miss");
  if (actions_need_xlate(*answer.actions))
    return untranslatable("a multi-table pipeline (goto_table, resubmit, registers)");
  if (answer.has_conversion && answer.conversion_mirror)
    return untranslatable("a mirror conversion duplicates frames");

  auto s = std::make_unique<RteFlowSpec>();
  s->attr.priority = priority;
  s->proxy_port = in->port_id;
  build_pattern(*s, key, mask, in->port_id);

  if (answer.has_conversion) {
    rte_flow_action_set_mac m{};
    std::memcpy(m.mac_addr, answer.conversion_to.data(), 6);
    add_action(*s, RTE_FLOW_ACTION_TYPE_SET_MAC_DST, s->own(m));
  }
  // Whether the frame is tagged at this point of the action list.
  enum { kUnknown, kUntagged, kTagged } tag = kUnknown;
  if (ntohs(mask.vlan_tci) & kVlanCfi) tag = key.has_vlan() ? kTagged : kUntagged;
  uint16_t out_port = 0;
  unsigned outputs = 0;
  for (const Action& a : *answer.actions) {
    if (outputs && a.type != ActionType::kOutput) continue;  // changes no later output sees
    switch (a.type) {
      case ActionType::kOutput: {
        if (a.port >= kOfppMax && a.port != kOfppInPort) {
          std::string name = a.to_string();
          if (a.port == kOfppNormal) name += " (MAC learning)";
          return untranslatable("output to " + name + " needs the software switch");
        }
        if (++outputs > 1) return untranslatable("more than one output (the NIC does not mirror)");
        uint32_t ofport = a.port == kOfppInPort ? key.in_port : a.port;
        auto out = ports(ofport);
        if (!out)
          return untranslatable(strprintf("output port %u is not on an embedded switch", ofport));
        if (out->switch_domain != in->switch_domain)
          return untranslatable(strprintf("output port %u is on another switch than input port %u",
                                          ofport, key.in_port));
        out_port = out->port_id;
        break;
      }
      case ActionType::kSetEthSrc:
      case ActionType::kSetEthDst: {
        rte_flow_action_set_mac m{};
        std::memcpy(m.mac_addr, a.mac, 6);
        add_action(*s,
                   a.type == ActionType::kSetEthSrc ? RTE_FLOW_ACTION_TYPE_SET_MAC_SRC
                                                    : RTE_FLOW_ACTION_TYPE_SET_MAC_DST,
                   s->own(m));
        break;
      }
      case ActionType::kSetVlanVid:
      case ActionType::kSetVlanPcp: {
        if (tag == kUnknown)
          return untranslatable("a VLAN rewrite on a flow that does not match the tag's presence");
        if (tag == kUntagged) {
          if (!(a.flags & Action::kPushIfNeeded)) break;  // no tag: nothing to set
          add_action(*s, RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN,
                     s->own(rte_flow_action_of_push_vlan{htons(kEthTypeVlan)}));
          tag = kTagged;
          if (a.type == ActionType::kSetVlanPcp)  // a pushed tag starts at VID 0
            add_action(*s, RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID,
                       s->own(rte_flow_action_of_set_vlan_vid{0}));
        }
        if (a.type == ActionType::kSetVlanVid)
          add_action(*s, RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID,
                     s->own(rte_flow_action_of_set_vlan_vid{htons(a.u16 & kVlanVidMask)}));
        else
          add_action(*s, RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_PCP,
                     s->own(rte_flow_action_of_set_vlan_pcp{static_cast<uint8_t>(a.u8 & 7)}));
        break;
      }
      case ActionType::kStripVlan:
        if (tag == kUnknown)
          return untranslatable("strip_vlan on a flow that does not match the tag's presence");
        if (tag == kTagged) {
          add_action(*s, RTE_FLOW_ACTION_TYPE_OF_POP_VLAN, nullptr);
          // What is under the tag is known only when the ethertype is matched.
          bool inner_known = mask.dl_type == 0xffff && key.ethertype() != kEthTypeVlan &&
                             key.ethertype() != kEthTypeQinQ;
          tag = inner_known ? kUntagged : kUnknown;
        }
        break;
      case ActionType::kPushVlan:
        if (tag == kUnknown)
          return untranslatable("push_vlan on a flow that does not match the tag's presence");
        add_action(*s, RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN,
                   s->own(rte_flow_action_of_push_vlan{htons(a.u16)}));
        if (tag == kTagged) {  // OpenFlow's new tag has VID 0 and PCP 0
          add_action(*s, RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID,
                     s->own(rte_flow_action_of_set_vlan_vid{0}));
          add_action(*s, RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_PCP,
                     s->own(rte_flow_action_of_set_vlan_pcp{0}));
        }
        tag = kTagged;
        break;
      case ActionType::kMeter:
        return untranslatable("a meter");
      case ActionType::kSetField:
      case ActionType::kDecTtl:
        return untranslatable("an IP or L4 rewrite (" + a.to_string() + ")");
      case ActionType::kClone:
        return untranslatable("clone (the NIC does not mirror)");
      default:
        break;  // translated_only() and kPacketIn/kData: refused above
    }
  }
  add_action(*s, RTE_FLOW_ACTION_TYPE_COUNT, s->own(rte_flow_action_count{}));
  if (outputs) {
    add_action(*s, RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, s->own(rte_flow_action_ethdev{out_port}));
  } else {
    // No output: a drop. Rewrites before it change nothing anyone sees.
    s->actions.erase(std::remove_if(s->actions.begin(), s->actions.end(),
                                    [](const rte_flow_action& a) {
                                      return a.type != RTE_FLOW_ACTION_TYPE_COUNT;
                                    }),
                     s->actions.end());
    add_action(*s, RTE_FLOW_ACTION_TYPE_DROP, nullptr);
  }
  add_action(*s, RTE_FLOW_ACTION_TYPE_END, nullptr);
  return s;
}

}  // namespace ferry
