/* The learn action at the OVS boundary: struct ofpact_learn and its specs
 * <-> a FO_ACT_LEARN header followed by one FO_ACT_LEARN_SPEC per spec (the
 * encoding is described in lib/flow/learn.h). Fields Ferry's actions lack,
 * fields wider than 64 bits and fin_idle/fin_hard_timeout are refused. */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

enum { LEARN_DST_MATCH = 0, LEARN_DST_LOAD = 1, LEARN_DST_OUTPUT = 2 };

/* OVS's spelling of a learned "load" (NXAST_REG_LOAD), as a set_field's raw
 * value, so the learned flow's actions print as OVS prints them. */
static uint8_t reg_load_raw(const struct mf_field* mf) {
  uint64_t stub[64 / 8];
  struct ofpbuf b;
  ofpbuf_use_stub(&b, stub, sizeof stub);
  uint8_t raw = ofpact_put_reg_load(&b, mf, NULL, NULL)->ofpact.raw;
  ofpbuf_uninit(&b);
  return raw;
}

static bool usable(const struct mf_field* mf) {
  int f = fo_field_from_mff(mf->id);
  return f != FO_F_NONE && mf->n_bytes <= 8 && mf->id != MFF_IP_DSCP && f != FO_F_IPV6_LABEL;
}

bool fo_convert_learn(const struct ofpact_learn* learn, struct fo_action** actsp, size_t* np,
                      size_t* allocp, char** errp) {
  const struct ofpact* a = &learn->ofpact;
  const struct ofpact_learn_spec* spec;

  if (learn->fin_idle_timeout || learn->fin_hard_timeout) {
    *errp = fo_refusal(a, " with fin_idle_timeout or fin_hard_timeout");
    return true;
  }
  if (learn->flags & NX_LEARN_F_WRITE_RESULT && !usable(learn->result_dst.field)) {
    *errp = fo_refusal(a, " with this result_dst");
    return true;
  }
  size_t at = *np;
  struct fo_action* h = fo_append_action(actsp, np, allocp, FO_ACT_LEARN);
  h->u8 = learn->table_id;
  h->port = learn->idle_timeout | (uint32_t)learn->hard_timeout << 16;
  h->value = ntohll(learn->cookie);
  h->mask = learn->priority | (uint64_t)learn->flags << 48;
  memcpy(h->mac, &learn->limit, 4);
  if (learn->flags & NX_LEARN_F_WRITE_RESULT) {
    h->mac[4] = (uint8_t)fo_field_from_mff(learn->result_dst.field->id);
    h->mac[5] = (uint8_t)learn->result_dst.ofs;
  }

  OFPACT_LEARN_SPEC_FOR_EACH(spec, learn) {
    int dst_type = spec->dst_type == NX_LEARN_DST_MATCH  ? LEARN_DST_MATCH
                   : spec->dst_type == NX_LEARN_DST_LOAD ? LEARN_DST_LOAD
                                                         : LEARN_DST_OUTPUT;
    bool imm = spec->src_type == NX_LEARN_SRC_IMMEDIATE;
    if ((!imm && !usable(spec->src.field)) ||
        (dst_type != LEARN_DST_OUTPUT && !usable(spec->dst.field)) || spec->n_bits > 64) {
      *errp = fo_refusal(a, " on this field");
      return true;
    }
    struct fo_action* s = fo_append_action(actsp, np, allocp, FO_ACT_LEARN_SPEC);
    s->mac[4] = (uint8_t)spec->n_bits;
    s->mac[5] = (uint8_t)dst_type;
    if (imm) {
      const uint8_t* b = ofpact_learn_spec_imm(spec);
      uint64_t v = 0;
      for (unsigned int i = 0; i < DIV_ROUND_UP(spec->n_bits, 8); i++) {
        v = v << 8 | b[i];
      }
      s->u8 = 1;
      s->value = spec->n_bits >= 64 ? v : v & ((UINT64_C(1) << spec->n_bits) - 1);
    } else {
      s->mac[0] = (uint8_t)fo_field_from_mff(spec->src.field->id);
      s->mac[2] = (uint8_t)spec->src.ofs;
      s->port = spec->src.field->id;
    }
    if (dst_type != LEARN_DST_OUTPUT) {
      s->mac[1] = (uint8_t)fo_field_from_mff(spec->dst.field->id);
      s->mac[3] = (uint8_t)spec->dst.ofs;
      s->u16 = (uint16_t)spec->dst.field->id;
      if (dst_type == LEARN_DST_LOAD) {
        s->pad = reg_load_raw(spec->dst.field);
      }
    }
  }
  if (*np - at - 1 > UINT16_MAX) {
    *errp = fo_refusal(a, " (too many specs)");
    return true;
  }
  (*actsp)[at].u16 = (uint16_t)(*np - at - 1);
  return true;
}

size_t fo_put_learn(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts) {
  const struct fo_action* h = &acts[0];
  size_t n_specs = h->u16 <= n - 1 ? h->u16 : n - 1;
  size_t ofs = ofpacts->size;
  struct ofpact_learn* learn = ofpact_put_LEARN(ofpacts);

  learn->table_id = h->u8;
  learn->idle_timeout = (uint16_t)h->port;
  learn->hard_timeout = (uint16_t)(h->port >> 16);
  learn->cookie = htonll(h->value);
  learn->priority = (uint16_t)h->mask;
  learn->flags = (enum nx_learn_flags)(h->mask >> 48);
  memcpy(&learn->limit, h->mac, 4);
  if (learn->flags & NX_LEARN_F_WRITE_RESULT) {
    learn->result_dst.field = mf_from_id(fo_mff_from_field(h->mac[4]));
    learn->result_dst.ofs = h->mac[5];
    learn->result_dst.n_bits = 1;
  }
  for (size_t i = 1; i <= n_specs; i++) {
    const struct fo_action* s = &acts[i];
    struct ofpact_learn_spec* spec = ofpbuf_put_zeros(ofpacts, sizeof *spec);
    spec->n_bits = s->mac[4];
    spec->dst_type = s->mac[5] == LEARN_DST_MATCH  ? NX_LEARN_DST_MATCH
                     : s->mac[5] == LEARN_DST_LOAD ? NX_LEARN_DST_LOAD
                                                   : NX_LEARN_DST_OUTPUT;
    if (s->mac[5] != LEARN_DST_OUTPUT) {
      spec->dst.field = mf_from_id(s->u16);
      spec->dst.ofs = s->mac[3];
      spec->dst.n_bits = s->mac[4];
    }
    if (s->u8) {
      spec->src_type = NX_LEARN_SRC_IMMEDIATE;
      unsigned int n_bytes = DIV_ROUND_UP(spec->n_bits, 8);
      uint8_t* b = ofpbuf_put_zeros(ofpacts, OFPACT_ALIGN(n_bytes));
      uint64_t v = s->value;
      for (unsigned int k = n_bytes; k-- > 0;) {
        b[k] = (uint8_t)v;
        v >>= 8;
      }
    } else {
      spec->src_type = NX_LEARN_SRC_FIELD;
      spec->src.field = mf_from_id(s->port);
      spec->src.ofs = s->mac[2];
      spec->src.n_bits = s->mac[4];
    }
  }
  learn = ofpbuf_at_assert(ofpacts, ofs, sizeof *learn);
  ofpacts->header = learn;
  ofpact_finish_LEARN(ofpacts, &learn);
  return 1 + n_specs;
}
