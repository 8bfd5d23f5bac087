#include "offload/eswitch-emu/esw_rule.h"

#include <netinet/in.h>

#include <cstdio>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_flow.h>
#include <rte_mbuf.h>

namespace ferry::esw {

namespace {

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

void set_be16(uint16_t* field, uint16_t host) { *field = rte_cpu_to_be_16(host); }

}  // namespace

bool parse_frame(const uint8_t* d, uint32_t len, uint8_t in_vport, EswKey* k) {
  std::memset(k, 0, sizeof *k);
  k->in_vport = in_vport;
  if (len < 14) return false;
  std::memcpy(k->dst, d, 6);
  std::memcpy(k->src, d + 6, 6);
  std::memcpy(&k->eth_type, d + 12, 2);
  uint16_t type = rd16(d + 12);
  uint32_t off = 14;
  if ((type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) && len >= 18) {
    k->has_vlan = 1;
    std::memcpy(&k->tci, d + 14, 2);
    std::memcpy(&k->inner_type, d + 16, 2);
    type = rd16(d + 16);
    off = 18;
  }
  uint8_t proto = 0;
  uint32_t l4off = 0;
  if (type == RTE_ETHER_TYPE_IPV4 && len >= off + 20) {
    const uint8_t* ip = d + off;
    k->l3 = 4;
    k->tos = ip[1];
    k->ttl = ip[8];
    proto = k->ip_proto = ip[9];
    std::memcpy(&k->ip4_src, ip + 12, 4);
    std::memcpy(&k->ip4_dst, ip + 16, 4);
    l4off = off + (ip[0] & 0xf) * 4u;
    bool first_fragment = (rd16(ip + 6) & 0x1fff) == 0;
    if (!first_fragment) l4off = 0;
  } else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
    const uint8_t* ip = d + off;
    k->l3 = 6;
    k->tos = static_cast<uint8_t>((rd16(ip) >> 4) & 0xff);
    k->ttl = ip[7];
    proto = k->ip_proto = ip[6];
    std::memcpy(k->ip6_src, ip + 8, 16);
    std::memcpy(k->ip6_dst, ip + 24, 16);
    l4off = off + 40;
  }
  if (l4off && (proto == IPPROTO_TCP || proto == IPPROTO_UDP) && len >= l4off + 8) {
    k->l4 = proto;
    std::memcpy(&k->sport, d + l4off, 2);
    std::memcpy(&k->dport, d + l4off + 2, 2);
    if (proto == IPPROTO_TCP && len >= l4off + 14) k->tcp_flags = d[l4off + 13];
  }
  return true;
}

namespace {

struct Compiler {
  const VportOf& vport_of;
  CompiledRule* r;
  CompileError* err;

  bool fail(int code, int type, const void* cause, std::string msg) {
    err->code = code;
    err->type = type;
    err->cause = cause;
    err->message = std::move(msg);
    return false;
  }

  template <class T>
  static void mbytes(T* key, T* mask, const void* spec, const void* msk, size_t n) {
    const auto* s = static_cast<const uint8_t*>(spec);
    const auto* m = static_cast<const uint8_t*>(msk);
    auto* k = reinterpret_cast<uint8_t*>(key);
    auto* mm = reinterpret_cast<uint8_t*>(mask);
    for (size_t i = 0; i < n; i++) {
      mm[i] |= m[i];
      k[i] = static_cast<uint8_t>((k[i] & ~m[i]) | (s[i] & m[i]));
    }
  }
  void require(uint8_t EswKey::*field, uint8_t value) {
    r->key.*field = value;
    r->mask.*field = 0xff;
  }

  bool item(const rte_flow_item* it, bool* saw_vlan, bool* saw_l3) {
    if (it->last) {
      return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_LAST, it,
                  "ranges (item 'last') are not supported");
    }
    EswKey& k = r->key;
    EswKey& m = r->mask;
    switch (it->type) {
      case RTE_FLOW_ITEM_TYPE_VOID:
        return true;
      case RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT:
      case RTE_FLOW_ITEM_TYPE_PORT_ID: {
        if (!it->spec) {
          return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_SPEC, it, "port item without a spec");
        }
        uint32_t id = it->type == RTE_FLOW_ITEM_TYPE_PORT_ID
                          ? static_cast<const rte_flow_item_port_id*>(it->spec)->id
                          : static_cast<const rte_flow_item_ethdev*>(it->spec)->port_id;
        if (it->mask) {
          uint32_t mk = it->type == RTE_FLOW_ITEM_TYPE_PORT_ID
                            ? static_cast<const rte_flow_item_port_id*>(it->mask)->id
                            : static_cast<const rte_flow_item_ethdev*>(it->mask)->port_id;
          if (mk == 0) return true;
          if ((mk & 0xffff) != 0xffff) {
            return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_MASK, it,
                        "partial port masks are not supported");
          }
        }
        uint8_t vp = id > 0xffff ? kNoVport : vport_of(static_cast<uint16_t>(id));
        if (vp == kNoVport) {
          return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM_SPEC, it,
                      "port " + std::to_string(id) + " is not in this switch domain");
        }
        require(&EswKey::in_vport, vp);
        return true;
      }
      case RTE_FLOW_ITEM_TYPE_ETH: {
        static const rte_flow_item_eth def = [] {
          rte_flow_item_eth e{};
          std::memset(&e.dst, 0xff, 6);
          std::memset(&e.src, 0xff, 6);
          e.type = 0xffff;
          return e;
        }();
        const auto* s = static_cast<const rte_flow_item_eth*>(it->spec);
        const auto* mk = it->mask ? static_cast<const rte_flow_item_eth*>(it->mask) : &def;
        if (!s) return true;
        mbytes(k.dst, m.dst, &s->dst, &mk->dst, 6);
        mbytes(k.src, m.src, &s->src, &mk->src, 6);
        mbytes(&k.eth_type, &m.eth_type, &s->type, &mk->type, 2);
        if (mk->has_vlan) require(&EswKey::has_vlan, s->has_vlan ? 1 : 0);
        return true;
      }
      case RTE_FLOW_ITEM_TYPE_VLAN: {
        *saw_vlan = true;
        require(&EswKey::has_vlan, 1);
        rte_flow_item_vlan def{};
        def.tci = RTE_BE16(0x0fff);
        const auto* s = static_cast<const rte_flow_item_vlan*>(it->spec);
        const auto* mk = it->mask ? static_cast<const rte_flow_item_vlan*>(it->mask) : &def;
        if (!s) return true;
        mbytes(&k.tci, &m.tci, &s->tci, &mk->tci, 2);
        mbytes(&k.inner_type, &m.inner_type, &s->inner_type, &mk->inner_type, 2);
        return true;
      }
      case RTE_FLOW_ITEM_TYPE_IPV4: {
        *saw_l3 = true;
        require(&EswKey::l3, 4);
        rte_flow_item_ipv4 def{};
        def.hdr.src_addr = def.hdr.dst_addr = 0xffffffff;
        const auto* s = static_cast<const rte_flow_item_ipv4*>(it->spec);
        const auto* mk = it->mask ? static_cast<const rte_flow_item_ipv4*>(it->mask) : &def;
        if (!s) return true;
        mbytes(&k.ip4_src, &m.ip4_src, &s->hdr.src_addr, &mk->hdr.src_addr, 4);
        mbytes(&k.ip4_dst, &m.ip4_dst, &s->hdr.dst_addr, &mk->hdr.dst_addr, 4);
        mbytes(&k.ip_proto, &m.ip_proto, &s->hdr.next_proto_id, &mk->hdr.next_proto_id, 1);
        mbytes(&k.tos, &m.tos, &s->hdr.type_of_service, &mk->hdr.type_of_service, 1);
        mbytes(&k.ttl, &m.ttl, &s->hdr.time_to_live, &mk->hdr.time_to_live, 1);
        return true;
      }
      case RTE_FLOW_ITEM_TYPE_IPV6: {
        *saw_l3 = true;
        require(&EswKey::l3, 6);
        rte_flow_item_ipv6 def{};
        std::memset(def.hdr.src_addr, 0xff, 16);
        std::memset(def.hdr.dst_addr, 0xff, 16);
        const auto* s = static_cast<const rte_flow_item_ipv6*>(it->spec);
        const auto* mk = it->mask ? static_cast<const rte_flow_item_ipv6*>(it->mask) : &def;
        if (!s) return true;
        mbytes(k.ip6_src, m.ip6_src, s->hdr.src_addr, mk->hdr.src_addr, 16);
        mbytes(k.ip6_dst, m.ip6_dst, s->hdr.dst_addr, mk->hdr.dst_addr, 16);
        mbytes(&k.ip_proto, &m.ip_proto, &s->hdr.proto, &mk->hdr.proto, 1);
        return true;
      }
      case RTE_FLOW_ITEM_TYPE_TCP:
      case RTE_FLOW_ITEM_TYPE_UDP: {
        bool tcp = it->type == RTE_FLOW_ITEM_TYPE_TCP;
        require(&EswKey::l4, tcp ? IPPROTO_TCP : IPPROTO_UDP);
        const void* s = it->spec;
        if (!s) return true;
        rte_flow_item_tcp dtcp{};
        rte_flow_item_udp dudp{};
        dtcp.hdr.src_port = dtcp.hdr.dst_port = 0xffff;
        dudp.hdr.src_port = dudp.hdr.dst_port = 0xffff;
        const void* mk = it->mask ? it->mask : tcp ? static_cast<const void*>(&dtcp) : &dudp;
        // Both headers start with the source and destination ports; the
        // TCP flags are byte 13.
        const auto* sb = static_cast<const uint8_t*>(s);
        const auto* mb = static_cast<const uint8_t*>(mk);
        mbytes(&k.sport, &m.sport, sb, mb, 2);
        mbytes(&k.dport, &m.dport, sb + 2, mb + 2, 2);
        if (tcp) mbytes(&k.tcp_flags, &m.tcp_flags, sb + 13, mb + 13, 1);
        return true;
      }
      default:
        return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ITEM, it,
                    "item type " + std::to_string(it->type) + " is not supported");
    }
  }

  bool action(const rte_flow_action* a, int* fates) {
    Op op{};
    switch (a->type) {
      case RTE_FLOW_ACTION_TYPE_VOID:
        return true;
      case RTE_FLOW_ACTION_TYPE_SET_MAC_SRC:
      case RTE_FLOW_ACTION_TYPE_SET_MAC_DST:
        if (!a->conf)
          return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "set_mac without conf");
        op.type =
            a->type == RTE_FLOW_ACTION_TYPE_SET_MAC_SRC ? OpType::kSetMacSrc : OpType::kSetMacDst;
        std::memcpy(op.mac, static_cast<const rte_flow_action_set_mac*>(a->conf)->mac_addr, 6);
        break;
      case RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN: {
        if (!a->conf)
          return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "push_vlan without conf");
        op.type = OpType::kPushVlan;
        op.value =
            rte_be_to_cpu_16(static_cast<const rte_flow_action_of_push_vlan*>(a->conf)->ethertype);
        if (op.value != RTE_ETHER_TYPE_VLAN && op.value != RTE_ETHER_TYPE_QINQ) {
          return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
                      "push_vlan ethertype must be 0x8100 or 0x88a8");
        }
        break;
      }
      case RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID:
        if (!a->conf)
          return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "set_vlan_vid without conf");
        op.type = OpType::kSetVid;
        op.value = rte_be_to_cpu_16(
                       static_cast<const rte_flow_action_of_set_vlan_vid*>(a->conf)->vlan_vid) &
                   0xfff;
        break;
      case RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_PCP:
        if (!a->conf)
          return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "set_vlan_pcp without conf");
        op.type = OpType::kSetPcp;
        op.value = static_cast<const rte_flow_action_of_set_vlan_pcp*>(a->conf)->vlan_pcp & 7;
        break;
      case RTE_FLOW_ACTION_TYPE_OF_POP_VLAN:
        op.type = OpType::kPopVlan;
        break;
      case RTE_FLOW_ACTION_TYPE_COUNT:
        if (r->has_count)
          return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, a, "only one count action per rule");
        r->has_count = true;
        op.type = OpType::kCount;
        break;
      case RTE_FLOW_ACTION_TYPE_MARK:
        if (!a->conf) return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "mark without conf");
        op.type = OpType::kMark;
        op.arg = static_cast<const rte_flow_action_mark*>(a->conf)->id;
        break;
      case RTE_FLOW_ACTION_TYPE_DROP:
        op.type = OpType::kDrop;
        ++*fates;
        break;
      case RTE_FLOW_ACTION_TYPE_JUMP:
        if (!a->conf) return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "jump without conf");
        op.type = OpType::kJump;
        op.arg = static_cast<const rte_flow_action_jump*>(a->conf)->group;
        if (op.arg <= r->group) {
          return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
                      "jump must go to a higher group");
        }
        ++*fates;
        break;
      case RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT:
      case RTE_FLOW_ACTION_TYPE_PORT_REPRESENTOR:
      case RTE_FLOW_ACTION_TYPE_PORT_ID: {
        if (!a->conf)
          return fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a, "port action without conf");
        uint32_t id;
        if (a->type == RTE_FLOW_ACTION_TYPE_PORT_ID) {
          const auto* c = static_cast<const rte_flow_action_port_id*>(a->conf);
          if (c->original)
            return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
                        "port_id 'original' is not supported");
          id = c->id;
        } else {
          id = static_cast<const rte_flow_action_ethdev*>(a->conf)->port_id;
        }
        uint8_t vp = id > 0xffff ? kNoVport : vport_of(static_cast<uint16_t>(id));
        if (vp == kNoVport) {
          return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION_CONF, a,
                      "port " + std::to_string(id) + " is not in this switch domain");
        }
        op.type =
            a->type == RTE_FLOW_ACTION_TYPE_PORT_REPRESENTOR ? OpType::kToHost : OpType::kToVport;
        op.arg = vp;
        ++*fates;
        break;
      }
      default:
        return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, a,
                    "action type " + std::to_string(a->type) + " is not supported");
    }
    if (*fates > 1) {
      return fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ACTION, a,
                  "only one fate action per rule (no mirroring)");
    }
    r->ops.push_back(op);
    return true;
  }
};

}  // namespace

bool compile_rule(const rte_flow_attr* attr, const rte_flow_item* items,
                  const rte_flow_action* actions, const VportOf& vport_of, CompiledRule* out,
                  CompileError* err) {
  Compiler c{vport_of, out, err};
  *out = CompiledRule{};
  if (!attr) return c.fail(EINVAL, RTE_FLOW_ERROR_TYPE_ATTR, nullptr, "no attributes");
  if (!attr->transfer) {
    return c.fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_TRANSFER, attr,
                  "only transfer rules (the embedded switch) are supported");
  }
  if (attr->egress)
    return c.fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_EGRESS, attr, "egress is not supported");
  if (attr->group > 15)
    return c.fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_GROUP, attr, "groups 0-15 only");
  if (attr->priority > 0xffff)
    return c.fail(ENOTSUP, RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY, attr, "priority above 65535");
  out->group = attr->group;
  out->priority = attr->priority;
  if (!items) return c.fail(EINVAL, RTE_FLOW_ERROR_TYPE_ITEM_NUM, nullptr, "no pattern");
  if (!actions) return c.fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_NUM, nullptr, "no actions");
  bool saw_vlan = false, saw_l3 = false;
  for (const rte_flow_item* it = items; it->type != RTE_FLOW_ITEM_TYPE_END; it++)
    if (!c.item(it, &saw_vlan, &saw_l3)) return false;
  // "eth / ipv4" describes an untagged frame: without a VLAN item, an L3
  // item only matches frames that carry no tag.
  if (saw_l3 && !saw_vlan && !out->mask.has_vlan) c.require(&EswKey::has_vlan, 0);
  int fates = 0;
  for (const rte_flow_action* a = actions; a->type != RTE_FLOW_ACTION_TYPE_END; a++)
    if (!c.action(a, &fates)) return false;
  if (fates == 0) {
    return c.fail(EINVAL, RTE_FLOW_ERROR_TYPE_ACTION_NUM, actions,
                  "no fate action (port, drop or jump)");
  }
  return true;
}

Verdict run_ops(const std::vector<Op>& ops, rte_mbuf* m) {
  for (const Op& op : ops) {
    auto* d = rte_pktmbuf_mtod(m, uint8_t*);
    switch (op.type) {
      case OpType::kSetMacSrc:
        if (m->data_len >= 12) std::memcpy(d + 6, op.mac, 6);
        break;
      case OpType::kSetMacDst:
        if (m->data_len >= 6) std::memcpy(d, op.mac, 6);
        break;
      case OpType::kPushVlan: {
        if (m->data_len < 14) break;
        auto* nd = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 4));
        if (!nd) return {Verdict::kDrop, 0};
        std::memmove(nd, nd + 4, 12);
        set_be16(reinterpret_cast<uint16_t*>(nd + 12), op.value);
        // The new tag copies the inner tag's TCI when there is one (as
        // OpenFlow's push_vlan does), else starts at 0.
        uint16_t inner_type = rd16(nd + 16);
        uint16_t tci = 0;
        if ((inner_type == RTE_ETHER_TYPE_VLAN || inner_type == RTE_ETHER_TYPE_QINQ) &&
            m->data_len >= 22)
          tci = rd16(nd + 18);
        set_be16(reinterpret_cast<uint16_t*>(nd + 14), tci);
        break;
      }
      case OpType::kSetVid:
      case OpType::kSetPcp: {
        uint16_t type = m->data_len >= 18 ? rd16(d + 12) : 0;
        if (type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ) break;
        uint16_t tci = rd16(d + 14);
        tci = op.type == OpType::kSetVid ? static_cast<uint16_t>((tci & 0xf000) | op.value)
                                         : static_cast<uint16_t>((tci & 0x1fff) | op.value << 13);
        set_be16(reinterpret_cast<uint16_t*>(d + 14), tci);
        break;
      }
      case OpType::kPopVlan: {
        uint16_t type = m->data_len >= 18 ? rd16(d + 12) : 0;
        if (type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ) break;
        std::memmove(d + 4, d, 12);
        rte_pktmbuf_adj(m, 4);
        break;
      }
      case OpType::kMark:
        m->hash.fdir.hi = op.arg;
        m->ol_flags |= RTE_MBUF_F_RX_FDIR | RTE_MBUF_F_RX_FDIR_ID;
        break;
      case OpType::kCount:
        break;  // counted by the switch on a hit
      case OpType::kDrop:
        return {Verdict::kDrop, 0};
      case OpType::kJump:
        return {Verdict::kJump, op.arg};
      case OpType::kToVport:
        return {Verdict::kVport, op.arg};
      case OpType::kToHost:
        return {Verdict::kHost, op.arg};
    }
  }
  return {};
}

}  // namespace ferry::esw
