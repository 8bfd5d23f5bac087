/* 128-bit fields at the OVS boundary: a set_field (or load) on ipv6_src,
 * ipv6_dst or xxreg0-3 becomes two SET_FIELDs, on the field's high half
 * (first, with OVS's field id) and its low half (FO_ACT_F_WIDE_LO), and the
 * pair prints back as the one set_field it came from. A half on its own (a
 * translation's rewrite of an address, made by a move) prints as a masked
 * set_field on the whole field. */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

bool fo_field_is_wide(const struct mf_field* mf) {
  return mf->id == MFF_IPV6_SRC || mf->id == MFF_IPV6_DST || mf->id == MFF_ND_TARGET ||
         (mf->id >= MFF_XXREG0 && mf->id < MFF_XXREG0 + 4);
}

static uint64_t be64_at(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) {
    v = v << 8 | p[i];
  }
  return v;
}

static void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

/* Ferry's halves of a 128-bit OVS field. */
void fo_wide_halves(enum mf_field_id id, int* hi, int* lo) {
  if (id == MFF_IPV6_SRC) {
    *hi = FO_F_IPV6_SRC_HI;
    *lo = FO_F_IPV6_SRC_LO;
  } else if (id == MFF_IPV6_DST) {
    *hi = FO_F_IPV6_DST_HI;
    *lo = FO_F_IPV6_DST_LO;
  } else if (id == MFF_ND_TARGET) {
    *hi = FO_F_ND_TARGET_HI;
    *lo = FO_F_ND_TARGET_LO;
  } else {
    *hi = FO_F_XREG0 + 2 * (id - MFF_XXREG0);
    *lo = *hi + 1;
  }
}

void fo_convert_wide_set_field(const struct ofpact_set_field* sf, struct fo_action** actsp,
                               size_t* np, size_t* allocp) {
  const uint8_t* value = (const uint8_t*)sf->value;
  const uint8_t* mask = (const uint8_t*)ofpact_set_field_mask(sf);
  int hi, lo;
  fo_wide_halves(sf->field->id, &hi, &lo);
  uint64_t hi_mask = be64_at(mask), lo_mask = be64_at(mask + 8);
  for (int half = 0; half < 2; half++) {
    /* A half the mask leaves alone is left out (OpenFlow 1.0's NXM
     * encodes a 128-bit load as two 64-bit ones), but not both. */
    if ((half ? lo_mask : hi_mask) == 0 && (half || lo_mask)) {
      continue;
    }
    struct fo_action* fa = fo_append_action(actsp, np, allocp, FO_ACT_SET_FIELD);
    fa->u8 = (uint8_t)(half ? lo : hi);
    fa->u16 = (uint16_t)sf->field->id;
    fa->pad = sf->ofpact.raw;
    /* Only a low half that follows its own high half pairs with it. */
    fa->flags = half && hi_mask ? FO_ACT_F_WIDE_LO : 0;
    fa->mask = be64_at(mask + 8 * half);
    fa->value = be64_at(value + 8 * half) & fa->mask;
  }
}

/* The 128-bit OVS field whose half Ferry's field 'f' is (the xregs only
 * with OVS's id of an xxreg in 'id'), and which half; false for others. */
static bool wide_of(const struct fo_action* a, enum mf_field_id* id, bool* high) {
  switch (a->u8) {
    case FO_F_IPV6_SRC_HI:
    case FO_F_IPV6_SRC_LO:
      *id = MFF_IPV6_SRC;
      *high = a->u8 == FO_F_IPV6_SRC_HI;
      return true;
    case FO_F_IPV6_DST_HI:
    case FO_F_IPV6_DST_LO:
      *id = MFF_IPV6_DST;
      *high = a->u8 == FO_F_IPV6_DST_HI;
      return true;
    default:
      break;
  }
  if (a->u16 >= MFF_XXREG0 && a->u16 < MFF_XXREG0 + 4 && a->u8 >= FO_F_XREG0 &&
      a->u8 < FO_F_XREG0 + 8) {
    *id = (enum mf_field_id)a->u16;
    *high = (a->u8 - FO_F_XREG0) % 2 == 0;
    return true;
  }
  return false;
}

size_t fo_put_wide_set_field(const struct fo_action* a, size_t n, struct ofpbuf* ofpacts) {
  enum mf_field_id id;
  bool high;
  if (a->type != FO_ACT_SET_FIELD || (a->flags & (FO_ACT_F_LEGACY | FO_ACT_F_INSTRUCTION)) ||
      !wide_of(a, &id, &high)) {
    return 0;
  }
  union mf_value value, mask;
  memset(&value, 0, sizeof value);
  memset(&mask, 0, sizeof mask);
  uint8_t* v = (uint8_t*)&value;
  uint8_t* m = (uint8_t*)&mask;
  put_be64(v + (high ? 0 : 8), a->value);
  put_be64(m + (high ? 0 : 8), a->mask);
  size_t used = 1;
  enum mf_field_id id2;
  bool high2;
  if (high && n > 1 && (a[1].flags & FO_ACT_F_WIDE_LO) && a[1].type == FO_ACT_SET_FIELD &&
      wide_of(&a[1], &id2, &high2) && id2 == id && !high2) {
    put_be64(v + 8, a[1].value);
    put_be64(m + 8, a[1].mask);
    used = 2;
  }
  struct ofpact_set_field* sf = ofpact_put_set_field(ofpacts, mf_from_id(id), &value, &mask);
  sf->ofpact.raw = a->pad;
  return used;
}
