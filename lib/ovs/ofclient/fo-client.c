/* OpenFlow client: see fo-client.h. */
#include "lib/ovs/ofclient/fo-client.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fatal-signal.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

struct fo_client {
  struct vconn* vconn;
  struct ofputil_port_map ports;
};

static int fail(char** errp, int error, const char* fmt, ...) OVS_PRINTF_FORMAT(3, 4);

static int fail(char** errp, int error, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  *errp = xvasprintf(fmt, args);
  va_end(args);
  return error;
}

/* An error reply 'reply' (consumed) as '*errp'. */
static int error_reply(struct ofpbuf* reply, char** errp) {
  enum ofperr e = ofperr_decode_msg(reply->data, NULL);
  int r = fail(errp, EPROTO, "%s (%s)", e ? ofperr_get_name(e) : "unexpected reply",
               e ? ofperr_to_string(e) : "not an error message");
  ofpbuf_delete(reply);
  return r;
}

/* vconn_send_block(), which leaves 'msg' to the caller on failure: consumed
 * either way here. */
static int send_msg(struct fo_client* c, struct ofpbuf* msg) {
  int error = vconn_send_block(c->vconn, msg);
  if (error) ofpbuf_delete(msg);
  return error;
}

/* The next message whose xid is 'xid1' or 'xid2' into '*replyp', answering
 * the switch's echo requests meanwhile; ETIMEDOUT past 'deadline'. */
static int recv_reply(struct fo_client* c, ovs_be32 xid1, ovs_be32 xid2, long long int deadline,
                      struct ofpbuf** replyp) {
  for (;;) {
    struct ofpbuf* reply;
    int error = vconn_recv(c->vconn, &reply);
    if (!error) {
      const struct ofp_header* oh = reply->data;
      if (oh->xid == xid1 || oh->xid == xid2) {
        *replyp = reply;
        return 0;
      }
      enum ofptype type;
      if (!ofptype_decode(&type, oh) && type == OFPTYPE_ECHO_REQUEST) {
        struct ofpbuf* echo = ofputil_encode_echo_reply(oh);
        if (vconn_send(c->vconn, echo)) ofpbuf_delete(echo);
      }
      ofpbuf_delete(reply);
      continue;
    }
    if (error != EAGAIN) return error;
    if (time_msec() >= deadline) return ETIMEDOUT;
    vconn_run(c->vconn);
    vconn_run_wait(c->vconn);
    vconn_recv_wait(c->vconn);
    poll_timer_wait_until(deadline);
    poll_block();
  }
}

static const char* recv_error(int error) {
  return error == ETIMEDOUT ? "no reply in time" : ovs_strerror(error);
}

/* The port descriptions (OFPMP_PORT_DESC, possibly several replies). */
static int fetch_ports(struct fo_client* c, int timeout_ms, char** errp) {
  struct ofpbuf* req = ofputil_encode_port_desc_stats_request(OFP13_VERSION, OFPP_ANY);
  ovs_be32 xid = ((struct ofp_header*)req->data)->xid;
  int error = send_msg(c, req);
  if (error) return fail(errp, error, "port descriptions: %s", ovs_strerror(error));
  long long int deadline = time_msec() + timeout_ms;
  for (;;) {
    struct ofpbuf* reply;
    error = recv_reply(c, xid, xid, deadline, &reply);
    if (error) return fail(errp, error, "port descriptions: %s", recv_error(error));
    const struct ofp_header* oh = reply->data;
    struct ofpbuf b = ofpbuf_const_initializer(oh, ntohs(oh->length));
    enum ofptype type;
    if (ofptype_pull(&type, &b) || type != OFPTYPE_PORT_DESC_STATS_REPLY)
      return error_reply(reply, errp);
    bool more = ofpmp_more(oh);
    struct ofputil_phy_port pp;
    while (!ofputil_pull_phy_port(OFP13_VERSION, &b, &pp))
      ofputil_port_map_put(&c->ports, pp.port_no, pp.name);
    ofpbuf_delete(reply);
    if (!more) return 0;
  }
}

/* libopenvswitch's first vconn call installs its fatal-signal handlers, which
 * defer SIGTERM, SIGINT, SIGHUP and SIGALRM to its next poll loop: a tool
 * blocked elsewhere would no longer stop on Ctrl-C. Its set-up runs here
 * once, and what the program had before stays. */
static void keep_signal_dispositions(void) {
  static bool done;
  if (done) return;
  done = true;
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGALRM};
  struct sigaction old[ARRAY_SIZE(sigs)];
  for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) sigaction(sigs[i], NULL, &old[i]);
  fatal_signal_init();
  for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) sigaction(sigs[i], &old[i], NULL);
}

int fo_client_open(const char* target, int timeout_ms, struct fo_client** cp, char** errp) {
  *cp = NULL;
  *errp = NULL;
  keep_signal_dispositions();
  struct vconn* vconn;
  int error = vconn_open_block(target, 1u << OFP13_VERSION, DSCP_DEFAULT, timeout_ms, &vconn);
  if (error) return fail(errp, error, "%s: %s", target, ovs_strerror(error));
  struct fo_client* c = xzalloc(sizeof *c);
  c->vconn = vconn;
  ofputil_port_map_init(&c->ports);
  error = fetch_ports(c, timeout_ms, errp);
  if (error) {
    fo_client_close(c);
    return error;
  }
  *cp = c;
  return 0;
}

void fo_client_close(struct fo_client* c) {
  if (!c) return;
  vconn_close(c->vconn);
  ofputil_port_map_destroy(&c->ports);
  free(c);
}

/* The message for one change, or NULL with '*errp' set. */
static struct ofpbuf* encode(struct fo_client* c, const char* command, const char* spec, int strict,
                             char** errp) {
  enum ofputil_protocol usable;
  const enum ofputil_protocol protocol = ofputil_protocol_from_ofp_version(OFP13_VERSION);
  int flow_cmd = !strcmp(command, "add-flow")    ? OFPFC_ADD
                 : !strcmp(command, "mod-flows") ? (strict ? OFPFC_MODIFY_STRICT : OFPFC_MODIFY)
                 : !strcmp(command, "del-flows") ? (strict ? OFPFC_DELETE_STRICT : OFPFC_DELETE)
                                                 : -1;
  if (flow_cmd >= 0) {
    struct ofputil_flow_mod fm;
    char* e = parse_ofp_flow_mod_str(&fm, spec, &c->ports, NULL, flow_cmd, &usable);
    if (e) {
      *errp = xasprintf("%s: %s", command, e);
      free(e);
      return NULL;
    }
    struct ofpbuf* msg = NULL;
    if (usable & protocol)
      msg = ofputil_encode_flow_mod(&fm, protocol);
    else
      *errp = xasprintf("%s: \"%s\" cannot be said in OpenFlow 1.3", command, spec);
    free(CONST_CAST(struct ofpact*, fm.ofpacts));
    minimatch_destroy(&fm.match);
    return msg;
  }
  int meter_cmd = !strcmp(command, "add-meter")   ? OFPMC13_ADD
                  : !strcmp(command, "mod-meter") ? OFPMC13_MODIFY
                  : !strcmp(command, "del-meter") ? OFPMC13_DELETE
                                                  : -1;
  if (meter_cmd < 0) {
    *errp = xasprintf("unknown OpenFlow change \"%s\"", command);
    return NULL;
  }
  struct ofputil_meter_mod mm;
  memset(&mm, 0, sizeof mm);
  char* e = parse_ofp_meter_mod_str(&mm, spec, meter_cmd, &usable);
  if (e) {
    *errp = xasprintf("%s: %s", command, e);
    free(e);
    return NULL;
  }
  struct ofpbuf* msg = ofputil_encode_meter_mod(OFP13_VERSION, &mm);
  free(mm.meter.bands);
  return msg;
}

/* Sends 'msg' (consumed) and, when 'barrier', a barrier after it; waits at
 * most 'timeout_ms' for the barrier's reply (or, without one, for the reply
 * to 'msg'). A reply to 'msg' when a barrier follows is an error (flow and
 * meter changes have no other reply). The switch's echo requests are
 * answered meanwhile. */
static int transact(struct fo_client* c, struct ofpbuf* msg, bool barrier, int timeout_ms,
                    const char* what, char** errp) {
  ovs_be32 msg_xid = ((struct ofp_header*)msg->data)->xid;
  ovs_be32 wait_xid = msg_xid;
  int error = send_msg(c, msg);
  if (!error && barrier) {
    struct ofpbuf* b = ofputil_encode_barrier_request(OFP13_VERSION);
    wait_xid = ((struct ofp_header*)b->data)->xid;
    error = send_msg(c, b);
  }
  if (error) return fail(errp, error, "%s: %s", what, ovs_strerror(error));
  struct ofpbuf* reply;
  error = recv_reply(c, msg_xid, wait_xid, time_msec() + timeout_ms, &reply);
  if (error == ETIMEDOUT)
    return fail(errp, ETIMEDOUT, "%s: no reply within %d ms", what, timeout_ms);
  if (error) return fail(errp, error, "%s: %s", what, ovs_strerror(error));
  if (barrier && ((const struct ofp_header*)reply->data)->xid == msg_xid)
    return error_reply(reply, errp);
  ofpbuf_delete(reply);
  return 0;
}

int fo_client_change(struct fo_client* c, const char* command, const char* spec, int strict,
                     int timeout_ms, char** errp) {
  *errp = NULL;
  struct ofpbuf* msg = encode(c, command, spec, strict, errp);
  if (!msg) return EINVAL;
  return transact(c, msg, true, timeout_ms, command, errp);
}

int fo_client_echo(struct fo_client* c, int timeout_ms, char** errp) {
  *errp = NULL;
  return transact(c, ofputil_encode_echo_request(OFP13_VERSION), false, timeout_ms, "echo", errp);
}
