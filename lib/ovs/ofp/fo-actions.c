/* OVS ofpacts <-> Ferry actions. Ferry executes output (to a port or one of
 * IN_PORT, FLOOD, ALL, NORMAL, LOCAL, CONTROLLER), Ethernet address
 * rewrites, VLAN VID/PCP rewrites, strip/push VLAN, meters, the pipeline's
 * goto_table, resubmit, write_metadata, set_field/load/move on the fields of
 * fo_field, mod_nw_src/dst/tos/ecn/ttl, mod_tp_src/dst, dec_ttl, clone and
 * output to a field, push_mpls, pop_mpls, set_mpls_label/tc/ttl,
 * dec_mpls_ttl (those in fo-pipeline.c), conjunction, note, push/pop,
 * write_actions/clear_actions (fo-nxactions.c), learn (fo-learn.c), ct and
 * ct_clear (fo-ct.c); every other action (and
 * instruction) is refused with OFPBAC_BAD_TYPE. */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-errors.h"
#include "packets.h"
#include "util.h"

struct fo_action* fo_append_action(struct fo_action** actsp, size_t* np, size_t* allocp,
                                   uint8_t type) {
  if (*np >= *allocp) {
    *actsp = x2nrealloc(*actsp, allocp, sizeof **actsp);
  }
  struct fo_action* a = &(*actsp)[(*np)++];
  memset(a, 0, sizeof *a);
  a->type = type;
  return a;
}

char* fo_refusal(const struct ofpact* a, const char* why) {
  struct ds s = DS_EMPTY_INITIALIZER;
  struct ofpact_format_params fp = {.s = &s};

  ofpacts_format(a, OFPACT_ALIGN(a->len), &fp);
  char* msg =
      xasprintf("Ferry does not support action %s%s (%s)", ofpact_name(a->type), why, ds_cstr(&s));
  ds_destroy(&s);
  return msg;
}

/* set_field on an Ethernet address or the VLAN fields maps onto Ferry's
 * actions; any other field, or a partial mask, is refused. */
static bool convert_set_field(const struct ofpact_set_field* sf, struct fo_action* out) {
  const union mf_value* value = sf->value;
  const union mf_value* mask = ofpact_set_field_mask(sf);

  if (!is_all_ones(mask, sf->field->n_bytes)) {
    return false;
  }
  switch ((int)sf->field->id) {
    case MFF_ETH_SRC:
    case MFF_ETH_DST:
      out->type = sf->field->id == MFF_ETH_SRC ? FO_ACT_SET_ETH_SRC : FO_ACT_SET_ETH_DST;
      memcpy(out->mac, value->mac.ea, 6);
      return true;
    case MFF_VLAN_VID:
    case MFF_DL_VLAN:
      out->type = FO_ACT_SET_VLAN_VID;
      out->u16 = ntohs(value->be16) & VLAN_VID_MASK;
      return true;
    case MFF_VLAN_PCP:
      out->type = FO_ACT_SET_VLAN_PCP;
      out->u8 = value->u8 & 7;
      return true;
    default:
      return false;
  }
}

/* Appends the conversion of a list (a clone's nested list recursively, its
 * actions after a CLONE action that counts them). */
bool fo_convert_list(const struct ofpact* ofpacts, size_t ofpacts_len, struct fo_action** actsp,
                     size_t* np, size_t* allocp, char** errp) {
  const struct ofpact* a;
#define alloc (*allocp)
  OFPACT_FOR_EACH(a, ofpacts, ofpacts_len) {
    struct fo_action* fa;

    switch (a->type) {
      case OFPACT_OUTPUT: {
        const struct ofpact_output* o = ofpact_get_OUTPUT(a);
        fa = fo_append_action(actsp, np, &alloc, FO_ACT_OUTPUT);
        fa->port = ofp_to_u16(o->port);
        fa->u16 = o->port == OFPP_CONTROLLER ? o->max_len : 0;
        break;
      }
      case OFPACT_CONTROLLER:
        if (!fo_convert_controller(a, actsp, np, &alloc, errp)) {
          goto refused;
        }
        break;
      case OFPACT_SET_ETH_SRC:
      case OFPACT_SET_ETH_DST:
        fa = fo_append_action(
            actsp, np, &alloc,
            a->type == OFPACT_SET_ETH_SRC ? FO_ACT_SET_ETH_SRC : FO_ACT_SET_ETH_DST);
        memcpy(fa->mac, ALIGNED_CAST(const struct ofpact_mac*, a)->mac.ea, 6);
        break;
      case OFPACT_SET_VLAN_VID: {
        const struct ofpact_vlan_vid* v = ofpact_get_SET_VLAN_VID(a);
        fa = fo_append_action(actsp, np, &alloc, FO_ACT_SET_VLAN_VID);
        fa->u16 = v->vlan_vid;
        fa->flags = v->push_vlan_if_needed ? FO_ACT_F_PUSH_IF_NEEDED : 0;
        break;
      }
      case OFPACT_SET_VLAN_PCP: {
        const struct ofpact_vlan_pcp* v = ofpact_get_SET_VLAN_PCP(a);
        fa = fo_append_action(actsp, np, &alloc, FO_ACT_SET_VLAN_PCP);
        fa->u8 = v->vlan_pcp;
        fa->flags = v->push_vlan_if_needed ? FO_ACT_F_PUSH_IF_NEEDED : 0;
        break;
      }
      case OFPACT_STRIP_VLAN:
        fo_append_action(actsp, np, &alloc, FO_ACT_STRIP_VLAN);
        break;
      case OFPACT_PUSH_VLAN:
        fa = fo_append_action(actsp, np, &alloc, FO_ACT_PUSH_VLAN);
        fa->u16 = ntohs(ofpact_get_PUSH_VLAN(a)->ethertype);
        break;
      case OFPACT_METER:
        fa = fo_append_action(actsp, np, &alloc, FO_ACT_METER);
        fa->port = ofpact_get_METER(a)->meter_id;
        break;
      case OFPACT_SET_FIELD:
        if (fo_field_is_wide(ofpact_get_SET_FIELD(a)->field) &&
            ofpact_get_SET_FIELD(a)->field->id != MFF_ND_TARGET) {  /* read-only */
          fo_convert_wide_set_field(ofpact_get_SET_FIELD(a), actsp, np, &alloc);
          break;
        }
        fa = fo_append_action(actsp, np, &alloc, 0);
        if (!convert_set_field(ofpact_get_SET_FIELD(a), fa) &&
            !fo_convert_generic_set_field(ofpact_get_SET_FIELD(a), fa)) {
          *errp = fo_refusal(a, "");
          goto refused;
        }
        break;
      default:
        if (!fo_convert_pipeline_action(a, actsp, np, &alloc, errp) &&
            !fo_convert_nx_action(a, actsp, np, &alloc, errp) && !*errp &&
            !fo_convert_ct(a, actsp, np, &alloc, errp) && !*errp) {
          *errp = fo_refusal(a, "");
        }
        if (*errp) {
          goto refused;
        }
        break;
    }
  }
#undef alloc
  return true;

refused:
  return false;
}

enum ofperr fo_actions_from_ofpacts(const struct ofpact* ofpacts, size_t ofpacts_len,
                                    struct fo_action** actsp, size_t* np, char** errp) {
  size_t alloc = 0;

  *actsp = NULL;
  *np = 0;
  *errp = NULL;
  if (!fo_convert_list(ofpacts, ofpacts_len, actsp, np, &alloc, errp)) {
    free(*actsp);
    *actsp = NULL;
    *np = 0;
    return OFPERR_OFPBAC_BAD_TYPE;
  }
  return 0;
}

void fo_put_list(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts) {
  for (size_t i = 0; i < n; i++) {
    const struct fo_action* a = &acts[i];
    switch (a->type) {
      case FO_ACT_CLONE: {
        size_t ofs = ofpacts->size;
        size_t inner = a->u16 <= n - i - 1 ? a->u16 : n - i - 1;
        ofpact_put_CLONE(ofpacts);
        fo_put_list(acts + i + 1, inner, ofpacts);
        struct ofpact_nest* clone = ofpbuf_at_assert(ofpacts, ofs, sizeof *clone);
        ofpacts->header = clone;
        ofpact_finish_CLONE(ofpacts, &clone);
        i += inner;
        break;
      }
      case FO_ACT_CONTROLLER:
        i += fo_put_controller(acts + i, n - i, ofpacts) - 1;
        break;
      case FO_ACT_DATA:
      case FO_ACT_PACKET_IN:
        break; /* consumed by the action before / never in a rule */
      case FO_ACT_OUTPUT: {
        struct ofpact_output* o = ofpact_put_OUTPUT(ofpacts);
        o->port = u16_to_ofp(a->port);
        o->max_len = a->port == ofp_to_u16(OFPP_CONTROLLER) ? a->u16 : 0;
        break;
      }
      case FO_ACT_SET_ETH_SRC:
        memcpy(ofpact_put_SET_ETH_SRC(ofpacts)->mac.ea, a->mac, 6);
        break;
      case FO_ACT_SET_ETH_DST:
        memcpy(ofpact_put_SET_ETH_DST(ofpacts)->mac.ea, a->mac, 6);
        break;
      case FO_ACT_SET_VLAN_VID: {
        struct ofpact_vlan_vid* v = ofpact_put_SET_VLAN_VID(ofpacts);
        v->vlan_vid = a->u16 & VLAN_VID_MASK;
        v->push_vlan_if_needed = a->flags & FO_ACT_F_PUSH_IF_NEEDED;
        break;
      }
      case FO_ACT_SET_VLAN_PCP: {
        struct ofpact_vlan_pcp* v = ofpact_put_SET_VLAN_PCP(ofpacts);
        v->vlan_pcp = a->u8 & 7;
        v->push_vlan_if_needed = a->flags & FO_ACT_F_PUSH_IF_NEEDED;
        break;
      }
      case FO_ACT_STRIP_VLAN:
        ofpact_put_STRIP_VLAN(ofpacts); /* prints "strip_vlan" */
        break;
      case FO_ACT_PUSH_VLAN:
        ofpact_put_PUSH_VLAN(ofpacts)->ethertype = htons(a->u16);
        break;
      case FO_ACT_METER: {
        struct ofpact_meter* m = ofpact_put_METER(ofpacts);
        m->meter_id = a->port;
        m->provider_meter_id = UINT32_MAX;
        break;
      }
      default: {
        size_t used = fo_put_ct(a, n - i, ofpacts);
        if (!used) {
          used = fo_put_wide_set_field(a, n - i, ofpacts);
        }
        if (!used) {
          used = fo_put_nx_action(a, n - i, ofpacts);
        }
        if (used) {
          i += used - 1;
        } else {
          fo_put_pipeline_action(a, ofpacts);
        }
        break;
      }
    }
  }
}

void fo_actions_to_ofpacts(const struct fo_action* acts, size_t n, const struct match* match,
                           struct ofpbuf* ofpacts) {
  size_t start = ofpacts->size;

  fo_put_list(acts, n, ofpacts);

  if (match) {
    /* Sets flow_has_vlan in the VLAN actions, which decides whether
     * mod_vlan_vid needs a push_vlan in OpenFlow 1.1+. */
    struct match m = *match;
    struct ofpact_check_params cp = {
        .match = &m,
        .max_ports = OFPP_MAX,
        .table_id = 0,
        .n_tables = 255,
    };
    ofpacts_check((struct ofpact*)((uint8_t*)ofpacts->data + start), ofpacts->size - start, &cp);
  }
}

uint64_t fo_supported_ofpacts(void) {
  return ((UINT64_C(1) << OFPACT_OUTPUT) | (UINT64_C(1) << OFPACT_SET_ETH_SRC) |
          (UINT64_C(1) << OFPACT_SET_ETH_DST) | (UINT64_C(1) << OFPACT_SET_VLAN_VID) |
          (UINT64_C(1) << OFPACT_SET_VLAN_PCP) | (UINT64_C(1) << OFPACT_STRIP_VLAN) |
          (UINT64_C(1) << OFPACT_PUSH_VLAN) | (UINT64_C(1) << OFPACT_SET_FIELD) |
          (UINT64_C(1) << OFPACT_METER) | (UINT64_C(1) << OFPACT_GOTO_TABLE) |
          (UINT64_C(1) << OFPACT_RESUBMIT) | (UINT64_C(1) << OFPACT_WRITE_METADATA) |
          (UINT64_C(1) << OFPACT_REG_MOVE) | (UINT64_C(1) << OFPACT_SET_IPV4_SRC) |
          (UINT64_C(1) << OFPACT_SET_IPV4_DST) | (UINT64_C(1) << OFPACT_SET_IP_DSCP) |
          (UINT64_C(1) << OFPACT_SET_IP_ECN) | (UINT64_C(1) << OFPACT_SET_IP_TTL) |
          (UINT64_C(1) << OFPACT_SET_L4_SRC_PORT) | (UINT64_C(1) << OFPACT_SET_L4_DST_PORT) |
          (UINT64_C(1) << OFPACT_DEC_TTL) | (UINT64_C(1) << OFPACT_CLONE) |
          (UINT64_C(1) << OFPACT_OUTPUT_REG) | (UINT64_C(1) << OFPACT_CONTROLLER) |
          (UINT64_C(1) << OFPACT_GROUP) | (UINT64_C(1) << OFPACT_CONJUNCTION) |
          (UINT64_C(1) << OFPACT_NOTE) | (UINT64_C(1) << OFPACT_STACK_PUSH) |
          (UINT64_C(1) << OFPACT_STACK_POP) | (UINT64_C(1) << OFPACT_WRITE_ACTIONS) |
          (UINT64_C(1) << OFPACT_CLEAR_ACTIONS) | (UINT64_C(1) << OFPACT_LEARN) |
          (UINT64_C(1) << OFPACT_OUTPUT_TRUNC) | (UINT64_C(1) << OFPACT_MULTIPATH) |
          (UINT64_C(1) << OFPACT_CT) | (UINT64_C(1) << OFPACT_CT_CLEAR) |
          (UINT64_C(1) << OFPACT_PUSH_MPLS) | (UINT64_C(1) << OFPACT_POP_MPLS) |
          (UINT64_C(1) << OFPACT_SET_MPLS_LABEL) | (UINT64_C(1) << OFPACT_SET_MPLS_TC) |
          (UINT64_C(1) << OFPACT_SET_MPLS_TTL) | (UINT64_C(1) << OFPACT_DEC_MPLS_TTL));
}
