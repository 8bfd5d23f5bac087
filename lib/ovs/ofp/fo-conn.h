/* The connection object shared by fo-conn.c, fo-decode.c and fo-reply.c
 * (C only; includes OVS headers through fo-internal.h). */
#ifndef FERRY_LIB_OVS_OFP_FO_CONN_H
#define FERRY_LIB_OVS_OFP_FO_CONN_H 1

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-connection.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"

struct vconn;
struct rconn;
struct rconn_packet_counter;

struct fo_conn {
  struct vconn* vconn;                  /* an accepted (service) connection, or */
  struct rconn* rconn;                  /* a controller connection that reconnects by itself */
  struct rconn_packet_counter* counter; /* rconn: what is queued */
  unsigned int rconn_seqno;             /* rconn: the connection the state below is for */
  char* name;
  /* The flow format in use: OpenFlow version's own until the peer sends
   * NXT_SET_FLOW_FORMAT / NXT_FLOW_MOD_TABLE_ID (0 before the hello). */
  enum ofputil_protocol protocol;
  struct ovs_list txq; /* struct ofpbuf, not yet accepted by the vconn */
  size_t txq_bytes;
  char* dead_reason; /* non-NULL once the connection failed */
  bool dead_reported;

  /* Asynchronous messages, as OVS's ofconn: a primary (controller)
   * connection gets packet-ins from the start; a service connection only
   * once it sets a miss_send_len. Reset on every (re)connection. */
  bool primary;
  int miss_send_len;
  enum ofputil_packet_in_format packet_in_format;
  uint16_t controller_id;
  int role;       /* enum ofp12_controller_role */
  bool async_set; /* 'async' was set by the peer; else the version's default */
  struct ofputil_async_cfg async;
};

/* The connection's asynchronous-message configuration in effect. */
struct ofputil_async_cfg fo_conn_async(const struct fo_conn*);
/* Back to the defaults of a new connection. */
void fo_conn_reset_async(struct fo_conn*);
int fo_conn_version(const struct fo_conn*);

/* Per-connection configuration messages (fo-controller.c). */
struct ofputil_switch_config;
void fo_conn_apply_set_config(struct fo_conn*, const struct ofputil_switch_config*);
enum ofperr fo_conn_handle_async(struct fo_conn*, const struct ofp_header*, enum ofptype,
                                 char** whyp);

/* Decodes 'oh' (fo-decode.c): handles what the connection answers itself,
 * refuses what Ferry does not support, fills 'msg' otherwise. Returns an
 * enum fo_recv_result. */
int fo_conn_decode(struct fo_conn*, const struct ofp_header* oh, struct fo_msg* msg, char** textp);

#endif /* FERRY_LIB_OVS_OFP_FO_CONN_H */
