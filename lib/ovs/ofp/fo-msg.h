/* OpenFlow connections and the messages they carry: what fo_conn_recv()
 * decodes into a struct fo_msg, and what a connection sends unasked
 * (packet-in, port status). Plain C, like fo-ofp.h; replies to the
 * requests are in fo-reply.h. */
#ifndef FERRY_LIB_OVS_OFP_FO_MSG_H
#define FERRY_LIB_OVS_OFP_FO_MSG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ovs/ofp/fo-ofp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Connections ---- */

struct fo_listener;
struct fo_conn;

/* Returns 0 or an errno value (with a message in '*errp'). */
int fo_listener_open(const char* name, struct fo_listener**, char** errp);
void fo_listener_close(struct fo_listener*);
/* Returns a new connection, or NULL when none is pending. */
struct fo_conn* fo_listener_accept(struct fo_listener*);
void fo_listener_wait(struct fo_listener*);

/* A controller connection (Bridge.controller, an active target such as
 * "tcp:127.0.0.1:6653"): connects in the background and reconnects with
 * backoff, probing an idle peer every probe_s seconds (0: never). NULL with
 * '*errp' for a target that is not an active connection method. */
struct fo_conn* fo_conn_open_controller(const char* target, int probe_s, int max_backoff_s,
                                        char** errp);
/* A primary connection gets asynchronous messages without asking (OVS's
 * OFCONN_PRIMARY); accepted connections start as service connections. */
void fo_conn_set_primary(struct fo_conn*, bool primary);
bool fo_conn_connected(const struct fo_conn*);

struct fo_conn_status {
  bool connected;
  int role;                       /* enum fo_role */
  const char* state;              /* rconn's: "ACTIVE", "BACKOFF", "CONNECTING", ... */
  int last_error;                 /* 0, an errno value or EOF */
  long long sec_since_connect;    /* -1: never */
  long long sec_since_disconnect; /* -1: never */
};
void fo_conn_get_status(const struct fo_conn*, struct fo_conn_status*);
const char* fo_conn_error_string(int error);

/* Role (enum fo_role), controller id, and whether a table miss should
 * send this connection a packet-in (OpenFlow < 1.3 with controller id 0). */
int fo_conn_role(const struct fo_conn*);
void fo_conn_set_role(struct fo_conn*, int role);
uint16_t fo_conn_controller_id(const struct fo_conn*);
bool fo_conn_wants_miss(const struct fo_conn*);

/* A packet for the controllers. reason is OVS's enum ofp_packet_in_reason;
 * the metadata (in_port, metadata, regs, pkt_mark) is the pipeline's at the
 * controller action. */
struct fo_packet_in {
  uint8_t reason;
  uint8_t table_id;
  uint16_t controller_id;
  uint32_t in_port;
  uint64_t cookie;
  uint64_t metadata;
  uint32_t regs[16];
  uint32_t pkt_mark;
  const uint8_t* userdata;
  size_t userdata_len;
  const uint8_t* packet;
  size_t packet_len;
  /* controller(...,pause): the walk's continuation (segments, each a
   * FO_ACT_DATA tagged FO_DATA_CONT_SEGMENT (port: table, value: cookie)
   * and its actions, innermost first), sent as NXPINT_CONTINUATION to
   * connections that use NXT_PACKET_IN2, with 'bridge' to check on resume. */
  bool pause;
  const struct fo_action* cont;
  size_t n_cont;
  uint8_t bridge[16];
};
/* Sends 'pi' if the connection wants it (connected, its async config,
 * role and controller id, as OVS's connmgr). Returns true if sent. */
bool fo_conn_send_packet_in(struct fo_conn*, const struct fo_packet_in*);
/* OFPT_PORT_STATUS (reason: 0 add, 1 delete, 2 modify) if the connection
 * wants it. */
struct fo_port_desc;
bool fo_conn_send_port_status(struct fo_conn*, int reason, const struct fo_port_desc*);

void fo_conn_close(struct fo_conn*);
const char* fo_conn_name(const struct fo_conn*);
void fo_conn_run(struct fo_conn*);
/* 'more' asks for an immediate wake-up (the caller stopped reading with
 * messages possibly left). */
void fo_conn_wait(struct fo_conn*, bool more);
bool fo_conn_alive(const struct fo_conn*);

enum fo_msg_type {
  FO_MSG_FEATURES_REQUEST,
  FO_MSG_GET_CONFIG_REQUEST,
  FO_MSG_SET_CONFIG,
  FO_MSG_FLOW_MOD,
  FO_MSG_BARRIER_REQUEST,
  FO_MSG_FLOW_STATS_REQUEST,
  FO_MSG_AGGREGATE_STATS_REQUEST,
  FO_MSG_PORT_STATS_REQUEST,
  FO_MSG_PORT_DESC_REQUEST,
  FO_MSG_DESC_STATS_REQUEST,
  FO_MSG_TABLE_STATS_REQUEST,
  FO_MSG_BUNDLE_CONTROL,
  FO_MSG_BUNDLE_ADD,
  FO_MSG_PACKET_OUT,
  FO_MSG_METER_MOD,
  FO_MSG_METER_STATS_REQUEST,
  FO_MSG_METER_CONFIG_REQUEST,
  FO_MSG_METER_FEATURES_REQUEST,
  FO_MSG_ROLE_REQUEST,
  FO_MSG_GROUP_MOD,
  FO_MSG_GROUP_STATS_REQUEST,
  FO_MSG_GROUP_DESC_REQUEST,
  FO_MSG_CT_FLUSH,
  FO_MSG_TLV_TABLE_MOD,
  FO_MSG_TLV_TABLE_REQUEST,
  FO_MSG_RESUME,
};

/* Meters (OpenFlow 1.3+). Ferry supports drop bands only. */
#define FO_MAX_METER_BANDS 8
struct fo_meter_band {
  uint16_t type; /* OFPMBT13_DROP = 1, OFPMBT13_DSCP_REMARK = 2 */
  uint32_t rate;
  uint32_t burst_size;
};
struct fo_meter_mod {
  uint16_t command; /* OFPMC13_ADD = 0, MODIFY = 1, DELETE = 2 */
  uint32_t meter_id;
  uint16_t flags; /* OFPMF13_KBPS = 1, PKTPS = 2, BURST = 4, STATS = 8 */
  uint16_t n_bands;
  struct fo_meter_band bands[FO_MAX_METER_BANDS];
};
struct fo_meter_stats {
  uint32_t meter_id;
  uint32_t flow_count;
  uint64_t packet_in_count, byte_in_count;
  uint32_t duration_sec, duration_nsec;
  uint16_t n_bands;
  uint64_t band_packets[FO_MAX_METER_BANDS];
  uint64_t band_bytes[FO_MAX_METER_BANDS];
};

/* Groups (OpenFlow 1.1+). Commands and types are OpenFlow's (OFPGC11_*,
 * OFPGC15_*, OFPGT11_*); ports are in the 16-bit space (0xffff: none). */
struct fo_bucket {
  uint32_t bucket_id;
  uint16_t weight;
  uint32_t watch_port;
  uint32_t watch_group;
  struct fo_action* actions; /* fo_ofp_free() */
  size_t n_actions;
};
#define FO_MAX_HASH_FIELDS 32
struct fo_hash_field {
  uint16_t id; /* OVS's enum mf_field_id */
  uint8_t n_bytes;
  uint8_t mask[16];
};
struct fo_group_mod {
  uint16_t command;
  uint8_t type;
  uint32_t group_id;
  uint32_t command_bucket_id;
  char selection_method[16]; /* "", "hash", "dp_hash" */
  uint64_t selection_method_param;
  uint16_t n_fields;
  struct fo_hash_field fields[FO_MAX_HASH_FIELDS];
  struct fo_bucket* buckets; /* fo_ofp_free() each one's actions, then this */
  size_t n_buckets;
};
struct fo_group_stats {
  uint32_t group_id;
  uint32_t ref_count;
  uint64_t packet_count, byte_count;
  uint32_t duration_sec, duration_nsec;
  const uint64_t* bucket_counts; /* packets, bytes for each bucket */
  size_t n_buckets;
};

/* Bundle control types: requests (OFPBCT_*_REQUEST) are even, their replies
 * are request + 1. */
enum fo_bundle_type {
  FO_BUNDLE_OPEN = 0,
  FO_BUNDLE_CLOSE = 2,
  FO_BUNDLE_COMMIT = 4,
  FO_BUNDLE_DISCARD = 6
};

/* NXT_CT_FLUSH_ZONE and NXT_CT_FLUSH (OVS's ofp_ct_match): zero fields
 * are wildcards. Addresses are IPv6 or IPv4 in the first 4 bytes; ports in
 * host order. */
struct fo_ct_tuple {
  uint8_t src[16], dst[16];
  uint16_t src_port, dst_port, icmp_id;
  uint8_t icmp_type, icmp_code;
};
struct fo_ct_flush {
  bool with_zone;
  uint16_t zone;
  uint8_t l3; /* 0 (any), 4 or 6 */
  uint8_t ip_proto;
  struct fo_ct_tuple orig, reply;
};

/* NXT_TLV_TABLE_MOD: Geneve option (class, type, length in bytes) <->
 * tun_metadata<index>. */
enum fo_tlv_command { FO_TLV_ADD, FO_TLV_DELETE, FO_TLV_CLEAR };
struct fo_tlv_map {
  uint16_t option_class;
  uint8_t option_type;
  uint8_t option_len;
  uint16_t index;
};
struct fo_tlv_mod {
  int command; /* enum fo_tlv_command */
  size_t n;
  struct fo_tlv_map* maps; /* fo_msg_destroy() */
};

/* NXT_RESUME: the packet-out fields of fo_msg (packet, in_port, po_actions:
 * the continuation's actions, segments joined) and the pipeline state. */
struct fo_resume {
  uint64_t metadata;
  uint32_t regs[16];
  uint32_t pkt_mark;
  uint8_t table_id;
  uint64_t cookie;
  uint8_t bridge[16];
};

struct fo_msg {
  int type; /* enum fo_msg_type */
  uint8_t version;
  uint32_t xid;
  void* raw; /* the whole request as received; fo_ofp_free() */
  size_t raw_len;

  struct fo_flow_mod fm; /* FLOW_MOD, BUNDLE_ADD */
  /* FLOW/AGGREGATE_STATS_REQUEST (match, table_id, out_port, cookie,
   * cookie_mask are used). */
  struct fo_flow_mod fsr;
  uint32_t port_no;             /* PORT_STATS, PORT_DESC (0xffff: all) */
  uint32_t bundle_id;           /* BUNDLE_CONTROL, BUNDLE_ADD */
  uint16_t bundle_type;         /* BUNDLE_CONTROL: enum fo_bundle_type */
  uint16_t bundle_flags;        /* BUNDLE_CONTROL, BUNDLE_ADD */
  bool bundle_group_mod;        /* BUNDLE_ADD of a GROUP_MOD (group_mod), not a FLOW_MOD */
  uint16_t config_flags;        /* SET_CONFIG */
  uint16_t miss_send_len;       /* SET_CONFIG */
  uint32_t in_port;             /* PACKET_OUT */
  struct fo_action* po_actions; /* PACKET_OUT; fo_ofp_free() */
  size_t po_n_actions;
  uint8_t* packet; /* PACKET_OUT; fo_ofp_free() */
  size_t packet_len;
  struct fo_meter_mod meter_mod; /* METER_MOD */
  uint32_t meter_id;             /* METER_STATS/CONFIG_REQUEST (0xffffffff: all) */
  uint32_t role;                 /* ROLE_REQUEST: enum fo_role */
  bool has_generation_id;        /* ROLE_REQUEST */
  uint64_t generation_id;
  struct fo_group_mod group_mod; /* GROUP_MOD */
  uint32_t group_id;             /* GROUP_STATS/DESC_REQUEST (0xfffffffc: all) */
  struct fo_ct_flush ct_flush;   /* CT_FLUSH (NXT_CT_FLUSH and NXT_CT_FLUSH_ZONE) */
  struct fo_tlv_mod tlv_mod;     /* TLV_TABLE_MOD */
  struct fo_resume resume;       /* RESUME (with in_port, po_actions, packet) */
};

/* Controller roles, as OpenFlow 1.2's OFPCR12_ROLE_*. */
enum fo_role { FO_ROLE_NOCHANGE, FO_ROLE_EQUAL, FO_ROLE_MASTER, FO_ROLE_SLAVE };

void fo_msg_destroy(struct fo_msg*);
void fo_group_mod_destroy(struct fo_group_mod*);

enum fo_recv_result {
  FO_RECV_NONE,               /* nothing more to read now */
  FO_RECV_MSG,                /* '*msg' holds a request for the caller */
  FO_RECV_HANDLED,            /* answered or ignored inside (echo, hello, ...) */
  FO_RECV_REFUSED,            /* an OpenFlow error was sent; '*textp' says why */
  FO_RECV_CLOSED,             /* the peer went away or the stream failed; '*textp' */
  FO_RECV_REFUSED_BUNDLE_ADD, /* as REFUSED, for a message added to bundle
                               * 'msg->bundle_id', which can then not commit */
};

/* Reads at most one message. '*textp' (fo_ofp_free()) is set for REFUSED and
 * CLOSED, and may be set for HANDLED (a debug note). */
int fo_conn_recv(struct fo_conn*, struct fo_msg* msg, char** textp);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_OFP_FO_MSG_H */
