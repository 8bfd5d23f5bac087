/* conjunction, note, the NXAST stack (push/pop) and the OpenFlow 1.1+
 * action-set instructions write_actions/clear_actions at the OVS boundary
 * (ofpacts <-> Ferry's actions); learn is in fo-learn.c. */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* push/pop on a 128-bit field (ipv6_src/dst, xxregN): a subfield inside
 * one half is a push/pop on that half (mac[3] keeps the offset in the whole
 * field); the whole field is two, on the halves (push: low then high; pop:
 * high then low), the second flagged FO_ACT_F_WIDE_LO so that the pair
 * prints back as one. Each half is one stack entry. */
static bool convert_wide_stack(const struct ofpact_stack* st, bool pop, struct fo_action** actsp,
                               size_t* np, size_t* allocp) {
  const struct mf_subfield* sf = &st->subfield;
  int hi, lo;
  fo_wide_halves(sf->field->id, &hi, &lo);
  uint8_t type = pop ? FO_ACT_STACK_POP : FO_ACT_STACK_PUSH;
  if (sf->ofs == 0 && sf->n_bits == 128) {
    for (int i = 0; i < 2; i++) {
      struct fo_action* fa = fo_append_action(actsp, np, allocp, type);
      fa->u8 = (uint8_t)((pop ? i == 0 : i == 1) ? hi : lo);
      fa->flags = i ? FO_ACT_F_WIDE_LO : 0;
      fa->mac[4] = 64;
      fa->port = sf->field->id;
    }
    return true;
  }
  if (sf->ofs < 64 && sf->ofs + sf->n_bits > 64) {
    return false;
  }
  struct fo_action* fa = fo_append_action(actsp, np, allocp, type);
  fa->u8 = (uint8_t)(sf->ofs >= 64 ? hi : lo);
  fa->mac[2] = (uint8_t)(sf->ofs % 64);
  fa->mac[3] = (uint8_t)sf->ofs;
  fa->mac[4] = (uint8_t)sf->n_bits;
  fa->port = sf->field->id;
  return true;
}

static bool convert_stack(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                          size_t* allocp, char** errp) {
  const struct ofpact_stack* st = ALIGNED_CAST(const struct ofpact_stack*, a);
  const struct mf_field* mf = st->subfield.field;
  int f = fo_field_from_mff(mf->id);
  bool pop = a->type == OFPACT_STACK_POP;
  if (fo_field_is_wide(mf)) {
    if ((pop && mf->id == MFF_ND_TARGET) || !convert_wide_stack(st, pop, actsp, np, allocp)) {
      *errp = fo_refusal(a, " on this part of a 128-bit field");
    }
    return true;
  }
  if (f == FO_F_NONE || mf->n_bytes > 8 || mf->id == MFF_IP_DSCP || f == FO_F_IPV6_LABEL ||
      (pop && fo_field_read_only(f))) {
    *errp = fo_refusal(a, " on this field");
    return true;
  }
  struct fo_action* fa =
      fo_append_action(actsp, np, allocp, pop ? FO_ACT_STACK_POP : FO_ACT_STACK_PUSH);
  fa->u8 = (uint8_t)f;
  fa->mac[2] = (uint8_t)st->subfield.ofs;
  fa->mac[4] = (uint8_t)st->subfield.n_bits;
  fa->port = mf->id;
  return true;
}

static void convert_note(const struct ofpact_note* note, struct fo_action** actsp, size_t* np,
                         size_t* allocp) {
  size_t n_data = (note->length + 27) / 28;
  struct fo_action* fa = fo_append_action(actsp, np, allocp, FO_ACT_NOTE);
  fa->u16 = (uint16_t)n_data;
  fa->port = (uint32_t)note->length;
  for (size_t i = 0; i < n_data; i++) {
    size_t k = note->length - i * 28 < 28 ? note->length - i * 28 : 28;
    fa = fo_append_action(actsp, np, allocp, FO_ACT_NOTE_DATA);
    memcpy((uint8_t*)fa + 4, note->data + i * 28, k);
  }
}

bool fo_convert_nx_action(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                          size_t* allocp, char** errp) {
  struct fo_action* fa;

  switch (a->type) {
    case OFPACT_CONJUNCTION: {
      const struct ofpact_conjunction* c = ofpact_get_CONJUNCTION(a);
      fa = fo_append_action(actsp, np, allocp, FO_ACT_CONJUNCTION);
      fa->port = c->id;
      fa->mac[0] = c->clause;
      fa->mac[1] = c->n_clauses;
      return true;
    }
    case OFPACT_NOTE: {
      const struct ofpact_note* note = ofpact_get_NOTE(a);
      if (note->length > UINT16_MAX * 28) {
        *errp = fo_refusal(a, " (too long)");
        return true;
      }
      convert_note(note, actsp, np, allocp);
      return true;
    }
    case OFPACT_STACK_PUSH:
    case OFPACT_STACK_POP:
      return convert_stack(a, actsp, np, allocp, errp);
    case OFPACT_CLEAR_ACTIONS:
      fo_append_action(actsp, np, allocp, FO_ACT_CLEAR_ACTIONS);
      return true;
    case OFPACT_WRITE_ACTIONS:
      fo_convert_nested(a, ofpact_get_WRITE_ACTIONS(a), FO_ACT_WRITE_ACTIONS, actsp, np, allocp,
                        errp);
      return true;
    case OFPACT_LEARN:
      return fo_convert_learn(ofpact_get_LEARN(a), actsp, np, allocp, errp);
    default:
      return false;
  }
}

static void put_nested(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts,
                       enum ofpact_type type) {
  size_t ofs = ofpacts->size;
  ofpact_put(ofpacts, type, sizeof(struct ofpact_nest));
  fo_put_list(acts, n, ofpacts);
  struct ofpact_nest* nest = ofpbuf_at_assert(ofpacts, ofs, sizeof *nest);
  ofpacts->header = nest;
  ofpact_finish(ofpacts, &nest->ofpact);
}

size_t fo_put_nx_action(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts) {
  const struct fo_action* a = &acts[0];
  size_t inner = a->u16 <= n - 1 ? a->u16 : n - 1;

  switch (a->type) {
    case FO_ACT_CONJUNCTION: {
      struct ofpact_conjunction* c = ofpact_put_CONJUNCTION(ofpacts);
      c->id = a->port;
      c->clause = a->mac[0];
      c->n_clauses = a->mac[1];
      return 1;
    }
    case FO_ACT_NOTE: {
      size_t ofs = ofpacts->size;
      ofpact_put_NOTE(ofpacts);
      size_t left = a->port;
      for (size_t i = 1; i <= inner; i++) {
        size_t k = left < 28 ? left : 28;
        ofpbuf_put(ofpacts, (const uint8_t*)&acts[i] + 4, k);
        left -= k;
      }
      struct ofpact_note* note = ofpbuf_at_assert(ofpacts, ofs, sizeof *note);
      note->length = ofpacts->size - (ofs + sizeof *note);
      ofpacts->header = note;
      ofpact_finish_NOTE(ofpacts, &note);
      return 1 + inner;
    }
    case FO_ACT_NOTE_DATA:
      return 1; /* only after a NOTE */
    case FO_ACT_STACK_PUSH:
    case FO_ACT_STACK_POP: {
      if (a->flags & FO_ACT_F_WIDE_LO) {
        return 1;  /* printed with the half before it */
      }
      struct ofpact_stack* st = a->type == FO_ACT_STACK_PUSH ? ofpact_put_STACK_PUSH(ofpacts)
                                                             : ofpact_put_STACK_POP(ofpacts);
      st->subfield.field = mf_from_id(a->port);
      st->subfield.ofs = a->mac[2];
      st->subfield.n_bits = a->mac[4];
      if (fo_field_is_wide(st->subfield.field)) {
        bool whole = n > 1 && (a[1].flags & FO_ACT_F_WIDE_LO) && a[1].type == a->type;
        st->subfield.ofs = whole ? 0 : a->mac[3];
        st->subfield.n_bits = whole ? 128 : a->mac[4];
        return whole ? 2 : 1;
      }
      return 1;
    }
    case FO_ACT_CLEAR_ACTIONS:
      ofpact_put_CLEAR_ACTIONS(ofpacts);
      return 1;
    case FO_ACT_WRITE_ACTIONS:
      put_nested(acts + 1, inner, ofpacts, OFPACT_WRITE_ACTIONS);
      return 1 + inner;
    case FO_ACT_LEARN:
      return fo_put_learn(acts, n, ofpacts);
    case FO_ACT_LEARN_SPEC:
      return 1; /* only after a LEARN */
    default:
      return 0;
  }
}
