/* OpenFlow listeners and connections over libopenvswitch's pvconn/vconn,
 * with an output queue (vconn_send() takes one message at a time). */
#include "lib/ovs/ofp/fo-conn.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "openvswitch/list.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vconn.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

/* A connection whose peer stops reading is dropped past this much queued
 * output. */
#define FO_MAX_TXQ_BYTES (512u << 20)

struct fo_listener {
  struct pvconn* pvconn;
};

int fo_listener_open(const char* name, struct fo_listener** lp, char** errp) {
  struct pvconn* pvconn;

  *lp = NULL;
  *errp = NULL;
  int error = pvconn_open(name, OFPUTIL_SUPPORTED_VERSIONS, DSCP_DEFAULT, &pvconn);
  if (error) {
    *errp = xasprintf("%s: cannot listen (%s)", name, ovs_strerror(error));
    return error;
  }
  *lp = xzalloc(sizeof **lp);
  (*lp)->pvconn = pvconn;
  return 0;
}

void fo_listener_close(struct fo_listener* l) {
  if (l) {
    pvconn_close(l->pvconn);
    free(l);
  }
}

struct fo_conn* fo_listener_accept(struct fo_listener* l) {
  struct vconn* vconn;

  if (pvconn_accept(l->pvconn, &vconn)) {
    return NULL;
  }
  struct fo_conn* c = xzalloc(sizeof *c);
  c->vconn = vconn;
  c->name = xstrdup(vconn_get_name(vconn));
  ovs_list_init(&c->txq);
  fo_conn_reset_async(c);
  return c;
}

struct fo_conn* fo_conn_open_controller(const char* target, int probe_s, int max_backoff_s,
                                        char** errp) {
  *errp = NULL;
  int error = vconn_verify_name(target);
  if (error) {
    *errp = xasprintf("%s: not an active OpenFlow connection method (%s)", target,
                      ovs_strerror(error));
    return NULL;
  }
  struct fo_conn* c = xzalloc(sizeof *c);
  c->rconn = rconn_create(probe_s, max_backoff_s, DSCP_DEFAULT, OFPUTIL_SUPPORTED_VERSIONS);
  rconn_connect(c->rconn, target, target);
  c->counter = rconn_packet_counter_create();
  c->name = xstrdup(target);
  c->primary = true;
  ovs_list_init(&c->txq);
  fo_conn_reset_async(c);
  return c;
}

void fo_conn_set_primary(struct fo_conn* c, bool primary) {
  c->primary = primary;
  fo_conn_reset_async(c);
}

void fo_conn_reset_async(struct fo_conn* c) {
  c->protocol = 0;
  c->miss_send_len = c->primary ? OFP_DEFAULT_MISS_SEND_LEN : 0;
  c->packet_in_format = OFPUTIL_PACKET_IN_STD;
  c->controller_id = 0;
  c->role = OFPCR12_ROLE_EQUAL;
  c->async_set = false;
}

int fo_conn_version(const struct fo_conn* c) {
  if (c->rconn) {
    return rconn_is_connected(c->rconn) ? rconn_get_version(c->rconn) : -1;
  }
  return vconn_get_version(c->vconn);
}

struct ofputil_async_cfg fo_conn_async(const struct fo_conn* c) {
  if (c->async_set) {
    return c->async;
  }
  int version = fo_conn_version(c);
  return ofputil_async_cfg_default(version > 0 ? version : OFP10_VERSION);
}

bool fo_conn_connected(const struct fo_conn* c) {
  if (c->dead_reason) {
    return false;
  }
  return c->rconn ? rconn_is_connected(c->rconn) : true;
}

void fo_conn_get_status(const struct fo_conn* c, struct fo_conn_status* st) {
  memset(st, 0, sizeof *st);
  st->connected = fo_conn_connected(c);
  st->role = c->role;
  if (!c->rconn) {
    st->state = "ACTIVE";
    return;
  }
  long long int now = time_msec();
  st->state = rconn_get_state(c->rconn);
  st->last_error = rconn_get_last_error(c->rconn);
  long long int last = rconn_get_last_connection(c->rconn);
  st->sec_since_connect = last != LLONG_MIN ? (now - last) / 1000 : -1;
  last = rconn_get_last_disconnect(c->rconn);
  st->sec_since_disconnect = last != LLONG_MIN ? (now - last) / 1000 : -1;
}

const char* fo_conn_error_string(int error) { return ovs_retval_to_string(error); }

void fo_listener_wait(struct fo_listener* l) { pvconn_wait(l->pvconn); }

void fo_conn_close(struct fo_conn* c) {
  if (c) {
    ofpbuf_list_delete(&c->txq);
    if (c->rconn) {
      rconn_destroy(c->rconn);
      rconn_packet_counter_destroy(c->counter);
    }
    vconn_close(c->vconn);
    free(c->name);
    free(c->dead_reason);
    free(c);
  }
}

const char* fo_conn_name(const struct fo_conn* c) { return c->name; }

bool fo_conn_alive(const struct fo_conn* c) { return !c->dead_reason; }

static void conn_fail(struct fo_conn* c, char* reason) {
  if (c->dead_reason) {
    free(reason);
    return;
  }
  c->dead_reason = reason;
  ofpbuf_list_delete(&c->txq);
  ovs_list_init(&c->txq);
  c->txq_bytes = 0;
}

static void conn_flush(struct fo_conn* c) {
  if (c->rconn) {
    /* rconn queues itself; a message sent while disconnected is dropped,
     * as OVS does. */
    while (!ovs_list_is_empty(&c->txq)) {
      struct ofpbuf* b = ofpbuf_from_list(ovs_list_pop_front(&c->txq));
      c->txq_bytes -= b->size;
      rconn_send(c->rconn, b, c->counter);
    }
    if (rconn_packet_counter_n_bytes(c->counter) > FO_MAX_TXQ_BYTES) {
      rconn_reconnect(c->rconn);
    }
    return;
  }
  while (!c->dead_reason && !ovs_list_is_empty(&c->txq)) {
    struct ofpbuf* b = ofpbuf_from_list(ovs_list_pop_front(&c->txq));
    size_t size = b->size;
    int error = vconn_send(c->vconn, b);
    if (!error) {
      c->txq_bytes -= size;
      continue;
    }
    ovs_list_push_front(&c->txq, &b->list_node);
    if (error != EAGAIN) {
      conn_fail(c, xasprintf("send failed (%s)", ovs_strerror(error)));
    }
    break;
  }
}

void fo_conn_send(struct fo_conn* c, struct ofpbuf* msg) {
  if (c->dead_reason) {
    ofpbuf_delete(msg);
    return;
  }
  ofpmsg_update_length(msg);
  c->txq_bytes += msg->size;
  ovs_list_push_back(&c->txq, &msg->list_node);
  if (c->txq_bytes > FO_MAX_TXQ_BYTES) {
    conn_fail(c, xasprintf("peer does not read its replies (%zu bytes queued)", c->txq_bytes));
    return;
  }
  conn_flush(c);
}

void fo_conn_send_list(struct fo_conn* c, struct ovs_list* replies) {
  struct ofpbuf* b;

  LIST_FOR_EACH_POP(b, list_node, replies) { fo_conn_send(c, b); }
}

void fo_conn_run(struct fo_conn* c) {
  if (c->rconn) {
    rconn_run(c->rconn);
    unsigned int seqno = rconn_get_connection_seqno(c->rconn);
    if (seqno != c->rconn_seqno) {
      /* A new connection (or the loss of one): it starts afresh. */
      c->rconn_seqno = seqno;
      fo_conn_reset_async(c);
    }
    return;
  }
  if (!c->dead_reason) {
    vconn_run(c->vconn);
    conn_flush(c);
  }
}

void fo_conn_wait(struct fo_conn* c, bool more) {
  if (c->dead_reason) {
    return;
  }
  if (more) {
    poll_immediate_wake();
  }
  if (c->rconn) {
    rconn_run_wait(c->rconn);
    rconn_recv_wait(c->rconn);
    return;
  }
  vconn_run_wait(c->vconn);
  vconn_recv_wait(c->vconn);
  if (!ovs_list_is_empty(&c->txq)) {
    vconn_send_wait(c->vconn);
  }
}

int fo_conn_recv(struct fo_conn* c, struct fo_msg* msg, char** textp) {
  struct ofpbuf* b;

  memset(msg, 0, sizeof *msg);
  *textp = NULL;
  if (c->dead_reason) {
    if (c->dead_reported) {
      return FO_RECV_NONE;
    }
    c->dead_reported = true;
    *textp = xstrdup(c->dead_reason);
    return FO_RECV_CLOSED;
  }

  if (c->rconn) {
    b = rconn_recv(c->rconn);
    if (!b) {
      return FO_RECV_NONE;
    }
    if (!c->protocol) {
      c->protocol = ofputil_protocol_from_ofp_version(rconn_get_version(c->rconn));
    }
    int result = fo_conn_decode(c, b->data, msg, textp);
    ofpbuf_delete(b);
    return result;
  }
  int error = vconn_recv(c->vconn, &b);
  if (error == EAGAIN) {
    return FO_RECV_NONE;
  }
  if (error) {
    conn_fail(c, error == EOF ? xstrdup("connection closed by peer")
                              : xasprintf("receive failed (%s)", ovs_strerror(error)));
    c->dead_reported = true;
    *textp = xstrdup(c->dead_reason);
    return FO_RECV_CLOSED;
  }
  if (!c->protocol) {
    c->protocol = ofputil_protocol_from_ofp_version(vconn_get_version(c->vconn));
  }
  int result = fo_conn_decode(c, b->data, msg, textp);
  ofpbuf_delete(b);
  return result;
}
