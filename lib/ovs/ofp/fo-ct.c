/* ct() and ct_clear <-> FO_ACT_CT / FO_ACT_CT_CLEAR (layout in fo-ofp.h).
 * ct's exec() may set ct_mark and ct_label (set_field or load with a
 * constant, as OVS allows); nat() takes OVS's ranges and flags. The zone
 * may be read from a field Ferry has (zone=NXM_NX_REG13[0..15]). */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openflow/nicira-ext.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-ct.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "packets.h"
#include "util.h"

static void put_data16(struct fo_action** actsp, size_t* np, size_t* allocp, uint8_t tag,
                       const void* bytes) {
  struct fo_action* d = fo_append_action(actsp, np, allocp, FO_ACT_DATA);
  d->u8 = tag;
  memcpy(&d->value, bytes, 8);
  memcpy(&d->mask, (const uint8_t*)bytes + 8, 8);
}

/* exec(move:SRC->ct_mark|ct_label): resolved by the translation. */
#define MAX_CT_MOVES 4
struct ct_moves {
  struct fo_action data[MAX_CT_MOVES];
  size_t n;
};

static bool convert_exec_move(const struct ofpact* a, struct ct_moves* moves, char** errp) {
  const struct ofpact_reg_move* m = ofpact_get_REG_MOVE(a);
  enum mf_field_id dst = m->dst.field->id;
  int src = fo_field_from_mff(m->src.field->id);
  if ((dst != MFF_CT_MARK && dst != MFF_CT_LABEL) || src == FO_F_NONE || src == FO_F_IPV6_LABEL ||
      m->src.n_bits > 64 || moves->n >= MAX_CT_MOVES) {
    *errp = fo_refusal(a, " inside ct(exec(...)) (a move into ct_mark or ct_label from a field)");
    return false;
  }
  struct fo_action* d = &moves->data[moves->n++];
  memset(d, 0, sizeof *d);
  d->type = FO_ACT_DATA;
  d->u8 = FO_DATA_CT_MOVE;
  d->mac[0] = (uint8_t)src;
  d->mac[1] = (uint8_t)m->src.ofs;
  d->mac[2] = (uint8_t)m->src.n_bits;
  d->mac[3] = dst == MFF_CT_LABEL;
  d->mac[4] = (uint8_t)m->dst.ofs;
  d->port = m->src.field->id;
  return true;
}

/* The exec() list: set_field to ct_mark/ct_label, moves into them. */
static bool convert_exec(const struct ofpact_conntrack* oc, struct fo_action* head, ovs_u128* label,
                         ovs_u128* label_mask, const struct ofpact_nat** nat,
                         struct ct_moves* moves, char** errp) {
  const struct ofpact* a;
  OFPACT_FOR_EACH(a, oc->actions, ofpact_ct_get_action_len(oc)) {
    if (a->type == OFPACT_NAT) {
      *nat = ofpact_get_NAT(a);
      continue;
    }
    if (a->type == OFPACT_REG_MOVE) {
      if (!convert_exec_move(a, moves, errp)) {
        return false;
      }
      continue;
    }
    if (a->type != OFPACT_SET_FIELD) {
      *errp = fo_refusal(a, " inside ct(exec(...))");
      return false;
    }
    const struct ofpact_set_field* sf = ofpact_get_SET_FIELD(a);
    const union mf_value* mask = ofpact_set_field_mask(sf);
    if (sf->field->id == MFF_CT_MARK) {
      uint32_t v = ntohl(sf->value->be32), m = ntohl(mask->be32);
      head->flags |= FO_CT_F_SET_MARK;
      head->port = (head->port & ~m) | (v & m);
      head->value |= m;
    } else if (sf->field->id == MFF_CT_LABEL) {
      ovs_u128 v = ntoh128(sf->value->be128), m = ntoh128(mask->be128);
      head->flags |= FO_CT_F_SET_LABEL;
      label->u64.lo = (label->u64.lo & ~m.u64.lo) | (v.u64.lo & m.u64.lo);
      label->u64.hi = (label->u64.hi & ~m.u64.hi) | (v.u64.hi & m.u64.hi);
      label_mask->u64.lo |= m.u64.lo;
      label_mask->u64.hi |= m.u64.hi;
    } else {
      *errp = fo_refusal(a, " inside ct(exec(...)) (only ct_mark and ct_label)");
      return false;
    }
  }
  return true;
}

static void convert_nat(const struct ofpact_nat* nat, struct fo_action* head, uint8_t min[16],
                        uint8_t max[16]) {
  uint8_t f = 0;
  f |= nat->flags & NX_NAT_F_SRC ? FO_NAT_F_SRC : 0;
  f |= nat->flags & NX_NAT_F_DST ? FO_NAT_F_DST : 0;
  f |= nat->flags & NX_NAT_F_PERSISTENT ? FO_NAT_F_PERSISTENT : 0;
  f |= nat->flags & NX_NAT_F_PROTO_HASH ? FO_NAT_F_HASH : 0;
  f |= nat->flags & NX_NAT_F_PROTO_RANDOM ? FO_NAT_F_RANDOM : 0;
  if (nat->range_af == AF_INET) {
    f |= FO_NAT_F_ADDR_RANGE;
    memcpy(min, &nat->range.addr.ipv4.min, 4);
    memcpy(max, &nat->range.addr.ipv4.max, 4);
  } else if (nat->range_af == AF_INET6) {
    f |= FO_NAT_F_ADDR_RANGE | FO_NAT_F_IPV6;
    memcpy(min, &nat->range.addr.ipv6.min, 16);
    memcpy(max, &nat->range.addr.ipv6.max, 16);
  }
  if (nat->range.proto.min) {
    f |= FO_NAT_F_PORT_RANGE;
    head->value |= (uint64_t)nat->range.proto.min << 32;
    head->value |= (uint64_t)(nat->range.proto.max ? nat->range.proto.max : nat->range.proto.min)
                   << 48;
  }
  head->flags |= FO_CT_F_NAT;
  head->mac[5] = f;
}

bool fo_convert_ct(const struct ofpact* a, struct fo_action** actsp, size_t* np, size_t* allocp,
                   char** errp) {
  if (a->type == OFPACT_CT_CLEAR) {
    fo_append_action(actsp, np, allocp, FO_ACT_CT_CLEAR);
    return true;
  }
  if (a->type != OFPACT_CT) {
    return false;
  }
  const struct ofpact_conntrack* oc = ofpact_get_CT(a);
  struct fo_action head;
  memset(&head, 0, sizeof head);
  head.type = FO_ACT_CT;
  head.flags = (oc->flags & NX_CT_F_COMMIT ? FO_CT_F_COMMIT : 0) |
               (oc->flags & NX_CT_F_FORCE ? FO_CT_F_FORCE : 0);
  head.u16 = oc->zone_imm;
  head.u8 = oc->recirc_table;
  if (oc->zone_src.field) {
    int f = fo_field_from_mff(oc->zone_src.field->id);
    if (f == FO_F_NONE || oc->zone_src.n_bits > 16) {
      *errp = fo_refusal(a, " (a zone from a field Ferry does not have)");
      return false;
    }
    head.mac[0] = (uint8_t)f;
    head.mac[2] = (uint8_t)oc->zone_src.ofs;
    head.mac[4] = (uint8_t)oc->zone_src.n_bits;
    head.u16 = 0;
  }
  if (oc->alg && oc->alg != IPPORT_FTP && oc->alg != IPPORT_TFTP) {
    *errp = fo_refusal(a, " (an unknown helper)");
    return false;
  }
  head.mac[3] = (uint8_t)oc->alg;

  ovs_u128 label = OVS_U128_ZERO, label_mask = OVS_U128_ZERO;
  const struct ofpact_nat* nat = NULL;
  struct ct_moves moves;
  moves.n = 0;
  if (!convert_exec(oc, &head, &label, &label_mask, &nat, &moves, errp)) {
    return false;
  }
  uint8_t min[16] = {0}, max[16] = {0};
  if (nat) {
    convert_nat(nat, &head, min, max);
  }
  size_t at = *np;
  fo_append_action(actsp, np, allocp, FO_ACT_CT);
  (*actsp)[at] = head;
  if (head.flags & FO_CT_F_SET_LABEL) {
    put_data16(actsp, np, allocp, FO_DATA_CT_LABEL, &label);
    put_data16(actsp, np, allocp, FO_DATA_CT_LABEL_MASK, &label_mask);
  }
  if (head.mac[5] & FO_NAT_F_ADDR_RANGE) {
    put_data16(actsp, np, allocp, FO_DATA_NAT_MIN, min);
    put_data16(actsp, np, allocp, FO_DATA_NAT_MAX, max);
  }
  for (size_t i = 0; i < moves.n; i++) {
    *fo_append_action(actsp, np, allocp, FO_ACT_DATA) = moves.data[i];
  }
  (*actsp)[at].mac[1] = (uint8_t)(*np - at - 1);
  return true;
}

static void put_nat(const struct fo_action* head, const struct fo_action* data, size_t n_data,
                    struct ofpbuf* ofpacts) {
  struct ofpact_nat* nat = ofpact_put_NAT(ofpacts);
  uint8_t f = head->mac[5];
  nat->flags = (f & FO_NAT_F_SRC ? NX_NAT_F_SRC : 0) | (f & FO_NAT_F_DST ? NX_NAT_F_DST : 0) |
               (f & FO_NAT_F_PERSISTENT ? NX_NAT_F_PERSISTENT : 0) |
               (f & FO_NAT_F_HASH ? NX_NAT_F_PROTO_HASH : 0) |
               (f & FO_NAT_F_RANDOM ? NX_NAT_F_PROTO_RANDOM : 0);
  nat->range_af = AF_UNSPEC;
  for (size_t i = 0; i < n_data; i++) {
    const uint8_t* bytes = (const uint8_t*)&data[i].value;
    uint8_t buf[16];
    memcpy(buf, bytes, 8);
    memcpy(buf + 8, &data[i].mask, 8);
    bool is_min = data[i].u8 == FO_DATA_NAT_MIN, is_max = data[i].u8 == FO_DATA_NAT_MAX;
    if (!is_min && !is_max) {
      continue;
    }
    if (f & FO_NAT_F_IPV6) {
      nat->range_af = AF_INET6;
      memcpy(is_min ? &nat->range.addr.ipv6.min : &nat->range.addr.ipv6.max, buf, 16);
    } else {
      nat->range_af = AF_INET;
      memcpy(is_min ? &nat->range.addr.ipv4.min : &nat->range.addr.ipv4.max, buf, 4);
    }
  }
  if (f & FO_NAT_F_PORT_RANGE) {
    nat->range.proto.min = (uint16_t)(head->value >> 32);
    nat->range.proto.max = (uint16_t)(head->value >> 48);
  }
}

size_t fo_put_ct(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts) {
  const struct fo_action* head = &acts[0];
  if (head->type == FO_ACT_CT_CLEAR) {
    ofpact_put_CT_CLEAR(ofpacts);
    return 1;
  }
  if (head->type != FO_ACT_CT) {
    return 0;
  }
  size_t n_data = head->mac[1] < n - 1 ? head->mac[1] : n - 1;
  const struct fo_action* data = acts + 1;
  size_t ofs = ofpacts->size;
  struct ofpact_conntrack* oc = ofpact_put_CT(ofpacts);
  oc->flags = (head->flags & FO_CT_F_COMMIT ? NX_CT_F_COMMIT : 0) |
              (head->flags & FO_CT_F_FORCE ? NX_CT_F_FORCE : 0);
  oc->zone_imm = head->u16;
  oc->recirc_table = head->u8;
  oc->alg = head->mac[3];
  if (head->mac[0]) {
    oc->zone_src.field = mf_from_id(fo_mff_from_field(head->mac[0]));
    oc->zone_src.ofs = head->mac[2];
    oc->zone_src.n_bits = head->mac[4];
  }
  if (head->flags & FO_CT_F_NAT) {
    put_nat(head, data, n_data, ofpacts);
  }
  if (head->flags & FO_CT_F_SET_MARK) {
    ovs_be32 v = htonl(head->port), m = htonl((uint32_t)head->value);
    ofpact_put_set_field(ofpacts, mf_from_id(MFF_CT_MARK), &v, &m);
  }
  if (head->flags & FO_CT_F_SET_LABEL) {
    ovs_u128 label = OVS_U128_ZERO, mask = OVS_U128_ZERO;
    for (size_t i = 0; i < n_data; i++) {
      ovs_u128* dst = data[i].u8 == FO_DATA_CT_LABEL        ? &label
                      : data[i].u8 == FO_DATA_CT_LABEL_MASK ? &mask
                                                            : NULL;
      if (dst) {
        dst->u64.lo = data[i].value;
        dst->u64.hi = data[i].mask;
      }
    }
    ovs_be128 v = hton128(label), m = hton128(mask);
    ofpact_put_set_field(ofpacts, mf_from_id(MFF_CT_LABEL), &v, &m);
  }
  for (size_t i = 0; i < n_data; i++) {
    if (data[i].u8 != FO_DATA_CT_MOVE) {
      continue;
    }
    struct ofpact_reg_move* mv = ofpact_put_REG_MOVE(ofpacts);
    mv->src.field = mf_from_id((enum mf_field_id)data[i].port);
    mv->src.ofs = data[i].mac[1];
    mv->src.n_bits = data[i].mac[2];
    mv->dst.field = mf_from_id(data[i].mac[3] ? MFF_CT_LABEL : MFF_CT_MARK);
    mv->dst.ofs = data[i].mac[4];
    mv->dst.n_bits = data[i].mac[2];
  }
  oc = ofpbuf_at_assert(ofpacts, ofs, sizeof *oc);
  ofpacts->header = oc;
  ofpact_finish_CT(ofpacts, &oc);
  return 1 + n_data;
}

static void ct_tuple_from_ovs(const struct ofp_ct_tuple* t, uint16_t l3_type,
                              struct fo_ct_tuple* out) {
  if (l3_type == AF_INET) {
    ovs_be32 a = in6_addr_get_mapped_ipv4(&t->src);
    memcpy(out->src, &a, 4);
    a = in6_addr_get_mapped_ipv4(&t->dst);
    memcpy(out->dst, &a, 4);
  } else {
    memcpy(out->src, &t->src, 16);
    memcpy(out->dst, &t->dst, 16);
  }
  out->src_port = ntohs(t->src_port);
  out->dst_port = ntohs(t->dst_port);
  out->icmp_id = ntohs(t->icmp_id);
  out->icmp_type = t->icmp_type;
  out->icmp_code = t->icmp_code;
}

enum ofperr fo_decode_ct_flush(const struct ofp_header* oh, enum ofptype type,
                               struct fo_ct_flush* out) {
  memset(out, 0, sizeof *out);
  if (type == OFPTYPE_CT_FLUSH_ZONE) {
    const struct nx_zone_id* nzi = ofpmsg_body(oh);
    if (!is_all_zeros(nzi->zero, sizeof nzi->zero)) {
      return OFPERR_NXBRC_MUST_BE_ZERO;
    }
    out->with_zone = true;
    out->zone = ntohs(nzi->zone_id);
    return 0;
  }
  struct ofp_ct_match m;
  memset(&m, 0, sizeof m);
  enum ofperr error = ofp_ct_match_decode(&m, &out->with_zone, &out->zone, oh);
  if (error) {
    return error;
  }
  out->l3 = m.l3_type == AF_INET ? 4 : m.l3_type == AF_INET6 ? 6 : 0;
  out->ip_proto = m.ip_proto;
  ct_tuple_from_ovs(&m.tuple_orig, m.l3_type, &out->orig);
  ct_tuple_from_ovs(&m.tuple_reply, m.l3_type, &out->reply);
  return 0;
}
