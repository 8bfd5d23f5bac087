/* struct match <-> Ferry's key and mask, for exactly the fields FlowKey has.
 * Anything else a match uses is refused with OFPBMC_BAD_FIELD. */
#include <stddef.h>
#include <string.h>

#include "flow.h"
#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-errors.h"
#include "packets.h"
#include "util.h"

/* Copies one field from OVS's flow/wildcards to Ferry's key/mask and clears
 * it in 'left' (the wildcards not yet accounted for). */
#define TAKE(FIELD, OVS_FIELD)                                      \
  do {                                                              \
    BUILD_ASSERT(sizeof key->FIELD == sizeof f->OVS_FIELD);         \
    memcpy(&key->FIELD, &f->OVS_FIELD, sizeof key->FIELD);          \
    memcpy(&mask->FIELD, &wc->masks.OVS_FIELD, sizeof mask->FIELD); \
    memset(&left.masks.OVS_FIELD, 0, sizeof left.masks.OVS_FIELD);  \
  } while (0)

/* IPv6 Neighbour Discovery (ferry::FlowKey::nd_target/nd_ll): a match on
 * ICMPv6 type 135 or 136 keeps nd_target in arp_sha..pad2 (16 bytes) and
 * the message's link-layer option (nd_sll of a solicitation, nd_tll of an
 * advertisement: OVS's arp_sha/arp_tha) in nw_src..nw_dst's first bytes. */
#define ND_TARGET(K) ((uint8_t*)(K) + offsetof(struct fo_flow_key, arp_sha))
#define ND_LL(K) ((uint8_t*)(K) + offsetof(struct fo_flow_key, nw_src))

static int nd_type(ovs_be16 dl_type, ovs_be16 dl_type_mask, uint8_t nw_proto,
                   uint8_t nw_proto_mask, ovs_be16 tp_src, ovs_be16 tp_src_mask) {
  if (dl_type != htons(ETH_TYPE_IPV6) || dl_type_mask != OVS_BE16_MAX ||
      nw_proto != IPPROTO_ICMPV6 || nw_proto_mask != UINT8_MAX || tp_src_mask != OVS_BE16_MAX) {
    return 0;
  }
  return tp_src == htons(135) ? 135 : tp_src == htons(136) ? 136 : 0;
}

static void nd_from_ovs(const struct match* m, struct fo_flow_key* key, struct fo_flow_key* mask,
                        struct flow_wildcards* left) {
  const struct flow* f = &m->flow;
  const struct flow_wildcards* wc = &m->wc;
  int type = nd_type(f->dl_type, wc->masks.dl_type, f->nw_proto, wc->masks.nw_proto, f->tp_src,
                     wc->masks.tp_src);
  if (!type) {
    return;
  }
  memcpy(ND_TARGET(key), &f->nd_target, 16);
  memcpy(ND_TARGET(mask), &wc->masks.nd_target, 16);
  memset(&left->masks.nd_target, 0, sizeof left->masks.nd_target);
  const struct eth_addr* ll = type == 135 ? &f->arp_sha : &f->arp_tha;
  const struct eth_addr* llm = type == 135 ? &wc->masks.arp_sha : &wc->masks.arp_tha;
  memcpy(ND_LL(key), ll, 6);
  memcpy(ND_LL(mask), llm, 6);
  memset(type == 135 ? &left->masks.arp_sha : &left->masks.arp_tha, 0, sizeof(struct eth_addr));
}

static void nd_to_ovs(const struct fo_match* in, struct match* m) {
  const struct fo_flow_key* key = &in->key.pkt;
  const struct fo_flow_key* mask = &in->mask.pkt;
  int type = nd_type(key->dl_type, mask->dl_type, key->nw_proto, mask->nw_proto, key->tp_src,
                     mask->tp_src);
  if (!type) {
    return;
  }
  struct flow* f = &m->flow;
  struct flow_wildcards* wc = &m->wc;
  memcpy(&f->nd_target, ND_TARGET(key), 16);
  memcpy(&wc->masks.nd_target, ND_TARGET(mask), 16);
  f->arp_sha = f->arp_tha = wc->masks.arp_sha = wc->masks.arp_tha = eth_addr_zero;
  memcpy(type == 135 ? &f->arp_sha : &f->arp_tha, ND_LL(key), 6);
  memcpy(type == 135 ? &wc->masks.arp_sha : &wc->masks.arp_tha, ND_LL(mask), 6);
  f->nw_src = f->nw_dst = wc->masks.nw_src = wc->masks.nw_dst = 0;
}

/* MPLS (ferry::FlowKey::mpls_lse): an MPLS match keeps OVS's first three
 * label stack entries (12 bytes, network order) where ARP's hardware
 * addresses are. */
#define MPLS_LSE(K) ((uint8_t*)(K) + offsetof(struct fo_flow_key, arp_sha))
BUILD_ASSERT_DECL(FLOW_MAX_MPLS_LABELS == 3);

static bool is_mpls_match(ovs_be16 dl_type, ovs_be16 dl_type_mask) {
  return dl_type_mask == OVS_BE16_MAX && eth_type_mpls(dl_type);
}

static void mpls_from_ovs(const struct match* m, struct fo_flow_key* key, struct fo_flow_key* mask,
                          struct flow_wildcards* left) {
  if (!is_mpls_match(m->flow.dl_type, m->wc.masks.dl_type)) {
    return;
  }
  memcpy(MPLS_LSE(key), m->flow.mpls_lse, 12);
  memcpy(MPLS_LSE(mask), m->wc.masks.mpls_lse, 12);
  memset(left->masks.mpls_lse, 0, sizeof left->masks.mpls_lse);
}

static void mpls_to_ovs(const struct fo_match* in, struct match* m) {
  if (!is_mpls_match(in->key.pkt.dl_type, in->mask.pkt.dl_type)) {
    return;
  }
  memcpy(m->flow.mpls_lse, MPLS_LSE(&in->key.pkt), 12);
  memcpy(m->wc.masks.mpls_lse, MPLS_LSE(&in->mask.pkt), 12);
  m->flow.arp_sha = m->flow.arp_tha = eth_addr_zero;
  m->wc.masks.arp_sha = m->wc.masks.arp_tha = eth_addr_zero;
}

/* tun_metadata0 (ferry::FlowKey::tun_md0: the option's low 64 bits). A
 * match decoded without a TLV table keeps each option where its own
 * allocation put it (match->tun_md), up to 124 bytes; one whose mask
 * reaches past 64 bits is left in 'left' (refused). */
static void tun_md_from_ovs(const struct match* m, struct fo_flow_key* key,
                            struct fo_flow_key* mask, struct flow_wildcards* left) {
  const struct flow_tnl* t = &m->flow.tunnel;
  const struct flow_tnl* tm = &m->wc.masks.tunnel;
  if (!ULLONG_GET(tm->metadata.present.map, 0) || !m->tun_md.valid) {
    return;
  }
  const struct tun_metadata_loc* loc = &m->tun_md.entry[0].loc;
  const unsigned int len = loc->len, off = loc->c.offset;
  if (loc->c.next || off + len > TUN_METADATA_TOT_OPT_SIZE) {
    return;
  }
  const unsigned int skip = len > 8 ? len - 8 : 0;
  if (!is_all_zeros(tm->metadata.opts.u8 + off, skip)) {
    return;
  }
  uint64_t v = 0, mk = 0;
  for (unsigned int i = skip; i < len; i++) {
    v = v << 8 | t->metadata.opts.u8[off + i];
    mk = mk << 8 | tm->metadata.opts.u8[off + i];
  }
  key->tun_md_present |= ULLONG_GET(t->metadata.present.map, 0) ? 1 : 0;
  mask->tun_md_present |= 1;
  key->tun_md0 = v;
  mask->tun_md0 = mk;
  ULLONG_SET0(left->masks.tunnel.metadata.present.map, 0);
  memset(left->masks.tunnel.metadata.opts.u8 + off, 0, len);
}

static void tun_md_to_ovs(const struct fo_match* in, struct match* m) {
  if (!(in->mask.pkt.tun_md_present & 1)) {
    return;
  }
  const struct mf_field* mf = mf_from_id(MFF_TUN_METADATA0);
  union mf_value v, mk;
  memset(&v, 0, sizeof v);
  memset(&mk, 0, sizeof mk);
  uint64_t kv = in->key.pkt.tun_md0, mv = in->mask.pkt.tun_md0;
  for (unsigned int i = 0; i < 8; i++) { /* right-aligned in the field's 124 bytes */
    v.tun_metadata[mf->n_bytes - 1 - i] = (uint8_t)(kv >> (8 * i));
    mk.tun_metadata[mf->n_bytes - 1 - i] = (uint8_t)(mv >> (8 * i));
  }
  char* err = NULL;
  mf_set(mf, &v, &mk, m, &err);
  free(err);
}

/* Names what 'left' still matches on, for the refusal message. */
static char* describe_leftover(const struct match* m, const struct flow_wildcards* left) {
  struct match lm = *m;
  struct ds s = DS_EMPTY_INITIALIZER;

  lm.wc = *left;
  match_format(&lm, NULL, &s, OFP_DEFAULT_PRIORITY);
  if (!s.length) {
    /* match_format() hides some fields whose prerequisites are not in
     * 'left': fall back to field names. */
    for (int i = 0; i < MFF_N_IDS; i++) {
      const struct mf_field* mf = mf_from_id(i);
      if (!mf_is_all_wild(mf, left)) {
        ds_put_format(&s, "%s%s", s.length ? "," : "", mf->name);
      }
    }
  }
  if (!s.length) {
    ds_put_cstr(&s, "(unknown field)");
  }
  char* msg = xasprintf("Ferry cannot match on %s", ds_cstr(&s));
  ds_destroy(&s);
  return msg;
}

enum ofperr fo_match_from_ovs(const struct match* m, struct fo_match* out, char** errp) {
  const struct flow* f = &m->flow;
  const struct flow_wildcards* wc = &m->wc;
  struct fo_flow_key* key = &out->key.pkt;
  struct fo_flow_key* mask = &out->mask.pkt;
  struct flow_wildcards left = *wc;

  memset(out, 0, sizeof *out);
  *errp = NULL;

  /* in_port: exact or wildcarded in OpenFlow; Ferry's mask is 32 bits. */
  key->in_port = ofp_to_u16(f->in_port.ofp_port);
  mask->in_port = wc->masks.in_port.ofp_port ? UINT32_MAX : 0;
  memset(&left.masks.in_port, 0, sizeof left.masks.in_port);

  /* One VLAN tag: its TCI (CFI set when tagged). Its TPID is not part of
   * Ferry's key (OVS's exact-flow parser puts a TPID mask next to a
   * dl_vlan; OpenFlow matches never carry one). */
  TAKE(vlan_tci, vlans[0].tci);
  left.masks.vlans[0].tpid = 0;
  TAKE(dl_type, dl_type);
  TAKE(dl_dst, dl_dst);
  TAKE(dl_src, dl_src);
  TAKE(nw_src, nw_src);
  TAKE(nw_dst, nw_dst);
  TAKE(nw_proto, nw_proto);
  TAKE(nw_tos, nw_tos);
  TAKE(nw_ttl, nw_ttl);
  TAKE(nw_frag, nw_frag);
  TAKE(tp_src, tp_src);
  TAKE(tp_dst, tp_dst);
  TAKE(tcp_flags, tcp_flags);
  TAKE(ipv6_src, ipv6_src);
  TAKE(ipv6_dst, ipv6_dst);

  /* OVS keeps IPv6 ND's nd_sll/nd_tll in arp_sha/arp_tha: Ferry only
   * has ARP's. */
  bool is_arp = f->dl_type == htons(ETH_TYPE_ARP) || f->dl_type == htons(ETH_TYPE_RARP);
  if (is_arp || wc->masks.dl_type != OVS_BE16_MAX) {
    TAKE(arp_sha, arp_sha);
    TAKE(arp_tha, arp_tha);
  }
  nd_from_ovs(m, key, mask, &left);
  mpls_from_ovs(m, key, mask, &left);

  /* Recirculation and connection tracking (lib/conntrack/). */
  TAKE(recirc_id, recirc_id);
  TAKE(ct_state, ct_state);
  TAKE(ct_nw_proto, ct_nw_proto);
  TAKE(ct_zone, ct_zone);
  TAKE(ct_mark, ct_mark);
  TAKE(ct_tp_src, ct_tp_src);
  TAKE(ct_tp_dst, ct_tp_dst);
  TAKE(ct_nw_src, ct_nw_src);
  TAKE(ct_nw_dst, ct_nw_dst);
  TAKE(ct_label, ct_label);
  TAKE(ct_ipv6_src, ct_ipv6_src);
  TAKE(ct_ipv6_dst, ct_ipv6_dst);

  /* The tunnel (IPv4 underlay; of the Geneve options, tun_metadata0). */
  tun_md_from_ovs(m, key, mask, &left);
  TAKE(tun_id, tunnel.tun_id);
  TAKE(tun_src, tunnel.ip_src);
  TAKE(tun_dst, tunnel.ip_dst);
  TAKE(tun_tos, tunnel.ip_tos);
  TAKE(tun_ttl, tunnel.ip_ttl);
  TAKE(tun_gbp_id, tunnel.gbp_id);
  TAKE(tun_gbp_flags, tunnel.gbp_flags);
  TAKE(tun_tp_dst, tunnel.tp_dst);
  key->tun_flags = f->tunnel.flags & FLOW_TNL_F_MASK;
  mask->tun_flags = wc->masks.tunnel.flags & FLOW_TNL_F_MASK;
  left.masks.tunnel.flags = 0;

  /* The pipeline's metadata. */
  BUILD_ASSERT(sizeof out->key.regs == sizeof f->regs);
  memcpy(out->key.regs, f->regs, sizeof f->regs);
  memcpy(out->mask.regs, wc->masks.regs, sizeof f->regs);
  memset(left.masks.regs, 0, sizeof left.masks.regs);
  out->key.metadata = ntohll(f->metadata);
  out->mask.metadata = ntohll(wc->masks.metadata);
  left.masks.metadata = 0;
  out->key.pkt_mark = f->pkt_mark;
  out->mask.pkt_mark = wc->masks.pkt_mark;
  left.masks.pkt_mark = 0;
  out->key.conj_id = f->conj_id & wc->masks.conj_id;
  out->mask.conj_id = wc->masks.conj_id;
  left.masks.conj_id = 0;

  /* Ethernet is the only packet type. */
  if (match_has_default_packet_type(m)) {
    left.masks.packet_type = 0;
  }

  /* Keys are kept pre-masked. */
  uint8_t* k = (uint8_t*)&out->key;
  const uint8_t* mk = (const uint8_t*)&out->mask;
  for (size_t i = 0; i < sizeof *key; i++) {
    k[i] &= mk[i];
  }

  if (!flow_wildcards_is_catchall(&left)) {
    *errp = describe_leftover(m, &left);
    return OFPERR_OFPBMC_BAD_FIELD;
  }
  return 0;
}

#define PUT(FIELD, OVS_FIELD)                                                      \
  do {                                                                             \
    memcpy(&f->OVS_FIELD, &in->key.pkt.FIELD, sizeof f->OVS_FIELD);                \
    memcpy(&wc->masks.OVS_FIELD, &in->mask.pkt.FIELD, sizeof wc->masks.OVS_FIELD); \
  } while (0)

void fo_match_to_ovs(const struct fo_match* in, struct match* m) {
  struct flow* f = &m->flow;
  struct flow_wildcards* wc = &m->wc;

  match_init_catchall(m);
  if (in->mask.pkt.in_port) {
    match_set_in_port(m, u16_to_ofp(in->key.pkt.in_port));
  }
  PUT(vlan_tci, vlans[0].tci);
  PUT(dl_type, dl_type);
  PUT(dl_dst, dl_dst);
  PUT(dl_src, dl_src);
  PUT(nw_src, nw_src);
  PUT(nw_dst, nw_dst);
  PUT(nw_proto, nw_proto);
  PUT(nw_tos, nw_tos);
  PUT(nw_ttl, nw_ttl);
  PUT(nw_frag, nw_frag);
  PUT(tp_src, tp_src);
  PUT(tp_dst, tp_dst);
  PUT(tcp_flags, tcp_flags);
  PUT(ipv6_src, ipv6_src);
  PUT(ipv6_dst, ipv6_dst);
  PUT(arp_sha, arp_sha);
  PUT(arp_tha, arp_tha);
  PUT(recirc_id, recirc_id);
  PUT(ct_state, ct_state);
  PUT(ct_nw_proto, ct_nw_proto);
  PUT(ct_zone, ct_zone);
  PUT(ct_mark, ct_mark);
  PUT(ct_tp_src, ct_tp_src);
  PUT(ct_tp_dst, ct_tp_dst);
  PUT(ct_nw_src, ct_nw_src);
  PUT(ct_nw_dst, ct_nw_dst);
  PUT(ct_label, ct_label);
  PUT(ct_ipv6_src, ct_ipv6_src);
  PUT(ct_ipv6_dst, ct_ipv6_dst);
  PUT(tun_id, tunnel.tun_id);
  PUT(tun_src, tunnel.ip_src);
  PUT(tun_dst, tunnel.ip_dst);
  PUT(tun_tos, tunnel.ip_tos);
  PUT(tun_ttl, tunnel.ip_ttl);
  PUT(tun_gbp_id, tunnel.gbp_id);
  PUT(tun_gbp_flags, tunnel.gbp_flags);
  PUT(tun_tp_dst, tunnel.tp_dst);
  f->tunnel.flags = in->key.pkt.tun_flags & FLOW_TNL_F_MASK;
  wc->masks.tunnel.flags = in->mask.pkt.tun_flags & FLOW_TNL_F_MASK;
  for (int i = 0; i < FLOW_N_REGS; i++) {
    match_set_reg_masked(m, i, in->key.regs[i], in->mask.regs[i]);
  }
  match_set_metadata_masked(m, htonll(in->key.metadata), htonll(in->mask.metadata));
  match_set_pkt_mark_masked(m, in->key.pkt_mark, in->mask.pkt_mark);
  if (in->mask.conj_id) {
    match_set_conj_id(m, in->key.conj_id);
  }
  nd_to_ovs(in, m);
  mpls_to_ovs(in, m);
  flow_zero_wildcards(f, wc);
  tun_md_to_ovs(in, m);

  /* Every packet field but in_port implies Ethernet, as OVS's own parsers do. */
  struct fo_flow_key data_mask = in->mask.pkt;
  data_mask.in_port = 0;
  data_mask.tun_flags = 0;
  /* ... and not the recirculation and conntrack metadata (the rest). */
  memset(&data_mask.recirc_id, 0, sizeof data_mask - offsetof(struct fo_flow_key, recirc_id));
  if (!is_all_zeros(&data_mask, sizeof data_mask)) {
    match_set_default_packet_type(m);
  }
}
