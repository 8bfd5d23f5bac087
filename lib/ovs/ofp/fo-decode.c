/* Decoding of requests into struct fo_msg. Hello, echo and the Nicira
 * flow-format negotiation are handled here; everything Ferry does not
 * support is answered with an OpenFlow error and never reaches the caller. */
#include <string.h>

#include "byte-order.h"
#include "flow.h"
#include "lib/ovs/ofp/fo-conn.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "util.h"

/* "OFPT_FLOW_MOD (OpenFlow13) xid=0x5" for logs. */
static char* describe(const struct ofp_header* oh) {
  enum ofpraw raw;
  const char* name = (!ofpraw_decode(&raw, oh) ? ofpraw_get_name(raw) : "unknown message");
  return xasprintf("%s (%s) xid=%#" PRIx32, name, ofputil_version_to_string(oh->version),
                   ntohl(oh->xid));
}

/* Sends 'error' in reply to 'oh'; '*textp' gets a line for the log,
 * taking ownership of 'why'. */
static int refuse(struct fo_conn* c, const struct ofp_header* oh, enum ofperr error, char* why,
                  char** textp) {
  char* what = describe(oh);
  *textp = xasprintf("%s: refused with %s: %s", what, ofperr_get_name(error),
                     why ? why : ofperr_get_description(error));
  free(what);
  free(why);
  fo_conn_send(c, ofperr_encode_reply(error, oh));
  return FO_RECV_REFUSED;
}

static enum ofperr decode_flow_mod(struct fo_conn* c, const struct ofp_header* oh,
                                   struct fo_flow_mod* out, char** whyp) {
  struct ofputil_flow_mod fm;
  struct ofpbuf ofpacts;

  *whyp = NULL;
  ofpbuf_init(&ofpacts, 128);
  /* Tables 0-254, as OVS. */
  enum ofperr error =
      ofputil_decode_flow_mod(&fm, oh, c->protocol, NULL, NULL, &ofpacts, OFPP_MAX, 255);
  if (!error) {
    /* What ofproto checks before it takes a flow_mod: prerequisites of
     * set_field and friends, goto_table only forward. */
    if (fm.command == OFPFC_ADD || fm.command == OFPFC_MODIFY ||
        fm.command == OFPFC_MODIFY_STRICT) {
      struct match match;
      minimatch_expand(&fm.match, &match);
      struct ofpact_check_params cp = {
          .match = &match,
          .max_ports = OFPP_MAX,
          .table_id = fm.table_id == 0xff ? 0 : fm.table_id,
          .n_tables = 255,
      };
      error = ofpacts_check_consistency(fm.ofpacts, fm.ofpacts_len, c->protocol, &cp);
    }
    if (!error) {
      error = fo_flow_mod_from_ovs(&fm, out, whyp);
    }
    minimatch_destroy(&fm.match);
  }
  ofpbuf_uninit(&ofpacts);
  return error;
}

static enum ofperr decode_flow_stats_request(const struct ofp_header* oh, struct fo_flow_mod* out,
                                             char** whyp) {
  struct ofputil_flow_stats_request fsr;

  *whyp = NULL;
  enum ofperr error = ofputil_decode_flow_stats_request(&fsr, oh, NULL, NULL);
  if (error) {
    return error;
  }
  if (fsr.out_group != OFPG_ANY) {
    *whyp = xasprintf("Ferry does not filter flows by group (out_group %" PRIu32 ")",
                      fsr.out_group);
    return OFPERR_OFPBRC_EPERM;
  }
  error = fo_match_from_ovs(&fsr.match, &out->match, whyp);
  if (error) {
    return error;
  }
  out->table_id = fsr.table_id;
  out->out_port = ofp_to_u16(fsr.out_port);
  out->cookie = ntohll(fsr.cookie);
  out->cookie_mask = ntohll(fsr.cookie_mask);
  return 0;
}

static enum ofperr decode_packet_out(const struct ofp_header* oh, struct fo_msg* msg, char** whyp) {
  struct ofputil_packet_out po;
  struct ofpbuf ofpacts;

  *whyp = NULL;
  ofpbuf_init(&ofpacts, 64);
  enum ofperr error = ofputil_decode_packet_out(&po, oh, NULL, &ofpacts);
  if (!error && po.buffer_id != UINT32_MAX) {
    *whyp = xasprintf("Ferry does not buffer packets (buffer_id %" PRIu32 ")", po.buffer_id);
    error = OFPERR_OFPBRC_BUFFER_UNKNOWN;
  }
  if (!error) {
    /* Only in_port is meaningful as packet metadata. */
    struct fo_match ignored;
    struct match meta = po.flow_metadata;
    memset(&meta.wc.masks.in_port, 0, sizeof meta.wc.masks.in_port);
    error = fo_match_from_ovs(&meta, &ignored, whyp);
  }
  if (!error) {
    error = fo_actions_from_ofpacts(po.ofpacts, po.ofpacts_len, &msg->po_actions,
                                    &msg->po_n_actions, whyp);
  }
  if (!error) {
    msg->in_port = ofp_to_u16(po.flow_metadata.flow.in_port.ofp_port);
    msg->packet = xmemdup(po.packet, po.packet_len);
    msg->packet_len = po.packet_len;
  }
  ofpbuf_uninit(&ofpacts);
  return error;
}

static enum ofperr decode_meter_mod(const struct ofp_header* oh, struct fo_meter_mod* out,
                                    char** whyp) {
  struct ofputil_meter_mod mm;
  struct ofpbuf bands;
  ofpbuf_init(&bands, 64);
  enum ofperr error = ofputil_decode_meter_mod(oh, &mm, &bands);
  if (!error) {
    out->command = mm.command;
    out->meter_id = mm.meter.meter_id;
    out->flags = mm.meter.flags;
    if (mm.meter.n_bands > FO_MAX_METER_BANDS) {
      *whyp = xasprintf("Ferry supports at most %d bands per meter", FO_MAX_METER_BANDS);
      error = OFPERR_OFPMMFC_OUT_OF_BANDS;
    } else {
      out->n_bands = mm.meter.n_bands;
      for (uint16_t i = 0; i < mm.meter.n_bands; i++) {
        out->bands[i].type = mm.meter.bands[i].type;
        out->bands[i].rate = mm.meter.bands[i].rate;
        out->bands[i].burst_size = mm.meter.bands[i].burst_size;
      }
    }
  }
  ofpbuf_uninit(&bands);
  return error;
}

static enum ofperr decode_bundle_add(struct fo_conn* c, const struct ofp_header* oh,
                                     struct fo_msg* msg, char** whyp) {
  struct ofputil_bundle_add_msg badd;
  enum ofptype type;

  *whyp = NULL;
  enum ofperr error = ofputil_decode_bundle_add(oh, &badd, &type);
  if (error) {
    return error;
  }
  msg->bundle_id = badd.bundle_id;
  msg->bundle_flags = badd.flags;
  if (type == OFPTYPE_GROUP_MOD) {
    msg->bundle_group_mod = true;
    return fo_decode_group_mod(badd.msg, &msg->group_mod, whyp);
  }
  if (type != OFPTYPE_FLOW_MOD) {
    *whyp = xasprintf("Ferry bundles only flow_mods and group_mods, not %s",
                      ofptype_get_name(type));
    return OFPERR_OFPBFC_MSG_UNSUP;
  }
  return decode_flow_mod(c, badd.msg, &msg->fm, whyp);
}

/* Table features are static (fixed capabilities): answered here.
 * A request that tries to change them is refused. */
static int answer_table_features(struct fo_conn* c, const struct ofp_header* oh, char** textp) {
  struct ofpbuf body = ofpbuf_const_initializer(oh, ntohs(oh->length));
  ofpraw_pull_assert(&body);
  if (body.size) {
    return refuse(c, oh, OFPERR_OFPTFFC_EPERM, xstrdup("Ferry's table features cannot be changed"),
                  textp);
  }

  /* Tables 0-253, as OVS (254 is its internal table). */
  struct ofputil_table_features features;
  struct ovs_list replies;
  ofpmp_init(&replies, oh);
  for (int t = 0; t < 254; t++) {
    fo_table_features((uint8_t)t, &features);
    ofputil_append_table_features(&features, NULL, &replies);
  }
  fo_conn_send_list(c, &replies);
  return FO_RECV_HANDLED;
}

/* Decodes a request for the caller (returns 0 with msg->type set), or
 * returns the error to refuse it with. */
static enum ofperr decode_request(struct fo_conn* c, const struct ofp_header* oh, enum ofptype type,
                                  struct fo_msg* msg, char** whyp) {
  struct ofputil_switch_config config;
  struct ofputil_bundle_ctrl_msg bc;
  ofp_port_t port;
  enum ofperr error = 0;

  *whyp = NULL;
  switch (type) {
    case OFPTYPE_FEATURES_REQUEST:
      msg->type = FO_MSG_FEATURES_REQUEST;
      return 0;
    case OFPTYPE_GET_CONFIG_REQUEST:
      msg->type = FO_MSG_GET_CONFIG_REQUEST;
      return 0;
    case OFPTYPE_SET_CONFIG:
      msg->type = FO_MSG_SET_CONFIG;
      error = ofputil_decode_set_config(oh, &config);
      if (!error) {
        fo_conn_apply_set_config(c, &config);
      }
      msg->config_flags =
          config.frag |
          (config.invalid_ttl_to_controller == 1 ? OFPC_INVALID_TTL_TO_CONTROLLER : 0);
      msg->miss_send_len = config.miss_send_len;
      return error;
    case OFPTYPE_FLOW_MOD:
      msg->type = FO_MSG_FLOW_MOD;
      return decode_flow_mod(c, oh, &msg->fm, whyp);
    case OFPTYPE_BARRIER_REQUEST:
      msg->type = FO_MSG_BARRIER_REQUEST;
      return 0;
    case OFPTYPE_FLOW_STATS_REQUEST:
    case OFPTYPE_AGGREGATE_STATS_REQUEST:
      msg->type = (type == OFPTYPE_FLOW_STATS_REQUEST ? FO_MSG_FLOW_STATS_REQUEST
                                                      : FO_MSG_AGGREGATE_STATS_REQUEST);
      return decode_flow_stats_request(oh, &msg->fsr, whyp);
    case OFPTYPE_PORT_STATS_REQUEST:
    case OFPTYPE_PORT_DESC_STATS_REQUEST:
      if (type == OFPTYPE_PORT_STATS_REQUEST) {
        msg->type = FO_MSG_PORT_STATS_REQUEST;
        error = ofputil_decode_port_stats_request(oh, &port);
      } else {
        msg->type = FO_MSG_PORT_DESC_REQUEST;
        error = ofputil_decode_port_desc_stats_request(oh, &port);
      }
      msg->port_no = ofp_to_u16(port);
      return error;
    case OFPTYPE_DESC_STATS_REQUEST:
      msg->type = FO_MSG_DESC_STATS_REQUEST;
      return 0;
    case OFPTYPE_TABLE_STATS_REQUEST:
      msg->type = FO_MSG_TABLE_STATS_REQUEST;
      return 0;
    case OFPTYPE_BUNDLE_CONTROL:
      msg->type = FO_MSG_BUNDLE_CONTROL;
      error = ofputil_decode_bundle_ctrl(oh, &bc);
      if (!error && (bc.type & 1 || bc.type > OFPBCT_DISCARD_REQUEST)) {
        *whyp = xasprintf("bundle control type %" PRIu16 " is not a request", bc.type);
        return OFPERR_OFPBFC_BAD_TYPE;
      }
      msg->bundle_id = bc.bundle_id;
      msg->bundle_type = bc.type;
      msg->bundle_flags = bc.flags;
      return error;
    case OFPTYPE_BUNDLE_ADD_MESSAGE:
      msg->type = FO_MSG_BUNDLE_ADD;
      return decode_bundle_add(c, oh, msg, whyp);
    case OFPTYPE_PACKET_OUT:
      msg->type = FO_MSG_PACKET_OUT;
      return decode_packet_out(oh, msg, whyp);
    case OFPTYPE_METER_MOD:
      msg->type = FO_MSG_METER_MOD;
      return decode_meter_mod(oh, &msg->meter_mod, whyp);
    case OFPTYPE_METER_STATS_REQUEST:
    case OFPTYPE_METER_CONFIG_STATS_REQUEST:
      msg->type = type == OFPTYPE_METER_STATS_REQUEST ? FO_MSG_METER_STATS_REQUEST
                                                      : FO_MSG_METER_CONFIG_REQUEST;
      ofputil_decode_meter_request(oh, &msg->meter_id);
      return 0;
    case OFPTYPE_METER_FEATURES_STATS_REQUEST:
      msg->type = FO_MSG_METER_FEATURES_REQUEST;
      return 0;
    case OFPTYPE_ROLE_REQUEST: {
      struct ofputil_role_request rr;
      msg->type = FO_MSG_ROLE_REQUEST;
      error = ofputil_decode_role_message(oh, &rr);
      msg->role = rr.role;
      msg->has_generation_id = rr.have_generation_id;
      msg->generation_id = rr.generation_id;
      return error;
    }
    case OFPTYPE_GROUP_MOD:
      msg->type = FO_MSG_GROUP_MOD;
      return fo_decode_group_mod(oh, &msg->group_mod, whyp);
    case OFPTYPE_GROUP_STATS_REQUEST:
      msg->type = FO_MSG_GROUP_STATS_REQUEST;
      return ofputil_decode_group_stats_request(oh, &msg->group_id);
    case OFPTYPE_GROUP_DESC_STATS_REQUEST:
      msg->type = FO_MSG_GROUP_DESC_REQUEST;
      msg->group_id = ofputil_decode_group_desc_request(oh);
      return 0;
    case OFPTYPE_NXT_RESUME:
      msg->type = FO_MSG_RESUME;
      return fo_decode_resume(oh, msg, whyp);
    case OFPTYPE_NXT_TLV_TABLE_MOD:
      msg->type = FO_MSG_TLV_TABLE_MOD;
      return fo_decode_tlv_table_mod(oh, &msg->tlv_mod);
    case OFPTYPE_NXT_TLV_TABLE_REQUEST:
      msg->type = FO_MSG_TLV_TABLE_REQUEST;
      return 0;
    case OFPTYPE_CT_FLUSH_ZONE:
    case OFPTYPE_CT_FLUSH:
      msg->type = FO_MSG_CT_FLUSH;
      return fo_decode_ct_flush(oh, type, &msg->ct_flush);
    default:
      *whyp = xstrdup("Ferry does not support this message");
      return ofpmsg_is_stat_request(oh) ? OFPERR_OFPBRC_BAD_STAT : OFPERR_OFPBRC_BAD_TYPE;
  }
}

int fo_conn_decode(struct fo_conn* c, const struct ofp_header* oh, struct fo_msg* msg,
                   char** textp) {
  enum ofptype type;
  char* why = NULL;

  enum ofperr error = ofptype_decode(&type, oh);
  if (error) {
    return refuse(c, oh, error, NULL, textp);
  }

  /* What the connection answers itself. */
  switch (type) {
    case OFPTYPE_ECHO_REQUEST:
      fo_conn_send(c, ofputil_encode_echo_reply(oh));
      return FO_RECV_HANDLED;
    case OFPTYPE_HELLO:
    case OFPTYPE_ECHO_REPLY:
    case OFPTYPE_FLOW_AGE:
      return FO_RECV_HANDLED;
    case OFPTYPE_SET_FLOW_FORMAT: {
      enum ofputil_protocol next = ofputil_decode_nx_set_flow_format(oh);
      if (!next) {
        return refuse(c, oh, OFPERR_OFPBRC_EPERM, xstrdup("unknown flow format"), textp);
      }
      c->protocol = ofputil_protocol_set_base(c->protocol, next);
      *textp = xasprintf("flow format now %s", ofputil_protocol_to_string(c->protocol));
      return FO_RECV_HANDLED;
    }
    case OFPTYPE_SET_PACKET_IN_FORMAT:
    case OFPTYPE_SET_ASYNC_CONFIG:
    case OFPTYPE_GET_ASYNC_REQUEST:
    case OFPTYPE_SET_CONTROLLER_ID: {
      char* why = NULL;
      enum ofperr err = fo_conn_handle_async(c, oh, type, &why);
      return err ? refuse(c, oh, err, why, textp) : FO_RECV_HANDLED;
    }
    case OFPTYPE_FLOW_MOD_TABLE_ID:
      c->protocol = ofputil_protocol_set_tid(c->protocol, ofputil_decode_nx_flow_mod_table_id(oh));
      *textp = xasprintf("flow format now %s", ofputil_protocol_to_string(c->protocol));
      return FO_RECV_HANDLED;
    default:
      break;
  }

  if (ofpmsg_is_stat_request(oh) && ofpmp_more(oh)) {
    return refuse(c, oh, OFPERR_OFPBRC_BAD_STAT,
                  xstrdup("multipart requests in several parts are not supported"), textp);
  }

  if (type == OFPTYPE_TABLE_FEATURES_STATS_REQUEST) {
    return answer_table_features(c, oh, textp);
  }
  if (type == OFPTYPE_GROUP_FEATURES_STATS_REQUEST) {
    fo_answer_group_features(c, oh);
    return FO_RECV_HANDLED;
  }

  msg->version = oh->version;
  msg->xid = ntohl(oh->xid);
  error = decode_request(c, oh, type, msg, &why);
  if (error) {
    uint32_t bundle_id = msg->bundle_id;
    bool bundled = type == OFPTYPE_BUNDLE_ADD_MESSAGE && msg->type == FO_MSG_BUNDLE_ADD;
    fo_msg_destroy(msg);
    int result = refuse(c, oh, error, why, textp);
    if (bundled) {
      /* The bundle this was meant for must not commit without it. */
      struct ofputil_bundle_add_msg badd;
      enum ofptype inner;
      if (!ofputil_decode_bundle_add(oh, &badd, &inner)) {
        bundle_id = badd.bundle_id;
      }
      msg->type = FO_MSG_BUNDLE_ADD;
      msg->version = oh->version;
      msg->xid = ntohl(oh->xid);
      msg->bundle_id = bundle_id;
      return FO_RECV_REFUSED_BUNDLE_ADD;
    }
    return result;
  }
  free(why);
  msg->raw_len = ntohs(oh->length);
  msg->raw = xmemdup(oh, msg->raw_len);
  return FO_RECV_MSG;
}

void fo_msg_destroy(struct fo_msg* msg) {
  free(msg->raw);
  free(msg->fm.actions);
  free(msg->fsr.actions);
  free(msg->po_actions);
  free(msg->packet);
  fo_group_mod_destroy(&msg->group_mod);
  free(msg->tlv_mod.maps);
  memset(msg, 0, sizeof *msg);
}
