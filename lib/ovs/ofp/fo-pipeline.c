/* The pipeline's actions at the OVS boundary: goto_table, resubmit,
 * write_metadata, set_field/load/move beyond the Ethernet and VLAN fields,
 * mod_nw_*, mod_tp_*, dec_ttl, clone, output to a field (ofpacts <-> Ferry's
 * actions; fo-actions.c handles the rest and calls in here). */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* OVS's field -> Ferry's, or FO_F_NONE. */
int fo_field_from_mff(enum mf_field_id id) {
  if (id >= MFF_REG0 && id < MFF_REG0 + 16) {
    return FO_F_REG0 + (id - MFF_REG0);
  }
  if (id >= MFF_XREG0 && id < MFF_XREG0 + 8) {
    return FO_F_XREG0 + (id - MFF_XREG0);
  }
  if (id >= MFF_XXREG0 && id < MFF_XXREG0 + 4) {
    return FO_F_XXREG0 + (id - MFF_XXREG0);
  }
  switch ((int)id) {
    case MFF_IPV6_SRC:
      return FO_F_IPV6_SRC;
    case MFF_IPV6_DST:
      return FO_F_IPV6_DST;
    case MFF_IPV6_LABEL:
      return FO_F_IPV6_LABEL;
    case MFF_ICMPV6_TYPE:
      return FO_F_TP_SRC;
    case MFF_ICMPV6_CODE:
      return FO_F_TP_DST;
    case MFF_IN_PORT:
      return FO_F_IN_PORT;
    case MFF_ETH_SRC:
      return FO_F_ETH_SRC;
    case MFF_ETH_DST:
      return FO_F_ETH_DST;
    case MFF_ETH_TYPE:
      return FO_F_ETH_TYPE;
    case MFF_VLAN_TCI:
      return FO_F_VLAN_TCI;
    case MFF_IPV4_SRC:
    case MFF_ARP_SPA:
      return FO_F_IP_SRC;
    case MFF_IPV4_DST:
    case MFF_ARP_TPA:
      return FO_F_IP_DST;
    case MFF_IP_PROTO:
      return FO_F_IP_PROTO;
    case MFF_IP_DSCP:
    case MFF_IP_DSCP_SHIFTED:
      return FO_F_IP_DSCP;
    case MFF_IP_ECN:
      return FO_F_IP_ECN;
    case MFF_IP_TTL:
      return FO_F_IP_TTL;
    case MFF_TCP_SRC:
    case MFF_UDP_SRC:
    case MFF_SCTP_SRC:
    case MFF_ICMPV4_TYPE:
      return FO_F_TP_SRC;
    case MFF_TCP_DST:
    case MFF_UDP_DST:
    case MFF_SCTP_DST:
    case MFF_ICMPV4_CODE:
      return FO_F_TP_DST;
    case MFF_ARP_SHA:
      return FO_F_ARP_SHA;
    case MFF_ARP_THA:
      return FO_F_ARP_THA;
    case MFF_ARP_OP:
      return FO_F_ARP_OP;
    case MFF_ND_SLL:
      return FO_F_ND_SLL;
    case MFF_ND_TLL:
      return FO_F_ND_TLL;
    case MFF_ND_TARGET:
      return FO_F_ND_TARGET;
    case MFF_MPLS_LABEL:
      return FO_F_MPLS_LABEL;
    case MFF_MPLS_TC:
      return FO_F_MPLS_TC;
    case MFF_MPLS_BOS:
      return FO_F_MPLS_BOS;
    case MFF_MPLS_TTL:
      return FO_F_MPLS_TTL;
    case MFF_METADATA:
      return FO_F_METADATA;
    case MFF_PKT_MARK:
      return FO_F_PKT_MARK;
    case MFF_TUN_ID:
      return FO_F_TUN_ID;
    case MFF_TUN_SRC:
      return FO_F_TUN_SRC;
    case MFF_TUN_DST:
      return FO_F_TUN_DST;
    case MFF_TUN_TOS:
      return FO_F_TUN_TOS;
    case MFF_TUN_TTL:
      return FO_F_TUN_TTL;
    case MFF_TUN_FLAGS:
      return FO_F_TUN_FLAGS;
    case MFF_TUN_GBP_ID:
      return FO_F_TUN_GBP_ID;
    case MFF_TUN_GBP_FLAGS:
      return FO_F_TUN_GBP_FLAGS;
    case MFF_TUN_METADATA0:
      return FO_F_TUN_METADATA0;
    default:
      return FO_F_NONE;
  }
}

/* Fields a set_field, move or pop cannot write. */
bool fo_field_read_only(int f) {
  return f == FO_F_ETH_TYPE || f == FO_F_IP_PROTO || f == FO_F_ND_SLL || f == FO_F_ND_TLL ||
         f == FO_F_ND_TARGET_HI || f == FO_F_ND_TARGET_LO || f == FO_F_ND_TARGET ||
         f == FO_F_MPLS_BOS;
}

/* The OVS field a datapath action built by Ferry's translation (no OVS
 * field id of its own: 0) stands for. */
enum mf_field_id fo_mff_from_field(int f) {
  if (f >= FO_F_REG0 && f < FO_F_REG0 + 16) {
    return MFF_REG0 + (f - FO_F_REG0);
  }
  if (f >= FO_F_XREG0 && f < FO_F_XREG0 + 8) {
    return MFF_XREG0 + (f - FO_F_XREG0);
  }
  static const enum mf_field_id map[] = {
      [FO_F_IN_PORT] = MFF_IN_PORT,   [FO_F_ETH_SRC] = MFF_ETH_SRC,
      [FO_F_ETH_DST] = MFF_ETH_DST,   [FO_F_ETH_TYPE] = MFF_ETH_TYPE,
      [FO_F_VLAN_TCI] = MFF_VLAN_TCI, [FO_F_IP_SRC] = MFF_IPV4_SRC,
      [FO_F_IP_DST] = MFF_IPV4_DST,   [FO_F_IP_PROTO] = MFF_IP_PROTO,
      [FO_F_IP_DSCP] = MFF_IP_DSCP_SHIFTED, [FO_F_IP_ECN] = MFF_IP_ECN,
      [FO_F_IP_TTL] = MFF_IP_TTL,     [FO_F_TP_SRC] = MFF_TCP_SRC,
      [FO_F_TP_DST] = MFF_TCP_DST,    [FO_F_ARP_SHA] = MFF_ARP_SHA,
      [FO_F_ARP_THA] = MFF_ARP_THA,   [FO_F_METADATA] = MFF_METADATA,
      [FO_F_PKT_MARK] = MFF_PKT_MARK, [FO_F_IPV6_LABEL] = MFF_IPV6_LABEL,
      [FO_F_TUN_ID] = MFF_TUN_ID,     [FO_F_TUN_SRC] = MFF_TUN_SRC,
      [FO_F_TUN_DST] = MFF_TUN_DST,   [FO_F_TUN_TOS] = MFF_TUN_TOS,
      [FO_F_TUN_TTL] = MFF_TUN_TTL,   [FO_F_TUN_FLAGS] = MFF_TUN_FLAGS,
      [FO_F_TUN_GBP_ID] = MFF_TUN_GBP_ID, [FO_F_TUN_GBP_FLAGS] = MFF_TUN_GBP_FLAGS,
      [FO_F_TUN_METADATA0] = MFF_TUN_METADATA0,
      [FO_F_ARP_OP] = MFF_ARP_OP,     [FO_F_ND_SLL] = MFF_ND_SLL,
      [FO_F_ND_TLL] = MFF_ND_TLL,     [FO_F_ND_TARGET_HI] = MFF_ND_TARGET,
      [FO_F_ND_TARGET_LO] = MFF_ND_TARGET, [FO_F_MPLS_LABEL] = MFF_MPLS_LABEL,
      [FO_F_MPLS_TC] = MFF_MPLS_TC,   [FO_F_MPLS_BOS] = MFF_MPLS_BOS,
      [FO_F_MPLS_TTL] = MFF_MPLS_TTL,
  };
  return f > 0 && f < (int)ARRAY_SIZE(map) ? map[f] : MFF_METADATA;
}

/* A field value (network order, n bytes) as a host-order number. */
static uint64_t value_to_u64(const void* p, unsigned int n) {
  const uint8_t* b = p;
  uint64_t v = 0;
  for (unsigned int i = 0; i < n; i++) {
    v = v << 8 | b[i];
  }
  return v;
}

static void u64_to_value(uint64_t v, void* p, unsigned int n) {
  uint8_t* b = p;
  for (unsigned int i = n; i-- > 0;) {
    b[i] = (uint8_t)v;
    v >>= 8;
  }
}

/* Ferry's numbers for OVS's ip_dscp (the TOS bits) are the six DSCP bits. */
static uint64_t mff_scale(enum mf_field_id id, uint64_t v, bool to_ferry) {
  if (id == MFF_IP_DSCP) {
    return to_ferry ? v >> 2 : v << 2;
  }
  return v;
}

/* tun_metadata0 is variable-length (up to 124 bytes, right-aligned in OVS's
 * mf_value): Ferry's key keeps its low 64 bits. The bytes of a value of mf
 * before the ones Ferry keeps (0 for fixed fields up to 8 bytes), or -1
 * when a mask reaching past them (or a wider field) rules it out. */
static int kept_from(const struct mf_field* mf, const void* mask) {
  if (mf->n_bytes <= 8) {
    return 0;
  }
  if (mf->id != MFF_TUN_METADATA0) {
    return -1;
  }
  /* The field whole (an unmasked set_field), or bits Ferry keeps only. */
  const unsigned int skip = mf->n_bytes - 8;
  return !mask || is_all_ones(mask, mf->n_bytes) || is_all_zeros(mask, skip) ? (int)skip : -1;
}

/* Whether a move's subfield fits in the bits Ferry keeps of its field. */
bool fo_subfield_kept(const struct mf_subfield* sf) {
  return sf->field->n_bytes <= 8 || fo_field_is_wide(sf->field) ||
         (sf->field->id == MFF_TUN_METADATA0 && sf->ofs + sf->n_bits <= 64);
}

bool fo_convert_generic_set_field(const struct ofpact_set_field* sf, struct fo_action* out) {
  const struct mf_field* mf = sf->field;
  int f = fo_field_from_mff(mf->id);
  const void* mask = ofpact_set_field_mask(sf);
  int skip = kept_from(mf, mask);
  if (f == FO_F_NONE || skip < 0 || fo_field_read_only(f) || !is_all_zeros(sf->value, skip)) {
    return false;
  }
  unsigned int n = mf->n_bytes - (unsigned int)skip;
  out->type = FO_ACT_SET_FIELD;
  out->u8 = (uint8_t)f;
  out->u16 = (uint16_t)mf->id;
  out->pad = sf->ofpact.raw;
  out->mask = mff_scale(mf->id, value_to_u64((const uint8_t*)mask + skip, n), true);
  out->value = mff_scale(mf->id, value_to_u64((const uint8_t*)sf->value + skip, n), true) &
               out->mask;
  return true;
}

static void put_legacy(struct fo_action* fa, int field, enum mf_field_id id, uint64_t value,
                       unsigned int bits) {
  fa->type = FO_ACT_SET_FIELD;
  fa->flags = FO_ACT_F_LEGACY;
  fa->u8 = (uint8_t)field;
  fa->u16 = (uint16_t)id;
  fa->mask = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
  fa->value = value & fa->mask;
}

/* The pipeline's actions (goto_table, resubmit, set_field/load/move beyond
 * the Ethernet and VLAN fields, mod_nw_*, mod_tp_*, dec_ttl,
 * write_metadata). Returns false when 'a' is not one of them, or (with
 * '*errp' set) when it is but uses something Ferry lacks. */
bool fo_convert_pipeline_action(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                                    size_t* allocp, char** errp) {
  struct fo_action* fa;

  switch (a->type) {
    case OFPACT_GOTO_TABLE:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_GOTO_TABLE);
      fa->u8 = ofpact_get_GOTO_TABLE(a)->table_id;
      return true;
    case OFPACT_RESUBMIT: {
      const struct ofpact_resubmit* r = ofpact_get_RESUBMIT(a);
      if (r->with_ct_orig) {
        *errp = fo_refusal(a, " with ct (a lookup on the original direction's tuple)");
        return true;
      }
      fa = fo_append_action(actsp, np, allocp, FO_ACT_RESUBMIT);
      fa->port = ofp_to_u16(r->in_port);
      fa->u8 = r->table_id;
      return true;
    }
    case OFPACT_WRITE_METADATA: {
      const struct ofpact_metadata* m = ofpact_get_WRITE_METADATA(a);
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      fa->flags = FO_ACT_F_INSTRUCTION;
      fa->u8 = FO_F_METADATA;
      fa->u16 = MFF_METADATA;
      fa->mask = ntohll(m->mask);
      fa->value = ntohll(m->metadata) & fa->mask;
      return true;
    }
    case OFPACT_REG_MOVE: {
      const struct ofpact_reg_move* m = ofpact_get_REG_MOVE(a);
      int src = fo_field_from_mff(m->src.field->id), dst = fo_field_from_mff(m->dst.field->id);
      if (src == FO_F_NONE || dst == FO_F_NONE || src == FO_F_IPV6_LABEL ||
          !fo_subfield_kept(&m->src) || !fo_subfield_kept(&m->dst) ||
          fo_field_read_only(dst) ||
          m->src.field->id == MFF_IP_DSCP || m->dst.field->id == MFF_IP_DSCP) {
        *errp = fo_refusal(a, " on this field");
        return true;
      }
      fa = fo_append_action(actsp, np, allocp, FO_ACT_MOVE);
      fa->mac[0] = (uint8_t)src;
      fa->mac[1] = (uint8_t)dst;
      fa->mac[2] = (uint8_t)m->src.ofs;
      fa->mac[3] = (uint8_t)m->dst.ofs;
      fa->mac[4] = (uint8_t)m->src.n_bits;
      fa->port = m->src.field->id;
      fa->u16 = (uint16_t)m->dst.field->id;
      return true;
    }
    case OFPACT_SET_IPV4_SRC:
    case OFPACT_SET_IPV4_DST: {
      bool src = a->type == OFPACT_SET_IPV4_SRC;
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, src ? FO_F_IP_SRC : FO_F_IP_DST, src ? MFF_IPV4_SRC : MFF_IPV4_DST,
                 ntohl(ALIGNED_CAST(const struct ofpact_ipv4*, a)->ipv4), 32);
      return true;
    }
    case OFPACT_SET_IP_DSCP:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_IP_DSCP, MFF_IP_DSCP, ofpact_get_SET_IP_DSCP(a)->dscp >> 2, 6);
      return true;
    case OFPACT_SET_IP_ECN:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_IP_ECN, MFF_IP_ECN, ofpact_get_SET_IP_ECN(a)->ecn, 2);
      return true;
    case OFPACT_SET_TUNNEL: {
      const struct ofpact_tunnel* t = ofpact_get_SET_TUNNEL(a);
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_TUN_ID, MFF_TUN_ID, t->tun_id, 64);
      fa->pad = t->ofpact.raw; /* set_tunnel or set_tunnel64 */
      return true;
    }
    case OFPACT_SET_MPLS_LABEL:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_MPLS_LABEL, MFF_MPLS_LABEL, ntohl(ofpact_get_SET_MPLS_LABEL(a)->label),
                 20);
      return true;
    case OFPACT_SET_MPLS_TC:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_MPLS_TC, MFF_MPLS_TC, ofpact_get_SET_MPLS_TC(a)->tc, 3);
      return true;
    case OFPACT_SET_MPLS_TTL:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_MPLS_TTL, MFF_MPLS_TTL, ofpact_get_SET_MPLS_TTL(a)->ttl, 8);
      return true;
    case OFPACT_PUSH_MPLS:
    case OFPACT_POP_MPLS:
      fa = fo_append_action(actsp, np, allocp,
                            a->type == OFPACT_PUSH_MPLS ? FO_ACT_PUSH_MPLS : FO_ACT_POP_MPLS);
      fa->u16 = ntohs(a->type == OFPACT_PUSH_MPLS ? ofpact_get_PUSH_MPLS(a)->ethertype
                                                  : ofpact_get_POP_MPLS(a)->ethertype);
      return true;
    case OFPACT_DEC_MPLS_TTL:
      fo_append_action(actsp, np, allocp, FO_ACT_DEC_MPLS_TTL);
      return true;
    case OFPACT_SET_IP_TTL:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, FO_F_IP_TTL, MFF_IP_TTL, ofpact_get_SET_IP_TTL(a)->ttl, 8);
      return true;
    case OFPACT_SET_L4_SRC_PORT:
    case OFPACT_SET_L4_DST_PORT: {
      bool src = a->type == OFPACT_SET_L4_SRC_PORT;
      fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
      put_legacy(fa, src ? FO_F_TP_SRC : FO_F_TP_DST, src ? MFF_TCP_SRC : MFF_TCP_DST,
                 ALIGNED_CAST(const struct ofpact_l4_port*, a)->port, 16);
      return true;
    }
    case OFPACT_DEC_TTL:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_DEC_TTL);
      fa->pad = a->raw;
      return true;
    case OFPACT_OUTPUT_REG: {
      const struct ofpact_output_reg* o = ofpact_get_OUTPUT_REG(a);
      int f = fo_field_from_mff(o->src.field->id);
      if (f == FO_F_NONE || o->src.field->n_bytes > 8 || o->src.n_bits > 16) {
        *errp = fo_refusal(a, " from this field");
        return true;
      }
      fa = fo_append_action(actsp, np, allocp, FO_ACT_OUTPUT_FIELD);
      fa->u8 = (uint8_t)f;
      fa->mac[2] = (uint8_t)o->src.ofs;
      fa->mac[4] = (uint8_t)o->src.n_bits;
      fa->port = o->src.field->id;
      fa->u16 = o->max_len;
      return true;
    }
    case OFPACT_GROUP:
      fa = fo_append_action(actsp, np, allocp, FO_ACT_GROUP);
      fa->port = ofpact_get_GROUP(a)->group_id;
      return true;
    case OFPACT_MULTIPATH: {
      const struct ofpact_multipath* mp = ofpact_get_MULTIPATH(a);
      int f = fo_field_from_mff(mp->dst.field->id);
      if (f == FO_F_NONE || f == FO_F_IPV6_LABEL || f == FO_F_ETH_TYPE || f == FO_F_IP_PROTO ||
          mp->dst.field->id == MFF_IP_DSCP) {
        *errp = fo_refusal(a, " into this field");
        return true;
      }
      fa = fo_append_action(actsp, np, allocp, FO_ACT_MULTIPATH);
      fa->mac[0] = (uint8_t)mp->fields;
      fa->mac[1] = (uint8_t)mp->algorithm;
      fa->u16 = mp->basis;
      fa->value = mp->max_link;
      fa->port = mp->arg;
      fa->u8 = (uint8_t)f;
      fa->mac[2] = (uint8_t)mp->dst.ofs;
      fa->mac[4] = (uint8_t)mp->dst.n_bits;
      fa->mask = mp->dst.field->id;
      return true;
    }
    case OFPACT_OUTPUT_TRUNC: {
      const struct ofpact_output_trunc* o = ofpact_get_OUTPUT_TRUNC(a);
      fa = fo_append_action(actsp, np, allocp, FO_ACT_OUTPUT_TRUNC);
      fa->port = ofp_to_u16(o->port);
      fa->value = o->max_len;
      return true;
    }
    case OFPACT_CLONE:
      fo_convert_nested(a, ofpact_get_CLONE(a), FO_ACT_CLONE, actsp, np, allocp, errp);
      return true;
    default:
      return false;
  }
}

void fo_convert_nested(const struct ofpact* a, const struct ofpact_nest* nest, uint8_t type,
                       struct fo_action** actsp, size_t* np, size_t* allocp, char** errp) {
  size_t at = *np;
  fo_append_action(actsp, np, allocp, type);
  if (!fo_convert_list(nest->actions, ofpact_nest_get_action_len(nest), actsp, np, allocp, errp)) {
    if (!*errp) {
      *errp = fo_refusal(a, " with these actions");
    }
    return;
  }
  if (*np - at - 1 > UINT16_MAX) {
    *errp = fo_refusal(a, " (too many nested actions)");
    return;
  }
  (*actsp)[at].u16 = (uint16_t)(*np - at - 1);
}

/* The inverse of fo_convert_pipeline_action() and fo_convert_generic_set_field(). */
void fo_put_pipeline_action(const struct fo_action* a, struct ofpbuf* ofpacts) {
  switch (a->type) {
    case FO_ACT_GOTO_TABLE:
      ofpact_put_GOTO_TABLE(ofpacts)->table_id = a->u8;
      break;
    case FO_ACT_RESUBMIT: {
      struct ofpact_resubmit* r = ofpact_put_RESUBMIT(ofpacts);
      r->in_port = u16_to_ofp(a->port);
      r->table_id = a->u8;
      break;
    }
    case FO_ACT_SET_FIELD: {
      enum mf_field_id id = a->u16 ? (enum mf_field_id)a->u16 : fo_mff_from_field(a->u8);
      if (a->flags & FO_ACT_F_INSTRUCTION) {
        struct ofpact_metadata* m = ofpact_put_WRITE_METADATA(ofpacts);
        m->metadata = htonll(a->value);
        m->mask = htonll(a->mask);
      } else if (a->flags & FO_ACT_F_LEGACY) {
        switch ((int)id) {
          case MFF_IPV4_SRC:
            ofpact_put_SET_IPV4_SRC(ofpacts)->ipv4 = htonl((uint32_t)a->value);
            break;
          case MFF_IPV4_DST:
            ofpact_put_SET_IPV4_DST(ofpacts)->ipv4 = htonl((uint32_t)a->value);
            break;
          case MFF_IP_DSCP:
            ofpact_put_SET_IP_DSCP(ofpacts)->dscp = (uint8_t)(a->value << 2);
            break;
          case MFF_IP_ECN:
            ofpact_put_SET_IP_ECN(ofpacts)->ecn = (uint8_t)a->value;
            break;
          case MFF_IP_TTL:
            ofpact_put_SET_IP_TTL(ofpacts)->ttl = (uint8_t)a->value;
            break;
          case MFF_TCP_SRC:
            ofpact_put_SET_L4_SRC_PORT(ofpacts)->port = (uint16_t)a->value;
            break;
          case MFF_TCP_DST:
            ofpact_put_SET_L4_DST_PORT(ofpacts)->port = (uint16_t)a->value;
            break;
          case MFF_MPLS_LABEL:
            ofpact_put_SET_MPLS_LABEL(ofpacts)->label = htonl((uint32_t)a->value);
            break;
          case MFF_MPLS_TC:
            ofpact_put_SET_MPLS_TC(ofpacts)->tc = (uint8_t)a->value;
            break;
          case MFF_MPLS_TTL:
            ofpact_put_SET_MPLS_TTL(ofpacts)->ttl = (uint8_t)a->value;
            break;
          case MFF_TUN_ID: {
            struct ofpact_tunnel* t = ofpact_put_SET_TUNNEL(ofpacts);
            t->tun_id = a->value;
            t->ofpact.raw = a->pad;
            break;
          }
          default:
            break;
        }
      } else {
        const struct mf_field* mf = mf_from_id(id);
        union mf_value value, mask;
        memset(&value, 0, sizeof value);
        memset(&mask, 0, sizeof mask);
        u64_to_value(mff_scale(id, a->value, false), &value, mf->n_bytes);
        u64_to_value(mff_scale(id, a->mask, false), &mask, mf->n_bytes);
        if (id == MFF_TUN_METADATA0 && a->mask == UINT64_MAX) {
          memset(&mask, 0xff, mf->n_bytes); /* the field whole: an unmasked set_field */
        }
        struct ofpact_set_field* sf = ofpact_put_set_field(ofpacts, mf, &value, &mask);
        sf->ofpact.raw = a->pad;
      }
      break;
    }
    case FO_ACT_MOVE: {
      struct ofpact_reg_move* m = ofpact_put_REG_MOVE(ofpacts);
      m->src.field = mf_from_id(a->port);
      m->src.ofs = a->mac[2];
      m->src.n_bits = a->mac[4];
      m->dst.field = mf_from_id(a->u16);
      m->dst.ofs = a->mac[3];
      m->dst.n_bits = a->mac[4];
      break;
    }
    case FO_ACT_OUTPUT_FIELD: {
      struct ofpact_output_reg* o = ofpact_put_OUTPUT_REG(ofpacts);
      o->max_len = a->u16;
      o->src.field = mf_from_id(a->port);
      o->src.ofs = a->mac[2];
      o->src.n_bits = a->mac[4];
      break;
    }
    case FO_ACT_DEC_TTL: {
      struct ofpact_cnt_ids* ids;
      uint16_t id = 0;
      ofpact_put_DEC_TTL(ofpacts);
      ofpbuf_put(ofpacts, &id, sizeof id);
      ids = ofpacts->header;
      ids->n_controllers++;
      ids->ofpact.raw = a->pad;
      ofpact_finish_DEC_TTL(ofpacts, &ids);
      break;
    }
    case FO_ACT_GROUP:
      ofpact_put_GROUP(ofpacts)->group_id = a->port;
      break;
    case FO_ACT_MULTIPATH: {
      struct ofpact_multipath* mp = ofpact_put_MULTIPATH(ofpacts);
      mp->fields = a->mac[0];
      mp->algorithm = a->mac[1];
      mp->basis = a->u16;
      mp->max_link = (uint16_t)a->value;
      mp->arg = a->port;
      mp->dst.field = mf_from_id((enum mf_field_id)a->mask);
      mp->dst.ofs = a->mac[2];
      mp->dst.n_bits = a->mac[4];
      break;
    }
    case FO_ACT_PUSH_MPLS:
      ofpact_put_PUSH_MPLS(ofpacts)->ethertype = htons(a->u16);
      break;
    case FO_ACT_POP_MPLS:
      ofpact_put_POP_MPLS(ofpacts)->ethertype = htons(a->u16);
      break;
    case FO_ACT_DEC_MPLS_TTL:
      ofpact_put_DEC_MPLS_TTL(ofpacts);
      break;
    case FO_ACT_OUTPUT_TRUNC: {
      struct ofpact_output_trunc* o = ofpact_put_OUTPUT_TRUNC(ofpacts);
      o->port = u16_to_ofp(a->port);
      o->max_len = (uint32_t)a->value;
      break;
    }
    default:
      break; /* cannot happen: Ferry builds only the types above */
  }
}
