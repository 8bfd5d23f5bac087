/* Groups at the OVS boundary: group_mod decoding, group stats, description
 * and features replies (OpenFlow 1.1 to 1.5). */
#include <string.h>

#include "bitmap.h"
#include "lib/ovs/hash/fo-hash.h"
#include "lib/ovs/ofp/fo-conn.h"
#include "lib/ovs/ofp/fo-reply.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "util.h"

static enum ofperr convert_bucket(const struct ofputil_bucket* b, struct fo_bucket* out,
                                  char** whyp) {
  out->bucket_id = b->bucket_id;
  out->weight = b->weight;
  out->watch_port = ofp_to_u16(b->watch_port);
  out->watch_group = b->watch_group;
  return fo_actions_from_ofpacts(b->ofpacts, b->ofpacts_len, &out->actions, &out->n_actions,
                                 whyp);
}

enum ofperr fo_decode_group_mod(const struct ofp_header* oh, struct fo_group_mod* out,
                                char** whyp) {
  struct ofputil_group_mod gm;

  *whyp = NULL;
  enum ofperr error = ofputil_decode_group_mod(oh, &gm);
  if (error) {
    return error;
  }
  out->command = gm.command;
  out->type = gm.type;
  out->group_id = gm.group_id;
  out->command_bucket_id = gm.command_bucket_id;
  ovs_strlcpy(out->selection_method, gm.props.selection_method, sizeof out->selection_method);
  out->selection_method_param = gm.props.selection_method_param;

  const uint8_t* values = gm.props.fields.values;
  size_t i;
  BITMAP_FOR_EACH_1 (i, MFF_N_IDS, gm.props.fields.used.bm) {
    const struct mf_field* mf = mf_from_id(i);
    if (out->n_fields >= FO_MAX_HASH_FIELDS || !fo_hash_field_supported(i) ||
        mf->n_bytes > 16) {
      *whyp = xasprintf("Ferry cannot hash on field %s in a select group", mf->name);
      error = OFPERR_OFPBAC_BAD_SET_TYPE;
      goto out;
    }
    struct fo_hash_field* f = &out->fields[out->n_fields++];
    f->id = i;
    f->n_bytes = mf->n_bytes;
    memcpy(f->mask, values, mf->n_bytes);
    values += mf->n_bytes;
  }

  size_t n = ovs_list_size(&gm.buckets);
  out->buckets = n ? xcalloc(n, sizeof *out->buckets) : NULL;
  const struct ofputil_bucket* b;
  LIST_FOR_EACH (b, list_node, &gm.buckets) {
    error = convert_bucket(b, &out->buckets[out->n_buckets++], whyp);
    if (error) {
      break;
    }
  }
out:
  ofputil_uninit_group_mod(&gm);
  if (error) {
    fo_group_mod_destroy(out);
  }
  return error;
}

void fo_group_mod_destroy(struct fo_group_mod* gm) {
  for (size_t i = 0; i < gm->n_buckets; i++) {
    free(gm->buckets[i].actions);
  }
  free(gm->buckets);
  gm->buckets = NULL;
  gm->n_buckets = 0;
}

/* The group features OVS advertises, with Ferry's actions. */
void fo_answer_group_features(struct fo_conn* c, const struct ofp_header* oh) {
  struct ofputil_group_features f;
  memset(&f, 0, sizeof f);
  f.types = 0xf;
  f.capabilities = OFPGFC_CHAINING | OFPGFC_SELECT_LIVENESS | OFPGFC_SELECT_WEIGHT;
  for (int i = 0; i < 4; i++) {
    f.max_groups[i] = OFPG_MAX;
    f.ofpacts[i] = fo_supported_ofpacts();
  }
  fo_conn_send(c, ofputil_encode_group_features_reply(&f, oh));
}

void fo_send_group_stats_reply(struct fo_conn* c, const void* req,
                               const struct fo_group_stats* gs, size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_GROUP_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;
  ofpmp_init(&replies, req);
  for (size_t i = 0; i < n; i++) {
    struct bucket_counter* bc = xcalloc(gs[i].n_buckets + 1, sizeof *bc);
    for (size_t b = 0; b < gs[i].n_buckets; b++) {
      bc[b].packet_count = gs[i].bucket_counts[2 * b];
      bc[b].byte_count = gs[i].bucket_counts[2 * b + 1];
    }
    struct ofputil_group_stats s = {
        .group_id = gs[i].group_id,
        .ref_count = gs[i].ref_count,
        .packet_count = gs[i].packet_count,
        .byte_count = gs[i].byte_count,
        .duration_sec = gs[i].duration_sec,
        .duration_nsec = gs[i].duration_nsec,
        .n_buckets = gs[i].n_buckets,
        .bucket_stats = bc,
    };
    ofputil_append_group_stats(&replies, &s);
    free(bc);
  }
  fo_conn_send_list(c, &replies);
}

void fo_send_group_desc_reply(struct fo_conn* c, const void* req, const struct fo_group_mod* gd,
                              size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_GROUP_DESC_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;
  ofpmp_init(&replies, req);
  for (size_t i = 0; i < n; i++) {
    struct ofputil_group_desc d;
    memset(&d, 0, sizeof d);
    d.type = gd[i].type;
    d.group_id = gd[i].group_id;
    ovs_list_init(&d.buckets);
    ovs_strlcpy(d.props.selection_method, gd[i].selection_method,
                sizeof d.props.selection_method);
    d.props.selection_method_param = gd[i].selection_method_param;
    for (uint16_t f = 0; f < gd[i].n_fields; f++) {
      union mf_value mask;
      memset(&mask, 0, sizeof mask);
      memcpy(&mask, gd[i].fields[f].mask, gd[i].fields[f].n_bytes);
      field_array_set(gd[i].fields[f].id, &mask, &d.props.fields);
    }
    for (size_t b = 0; b < gd[i].n_buckets; b++) {
      const struct fo_bucket* fb = &gd[i].buckets[b];
      struct ofputil_bucket* ob = xzalloc(sizeof *ob);
      struct ofpbuf ofpacts;
      ofpbuf_init(&ofpacts, 64);
      fo_actions_to_ofpacts(fb->actions, fb->n_actions, NULL, &ofpacts);
      ob->weight = fb->weight;
      ob->watch_port = u16_to_ofp(fb->watch_port);
      ob->watch_group = fb->watch_group;
      ob->bucket_id = fb->bucket_id;
      ob->ofpacts_len = ofpacts.size;
      ob->ofpacts = ofpbuf_steal_data(&ofpacts);
      ovs_list_push_back(&d.buckets, &ob->list_node);
    }
    ofputil_append_group_desc_reply(&d, &d.buckets, &replies);
    ofputil_bucket_list_destroy(&d.buckets);
    ofputil_group_properties_destroy(&d.props);
  }
  fo_conn_send_list(c, &replies);
}
