/* Select-group hashes through libopenvswitch (fo-hash.h). */
#include "lib/ovs/hash/fo-hash.h"

#include <string.h>

#include "flow.h"
#include "hash.h"
#include "multipath.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"

/* Ferry's flow as OVS's: an Ethernet packet with the fields Ferry parses. */
static void to_flow(const struct fo_of_key* k, struct flow* f) {
  const struct fo_flow_key* p = &k->pkt;
  memset(f, 0, sizeof *f);
  f->packet_type = htonl(PT_ETH);
  f->in_port.ofp_port = u16_to_ofp(p->in_port);
  f->vlans[0].tci = p->vlan_tci;
  if (p->vlan_tci) {
    f->vlans[0].tpid = htons(ETH_TYPE_VLAN);
  }
  f->dl_type = p->dl_type;
  memcpy(f->dl_dst.ea, p->dl_dst, 6);
  memcpy(f->dl_src.ea, p->dl_src, 6);
  f->nw_src = p->nw_src;
  f->nw_dst = p->nw_dst;
  f->nw_proto = p->nw_proto;
  f->nw_tos = p->nw_tos;
  f->nw_ttl = p->nw_ttl;
  f->nw_frag = p->nw_frag;
  f->tp_src = p->tp_src;
  f->tp_dst = p->tp_dst;
  f->tcp_flags = p->tcp_flags;
  memcpy(&f->ipv6_src, p->ipv6_src, 16);
  memcpy(&f->ipv6_dst, p->ipv6_dst, 16);
  memcpy(f->arp_sha.ea, p->arp_sha, 6);
  memcpy(f->arp_tha.ea, p->arp_tha, 6);
  f->metadata = htonll(k->metadata);
  memcpy(f->regs, k->regs, sizeof f->regs);
  f->pkt_mark = k->pkt_mark;
}

static void fo_or_bytes(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  for (size_t i = 0; i < n; i++) {
    d[i] |= s[i];
  }
}

/* ORs the fields of 'wc' that Ferry's flow holds into '*out'. */
static void wc_to_fo(const struct flow_wildcards* wc, struct fo_of_key* out) {
  const struct flow* m = &wc->masks;
  struct fo_flow_key* p = &out->pkt;
  if (m->in_port.ofp_port) {
    p->in_port = UINT32_MAX;
  }
  p->vlan_tci |= m->vlans[0].tci;
  p->dl_type |= m->dl_type;
  fo_or_bytes(p->dl_dst, m->dl_dst.ea, 6);
  fo_or_bytes(p->dl_src, m->dl_src.ea, 6);
  p->nw_src |= m->nw_src;
  p->nw_dst |= m->nw_dst;
  p->nw_proto |= m->nw_proto;
  p->nw_tos |= m->nw_tos;
  p->nw_ttl |= m->nw_ttl;
  p->nw_frag |= m->nw_frag;
  p->tp_src |= m->tp_src;
  p->tp_dst |= m->tp_dst;
  p->tcp_flags |= m->tcp_flags;
  fo_or_bytes(p->ipv6_src, &m->ipv6_src, 16);
  fo_or_bytes(p->ipv6_dst, &m->ipv6_dst, 16);
  fo_or_bytes(p->arp_sha, m->arp_sha.ea, 6);
  fo_or_bytes(p->arp_tha, m->arp_tha.ea, 6);
  out->metadata |= ntohll(m->metadata);
  for (int i = 0; i < FLOW_N_REGS; i++) {
    out->regs[i] |= m->regs[i];
  }
  out->pkt_mark |= m->pkt_mark;
}

uint32_t fo_hash_dp(const struct fo_of_key* k, int alg, uint32_t basis, struct fo_of_key* out) {
  struct flow f;
  struct flow_wildcards wc;
  to_flow(k, &f);
  flow_wildcards_init_catchall(&wc);
  uint32_t hash;
  bool ip = f.dl_type == htons(ETH_TYPE_IP) || f.dl_type == htons(ETH_TYPE_IPV6);
  wc.masks.dl_type = OVS_BE16_MAX;
  if (alg == 0) {
    hash = flow_hash_5tuple(&f, basis);
    if (ip || f.dl_type == htons(ETH_TYPE_ARP)) {
      flow_mask_hash_fields(&f, &wc, NX_HASH_FIELDS_SYMMETRIC_L3L4_UDP);
      wc.masks.nw_src = OVS_BE32_MAX;
      wc.masks.nw_dst = OVS_BE32_MAX;
      wc.masks.nw_proto = UINT8_MAX;
      wc.masks.tp_src = OVS_BE16_MAX;
      wc.masks.tp_dst = OVS_BE16_MAX;
    }
  } else {
    hash = flow_hash_symmetric_l3l4(&f, basis, false);
    if (ip) {
      flow_mask_hash_fields(&f, &wc, NX_HASH_FIELDS_SYMMETRIC_L3L4);
      wc.masks.nw_frag = UINT8_MAX;
    } else {
      /* flow_hash_symmetric_l2(). */
      memset(&wc.masks.dl_src, 0xff, sizeof wc.masks.dl_src);
      memset(&wc.masks.dl_dst, 0xff, sizeof wc.masks.dl_dst);
      wc.masks.vlans[0].tci = htons(VLAN_VID_MASK | VLAN_CFI);
    }
  }
  wc_to_fo(&wc, out);
  return hash;
}

uint32_t fo_hash_symmetric_l4(const struct fo_of_key* k, struct fo_of_key* out) {
  struct flow f;
  struct flow_wildcards wc;
  to_flow(k, &f);
  flow_wildcards_init_catchall(&wc);
  flow_mask_hash_fields(&f, &wc, NX_HASH_FIELDS_SYMMETRIC_L4);
  wc.masks.dl_type = OVS_BE16_MAX;
  wc_to_fo(&wc, out);
  return flow_hash_symmetric_l4(&f, 0);
}

uint32_t fo_hash_fields(const struct fo_of_key* k, const struct fo_hash_field* fields, size_t n,
                        uint64_t param, struct fo_of_key* out) {
  struct flow f;
  struct flow_wildcards wc;
  to_flow(k, &f);
  flow_wildcards_init_catchall(&wc);
  uint32_t basis = hash_uint64(param);
  /* OVS's megaflows always match these; the prerequisite checks below read
   * them without marking them. */
  wc.masks.dl_type = OVS_BE16_MAX;
  if (is_ip_any(&f)) {
    wc.masks.nw_frag = UINT8_MAX;
  }
  for (size_t i = 0; i < n; i++) {
    const struct mf_field* mf = mf_from_id(fields[i].id);
    if (!mf || mf->n_bytes != fields[i].n_bytes || mf->n_bytes > 16) {
      continue;
    }
    if (!mf_are_prereqs_ok(mf, &f, &wc)) {
      continue;
    }
    union mf_value value, mask;
    memset(&mask, 0, sizeof mask);
    mf_get_value(mf, &f, &value);
    for (int j = 0; j < mf->n_bytes; j++) {
      mask.b[j] = fields[i].mask[j];
      value.b[j] &= mask.b[j];
    }
    basis = hash_bytes(&value, mf->n_bytes, basis);
    mf_mask_field_masked(mf, &mask, &wc);
  }
  wc_to_fo(&wc, out);
  return basis;
}

uint32_t fo_multipath(const struct fo_of_key* k, int fields, uint16_t basis, int algorithm,
                      uint16_t max_link, uint32_t arg, struct fo_of_key* out) {
  struct flow f;
  struct flow_wildcards wc;
  struct ofpact_multipath mp;
  to_flow(k, &f);
  flow_wildcards_init_catchall(&wc);
  memset(&mp, 0, sizeof mp);
  mp.fields = fields;
  mp.basis = basis;
  mp.algorithm = algorithm;
  mp.max_link = max_link;
  mp.arg = arg;
  /* The link lands in reg0 of the copy; Ferry writes the real destination. */
  mp.dst.field = mf_from_id(MFF_REG0);
  mp.dst.ofs = 0;
  mp.dst.n_bits = 32;
  f.regs[0] = 0;
  multipath_execute(&mp, &f, &wc);
  wc.masks.regs[0] = 0;
  wc_to_fo(&wc, out);
  return f.regs[0];
}

uint32_t fo_hash_int(uint32_t x, uint32_t basis) { return hash_int(x, basis); }

int fo_hash_field_by_name(const char* name, struct fo_hash_field* out) {
  const struct mf_field* mf = mf_from_name(name);
  if (!mf || mf->n_bytes > 16) {
    return 0;
  }
  memset(out, 0, sizeof *out);
  out->id = mf->id;
  out->n_bytes = mf->n_bytes;
  memset(out->mask, 0xff, mf->n_bytes);
  return 1;
}

int fo_hash_field_supported(uint16_t id) {
  if (id >= MFF_REG0 && id < MFF_REG0 + FLOW_N_REGS) {
    return 1;
  }
  switch ((int)id) {
    case MFF_IN_PORT:
    case MFF_METADATA:
    case MFF_PKT_MARK:
    case MFF_ETH_SRC:
    case MFF_ETH_DST:
    case MFF_ETH_TYPE:
    case MFF_VLAN_TCI:
    case MFF_VLAN_VID:
    case MFF_DL_VLAN:
    case MFF_VLAN_PCP:
    case MFF_DL_VLAN_PCP:
    case MFF_IPV4_SRC:
    case MFF_IPV4_DST:
    case MFF_IPV6_SRC:
    case MFF_IPV6_DST:
    case MFF_IP_PROTO:
    case MFF_IP_DSCP:
    case MFF_IP_DSCP_SHIFTED:
    case MFF_IP_ECN:
    case MFF_IP_TTL:
    case MFF_IP_FRAG:
    case MFF_ARP_OP:
    case MFF_ARP_SPA:
    case MFF_ARP_TPA:
    case MFF_ARP_SHA:
    case MFF_ARP_THA:
    case MFF_TCP_SRC:
    case MFF_TCP_DST:
    case MFF_TCP_FLAGS:
    case MFF_UDP_SRC:
    case MFF_UDP_DST:
    case MFF_SCTP_SRC:
    case MFF_SCTP_DST:
    case MFF_ICMPV4_TYPE:
    case MFF_ICMPV4_CODE:
    case MFF_ICMPV6_TYPE:
    case MFF_ICMPV6_CODE:
      return 1;
    default:
      return 0;
  }
}
