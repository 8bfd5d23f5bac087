/* Controllers: the controller(...) action, packet-ins, and the per-connection
 * asynchronous configuration (miss_send_len, packet-in format, async config,
 * controller id, role) as OVS's connmgr keeps it. */
#include <string.h>

#include "byte-order.h"
#include "flow.h"
#include "lib/ovs/ofp/fo-conn.h"
#include "lib/ovs/ofp/fo-reply.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vconn.h"
#include "util.h"

/* ---- The controller action ---- */

bool fo_convert_controller(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                           size_t* allocp, char** errp) {
  const struct ofpact_controller* c = ofpact_get_CONTROLLER(a);
  if (c->meter_id != NX_CTLR_NO_METER) {
    *errp = fo_refusal(a, " with a meter");
    return false;
  }
  struct fo_action* fa;
  if (c->reason == OFPR_ACTION && !c->controller_id && !c->userdata_len && !c->pause) {
    /* The plain form: OpenFlow's output to CONTROLLER. */
    fa = fo_append_action(actsp, np, allocp, FO_ACT_OUTPUT);
    fa->port = ofp_to_u16(OFPP_CONTROLLER);
    fa->u16 = c->max_len;
    return true;
  }
  fa = fo_append_action(actsp, np, allocp, FO_ACT_CONTROLLER);
  fa->flags = c->pause ? FO_ACT_F_PAUSE : 0;
  fa->u8 = c->reason;
  fa->u16 = c->max_len;
  fa->port = c->controller_id;
  fa->mac[0] = c->userdata_len & 0xff;
  fa->mac[1] = c->userdata_len >> 8;
  for (size_t ofs = 0; ofs < c->userdata_len; ofs += 16) {
    uint8_t buf[16] = {0};
    size_t k = c->userdata_len - ofs < 16 ? c->userdata_len - ofs : 16;
    memcpy(buf, c->userdata + ofs, k);
    fa = fo_append_action(actsp, np, allocp, FO_ACT_DATA);
    memcpy(&fa->value, buf, 8);
    memcpy(&fa->mask, buf + 8, 8);
  }
  return true;
}

size_t fo_put_controller(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts) {
  const struct fo_action* a = &acts[0];
  size_t len = a->mac[0] | (size_t)a->mac[1] << 8;
  size_t n_data = (len + 15) / 16;
  if (n_data > n - 1) {
    n_data = n - 1;
    len = n_data * 16;
  }
  struct ofpact_controller* c = ofpact_put_CONTROLLER(ofpacts);
  c->reason = a->u8;
  c->max_len = a->u16;
  c->controller_id = a->port;
  c->pause = (a->flags & FO_ACT_F_PAUSE) != 0;
  c->meter_id = NX_CTLR_NO_METER;
  c->provider_meter_id = UINT32_MAX;
  for (size_t i = 0; i < n_data; i++) {
    uint8_t buf[16];
    memcpy(buf, &acts[1 + i].value, 8);
    memcpy(buf + 8, &acts[1 + i].mask, 8);
    size_t k = len - i * 16 < 16 ? len - i * 16 : 16;
    ofpbuf_put(ofpacts, buf, k);
  }
  c = ofpacts->header;
  c->userdata_len = len;
  ofpact_finish_CONTROLLER(ofpacts, &c);
  return 1 + n_data;
}

/* ---- Per-connection asynchronous configuration ---- */

void fo_conn_apply_set_config(struct fo_conn* c, const struct ofputil_switch_config* config) {
  if (config->invalid_ttl_to_controller >= 0) {
    struct ofputil_async_cfg ac = fo_conn_async(c);
    uint32_t bit = 1u << OFPR_INVALID_TTL;
    if (config->invalid_ttl_to_controller) {
      ac.primary[OAM_PACKET_IN] |= bit;
    } else {
      ac.primary[OAM_PACKET_IN] &= ~bit;
    }
    c->async = ac;
    c->async_set = true;
  }
  c->miss_send_len = config->miss_send_len;
}

enum ofperr fo_conn_handle_async(struct fo_conn* c, const struct ofp_header* oh,
                                 enum ofptype type, char** whyp) {
  *whyp = NULL;
  switch (type) {
    case OFPTYPE_SET_PACKET_IN_FORMAT: {
      enum ofputil_packet_in_format format;
      enum ofperr error = ofputil_decode_set_packet_in_format(oh, &format);
      if (!error) {
        c->packet_in_format = format;
      }
      return error;
    }
    case OFPTYPE_SET_ASYNC_CONFIG: {
      struct ofputil_async_cfg basis = fo_conn_async(c);
      struct ofputil_async_cfg ac;
      enum ofperr error = ofputil_decode_set_async_config(oh, false, &basis, &ac);
      if (!error) {
        c->async = ac;
        c->async_set = true;
        if (!c->primary && !c->miss_send_len) {
          c->miss_send_len = OFP_DEFAULT_MISS_SEND_LEN; /* as OVS */
        }
      }
      return error;
    }
    case OFPTYPE_GET_ASYNC_REQUEST: {
      struct ofputil_async_cfg ac = fo_conn_async(c);
      fo_conn_send(c, ofputil_encode_get_async_reply(oh, &ac));
      return 0;
    }
    case OFPTYPE_SET_CONTROLLER_ID: {
      const struct nx_controller_id* nci = ofpmsg_body(oh);
      if (!is_all_zeros(nci->zero, sizeof nci->zero)) {
        return OFPERR_NXBRC_MUST_BE_ZERO;
      }
      c->controller_id = ntohs(nci->controller_id);
      return 0;
    }
    default:
      *whyp = xstrdup("not an asynchronous-configuration message");
      return OFPERR_OFPBRC_BAD_TYPE;
  }
}

int fo_conn_role(const struct fo_conn* c) { return c->role; }
void fo_conn_set_role(struct fo_conn* c, int role) { c->role = role; }
uint16_t fo_conn_controller_id(const struct fo_conn* c) { return c->controller_id; }

bool fo_conn_wants_miss(const struct fo_conn* c) {
  /* OVS's update_want_packet_in_on_miss(): before OpenFlow 1.3 a table miss
   * goes to the controller (with controller id 0). */
  int version = fo_conn_version(c);
  return fo_conn_connected(c) && c->controller_id == 0 && version > 0 && version < OFP13_VERSION &&
         (c->primary || c->miss_send_len);
}

void fo_send_role_reply(struct fo_conn* c, const void* req, int role, bool has_generation_id,
                        uint64_t generation_id) {
  struct ofputil_role_request rr = {
      .role = role,
      .have_generation_id = has_generation_id,
      .generation_id = generation_id,
  };
  fo_conn_send(c, ofputil_encode_role_reply(req, &rr));
}

/* ---- Packet-ins ---- */

static bool is_segment(const struct fo_action* a) {
  return a->type == FO_ACT_DATA && a->u8 == FO_DATA_CONT_SEGMENT;
}

/* The continuation's segments as OVS's frozen actions: each after the
 * first behind an unroll_xlate with its table and cookie (the first's are
 * the packet-in's own). */
static void put_continuation(const struct fo_action* cont, size_t n, struct ofpbuf* ofpacts) {
  size_t i = 0;
  while (i < n && is_segment(&cont[i])) {
    size_t j = i + 1;
    while (j < n && !is_segment(&cont[j])) {
      j++;
    }
    if (i) {
      struct ofpact_unroll_xlate* u = ofpact_put_UNROLL_XLATE(ofpacts);
      u->rule_table_id = (uint8_t)cont[i].port;
      u->rule_cookie = htonll(cont[i].value);
    }
    fo_put_list(cont + i + 1, j - i - 1, ofpacts);
    i = j;
  }
}

/* NXT_RESUME: the packet, its metadata and the continuation's actions (the
 * segments joined), into msg's packet-out fields and msg->resume. */
enum ofperr fo_decode_resume(const struct ofp_header* oh, struct fo_msg* msg, char** whyp) {
  struct ofputil_packet_in_private pin;
  enum ofperr error = ofputil_decode_packet_in_private(oh, false, NULL, NULL, &pin, NULL, NULL);
  if (error) {
    return error;
  }
  struct fo_resume* r = &msg->resume;
  struct match meta;
  match_init_catchall(&meta);
  memcpy(&meta, &pin.base.flow_metadata, sizeof meta);
  r->metadata = ntohll(meta.flow.metadata);
  for (int i = 0; i < 16 && i < FLOW_N_REGS; i++) {
    r->regs[i] = meta.flow.regs[i];
  }
  r->pkt_mark = meta.flow.pkt_mark;
  r->table_id = pin.base.table_id;
  r->cookie = ntohll(pin.base.cookie);
  memcpy(r->bridge, &pin.bridge, sizeof r->bridge);
  msg->in_port = ofp_to_u16(meta.flow.in_port.ofp_port);
  /* The segments joined: the unroll_xlate markers are left out. */
  struct ofpbuf joined;
  ofpbuf_init(&joined, pin.actions_len);
  const struct ofpact* a;
  OFPACT_FOR_EACH (a, pin.actions, pin.actions_len) {
    if (a->type != OFPACT_UNROLL_XLATE) {
      ofpbuf_put(&joined, a, OFPACT_ALIGN(a->len));
    }
  }
  error = fo_actions_from_ofpacts(joined.data, joined.size, &msg->po_actions, &msg->po_n_actions,
                                  whyp);
  ofpbuf_uninit(&joined);
  if (!error) {
    msg->packet = xmemdup(pin.base.packet, pin.base.packet_len);
    msg->packet_len = pin.base.packet_len;
  }
  ofputil_packet_in_private_destroy(&pin);
  return error;
}

bool fo_conn_send_packet_in(struct fo_conn* c, const struct fo_packet_in* pi) {
  if (!fo_conn_connected(c) || !c->protocol || fo_conn_version(c) <= 0) {
    return false;
  }
  /* OVS's ofconn_receives_async_msg() and connmgr_send_async_msg(). */
  if (!c->primary && !c->miss_send_len) {
    return false;
  }
  if (c->controller_id != pi->controller_id) {
    return false;
  }
  struct ofputil_async_cfg ac = fo_conn_async(c);
  uint32_t* masks = c->role == OFPCR12_ROLE_SECONDARY ? ac.secondary : ac.primary;
  if (pi->reason >= 32 || !(masks[OAM_PACKET_IN] & (1u << pi->reason))) {
    return false;
  }

  struct flow flow;
  memset(&flow, 0, sizeof flow);
  flow.in_port.ofp_port = u16_to_ofp(pi->in_port);
  flow.metadata = htonll(pi->metadata);
  for (int i = 0; i < FLOW_N_REGS && i < 16; i++) {
    flow.regs[i] = pi->regs[i];
  }
  flow.pkt_mark = pi->pkt_mark;

  struct ofputil_packet_in_private pin;
  memset(&pin, 0, sizeof pin);
  pin.base.packet = CONST_CAST(uint8_t*, pi->packet);
  pin.base.packet_len = pi->packet_len;
  pin.base.reason = pi->reason;
  pin.base.table_id = pi->table_id;
  pin.base.cookie = htonll(pi->cookie);
  pin.base.userdata = CONST_CAST(uint8_t*, pi->userdata);
  pin.base.userdata_len = pi->userdata_len;
  flow_get_metadata(&flow, &pin.base.flow_metadata);

  /* A continuation only in NXT_PACKET_IN2, as OVS (other formats get the
   * packet-in alone; the paused packet goes no further). */
  struct ofpbuf ofpacts;
  ofpbuf_init(&ofpacts, 0);
  if (pi->pause && c->packet_in_format == OFPUTIL_PACKET_IN_NXT2) {
    memcpy(&pin.bridge, pi->bridge, sizeof pin.bridge);
    put_continuation(pi->cont, pi->n_cont, &ofpacts);
    pin.actions = ofpacts.data;
    pin.actions_len = ofpacts.size;
  }
  fo_conn_send(c, ofputil_encode_packet_in_private(&pin, c->protocol, c->packet_in_format));
  ofpbuf_uninit(&ofpacts);
  return true;
}
