/* The connection object shared by fo-conn.c, fo-decode.c and fo-reply.c
 * (C only; includes OVS headers through fo-internal.h). */
#ifndef FERRY_LIB_OVS_OFP_FO_CONN_H
#define FERRY_LIB_OVS_OFP_FO_CONN_H 1

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-protocol.h"

struct vconn;

struct fo_conn {
  struct vconn* vconn;
  char* name;
  /* The flow format in use: OpenFlow version's own until the peer sends
   * NXT_SET_FLOW_FORMAT / NXT_FLOW_MOD_TABLE_ID (0 before the hello). */
  enum ofputil_protocol protocol;
  struct ovs_list txq; /* struct ofpbuf, not yet accepted by the vconn */
  size_t txq_bytes;
  char* dead_reason; /* non-NULL once the connection failed */
  bool dead_reported;
};

/* Decodes 'oh' (fo-decode.c): handles what the connection answers itself,
 * refuses what Ferry does not support, fills 'msg' otherwise. Returns an
 * enum fo_recv_result. */
int fo_conn_decode(struct fo_conn*, const struct ofp_header* oh, struct fo_msg* msg, char** textp);

#endif /* FERRY_LIB_OVS_OFP_FO_CONN_H */
