/* The C side of Ferry's OpenFlow boundary: plain C types only, so that both
 * the C files that include libopenvswitch's headers and the C++ files that
 * implement lib/ovs/openflow.h and lib/ovs/ofparse.h can include it.
 *
 * struct fo_flow_key and struct fo_action are layout-identical to
 * ferry::FlowKey and ferry::Action (checked by layout_check.cc).
 *
 * Strings returned through 'char **errp' are malloc()'d; free them with
 * fo_ofp_free(). Arrays returned by the C side are freed with fo_ofp_free() too. */
#ifndef FERRY_LIB_OVS_OFP_FO_OFP_H
#define FERRY_LIB_OVS_OFP_FO_OFP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Flow key, match, actions (mirrors of the Ferry structs) ---- */

struct fo_flow_key {
  uint32_t in_port;  /* host order, OpenFlow 16-bit port space */
  uint16_t vlan_tci; /* network order, 0x1000 (CFI) set when tagged */
  uint16_t dl_type;  /* network order */
  uint8_t dl_dst[6];
  uint8_t nw_proto;
  uint8_t nw_tos;
  uint8_t dl_src[6];
  uint8_t nw_ttl;
  uint8_t nw_frag;
  uint32_t nw_src; /* network order */
  uint32_t nw_dst;
  uint16_t tp_src; /* network order */
  uint16_t tp_dst;
  uint16_t tcp_flags;
  uint16_t tun_flags; /* host order: FLOW_TNL_F_*, 0x8000 = from a tunnel */
  uint8_t ipv6_src[16];
  uint8_t ipv6_dst[16];
  uint8_t arp_sha[6];
  uint16_t pad1;
  uint8_t arp_tha[6];
  uint16_t pad2;
  uint32_t recirc_id; /* host order */
  uint8_t ct_state;
  uint8_t ct_nw_proto;
  uint16_t ct_zone;   /* host order */
  uint32_t ct_mark;   /* host order */
  uint16_t ct_tp_src; /* network order */
  uint16_t ct_tp_dst;
  uint32_t ct_nw_src; /* network order */
  uint32_t ct_nw_dst;
  uint64_t ct_label[2]; /* as ovs_u128 */
  uint8_t ct_ipv6_src[16];
  uint8_t ct_ipv6_dst[16];
  uint64_t tun_id;  /* network order */
  uint32_t tun_src; /* network order */
  uint32_t tun_dst;
  uint8_t tun_tos;
  uint8_t tun_ttl;
  uint16_t tun_gbp_id; /* network order */
  uint8_t tun_gbp_flags;
  uint8_t tun_md_present; /* bit N: tun_metadataN present */
  uint16_t tun_tp_dst;    /* network order */
  uint64_t tun_md0;       /* host order, right-aligned */
};

/* ferry::OfKey: the packet's key plus the pipeline's metadata. */
struct fo_of_key {
  struct fo_flow_key pkt;
  uint64_t metadata; /* host order */
  uint32_t regs[16]; /* host order */
  uint32_t pkt_mark;
  uint32_t conj_id;
};

struct fo_match {
  struct fo_of_key key;
  struct fo_of_key mask;
};

enum fo_action_type {
  FO_ACT_OUTPUT = 1,
  FO_ACT_SET_ETH_SRC,
  FO_ACT_SET_ETH_DST,
  FO_ACT_SET_VLAN_VID,
  FO_ACT_SET_VLAN_PCP,
  FO_ACT_STRIP_VLAN,
  FO_ACT_PUSH_VLAN,
  FO_ACT_METER,
  FO_ACT_GOTO_TABLE,
  FO_ACT_RESUBMIT,
  FO_ACT_SET_FIELD,
  FO_ACT_MOVE,
  FO_ACT_DEC_TTL,
  FO_ACT_CLONE,
  FO_ACT_OUTPUT_FIELD,
  FO_ACT_CONTROLLER, /* u8 reason, u16 max_len, port id, mac[0..1] userdata length,
                      * then the userdata in FO_ACT_DATA actions (16 bytes each) */
  FO_ACT_PACKET_IN,  /* translated only (never crosses the boundary) */
  FO_ACT_DATA,
  FO_ACT_GROUP, /* port = group id */
  FO_ACT_CONJUNCTION,
  FO_ACT_NOTE,
  FO_ACT_NOTE_DATA,
  FO_ACT_STACK_PUSH,
  FO_ACT_STACK_POP,
  FO_ACT_WRITE_ACTIONS,
  FO_ACT_CLEAR_ACTIONS,
  FO_ACT_LEARN,
  FO_ACT_LEARN_SPEC,
  FO_ACT_OUTPUT_TRUNC, /* port, value = max_len */
  FO_ACT_MULTIPATH,    /* see ferry::ActionType::kMultipath */
  FO_ACT_CT,           /* ct(): lib/flow/ct_action.h (fo-ct.c writes it) */
  FO_ACT_CT_CLEAR,
  FO_ACT_RECIRC,   /* translated only (never crosses the boundary) */
  FO_ACT_TNL_PUSH, /* translated only (never crosses the boundary) */
};

/* FO_ACT_CT's layout (ferry::CtSpec, lib/flow/ct_action.h): flags =
 * FO_CT_F_*, u16 = zone, u8 = recirc table (0xff: none), mac[0] = zone
 * field (FO_F_*, FO_F_NONE: immediate), mac[1] = how many FO_ACT_DATA
 * follow, mac[2] = zone field offset, mac[3] = helper (0, 21, 69), mac[4] =
 * zone field bits, mac[5] = FO_NAT_F_*, port = ct_mark value, value =
 * ct_mark mask | port_min << 32 | port_max << 48; then FO_ACT_DATA tagged
 * FO_DATA_CT_LABEL (value lo, mask hi) and FO_DATA_CT_LABEL_MASK when
 * FO_CT_F_SET_LABEL, FO_DATA_NAT_MIN and FO_DATA_NAT_MAX (16 address bytes
 * in value, mask) with FO_NAT_F_ADDR_RANGE. */
#define FO_CT_F_COMMIT 1
#define FO_CT_F_FORCE 2
#define FO_CT_F_NAT 4
#define FO_CT_F_SET_MARK 8
#define FO_CT_F_SET_LABEL 16
#define FO_NAT_F_SRC 1
#define FO_NAT_F_DST 2
#define FO_NAT_F_PERSISTENT 4
#define FO_NAT_F_HASH 8
#define FO_NAT_F_RANDOM 16
#define FO_NAT_F_ADDR_RANGE 32
#define FO_NAT_F_PORT_RANGE 64
#define FO_NAT_F_IPV6 128
#define FO_DATA_CT_LABEL 10
#define FO_DATA_CT_LABEL_MASK 11
#define FO_DATA_NAT_MIN 12
#define FO_DATA_NAT_MAX 13
/* exec(move:SRC[ofs..]->ct_mark|ct_label[ofs..]): mac[0] the source field,
 * mac[1] its offset, mac[2] bits (at most 64), mac[3] 0 (ct_mark) or 1
 * (ct_label), mac[4] the destination offset. */
#define FO_DATA_CT_MOVE 14
#define FO_DATA_CONT_SEGMENT 15 /* ferry::kDataContSegment */

#define FO_ACT_F_PUSH_IF_NEEDED 1
#define FO_ACT_F_LEGACY 2      /* SET_FIELD spelled mod_nw_src etc. */
#define FO_ACT_F_INSTRUCTION 4 /* SET_FIELD(metadata) as write_metadata */
#define FO_ACT_F_PAUSE 8       /* CONTROLLER: pause */
#define FO_ACT_F_WIDE_LO 16    /* SET_FIELD: the low half of the 128-bit set_field before it */

/* Fields of SET_FIELD and MOVE (ferry::Field). */
enum fo_field {
  FO_F_NONE = 0,
  FO_F_IN_PORT,
  FO_F_ETH_SRC,
  FO_F_ETH_DST,
  FO_F_ETH_TYPE,
  FO_F_VLAN_TCI,
  FO_F_IP_SRC,
  FO_F_IP_DST,
  FO_F_IP_PROTO,
  FO_F_IP_DSCP,
  FO_F_IP_ECN,
  FO_F_IP_TTL,
  FO_F_TP_SRC,
  FO_F_TP_DST,
  FO_F_ARP_SHA,
  FO_F_ARP_THA,
  FO_F_METADATA,
  FO_F_PKT_MARK,
  FO_F_REG0,
  FO_F_XREG0 = FO_F_REG0 + 16,
  FO_F_IPV6_SRC_HI = FO_F_XREG0 + 8,
  FO_F_IPV6_SRC_LO,
  FO_F_IPV6_DST_HI,
  FO_F_IPV6_DST_LO,
  FO_F_IPV6_LABEL,
  FO_F_TUN_ID,
  FO_F_TUN_SRC,
  FO_F_TUN_DST,
  FO_F_TUN_TOS,
  FO_F_TUN_TTL,
  FO_F_TUN_FLAGS,
  FO_F_TUN_GBP_ID,
  FO_F_TUN_GBP_FLAGS,
  FO_F_TUN_METADATA0, /* ferry::FlowKey::tun_md0 */
  FO_F_ARP_OP,
  FO_F_ND_SLL, /* read-only */
  FO_F_ND_TLL,
  FO_F_ND_TARGET_HI,
  FO_F_ND_TARGET_LO,
  FO_F_IPV6_SRC, /* 128-bit fields: moves and the stack only */
  FO_F_IPV6_DST,
  FO_F_XXREG0,
  FO_F_ND_TARGET = FO_F_XXREG0 + 4,
  FO_F_COUNT,
};

struct fo_action {
  uint8_t type; /* enum fo_action_type */
  uint8_t flags;
  uint16_t u16;  /* VID, TPID (host order), or controller max_len */
  uint32_t port; /* output port or meter id */
  uint8_t mac[6];
  uint8_t u8; /* PCP, table, or field */
  uint8_t pad;
  uint64_t value; /* SET_FIELD: host-order number */
  uint64_t mask;
};

/* flow_mod commands, in OpenFlow's order (OFPFC_*). */
enum fo_command { FO_ADD, FO_MODIFY, FO_MODIFY_STRICT, FO_DELETE, FO_DELETE_STRICT };

/* Flow flags, as OpenFlow 1.3 OFPFF_* bits. */
#define FO_FF_SEND_FLOW_REM (1 << 0)
#define FO_FF_CHECK_OVERLAP (1 << 1)
#define FO_FF_RESET_COUNTS (1 << 2)
#define FO_FF_NO_PKT_COUNTS (1 << 3)
#define FO_FF_NO_BYT_COUNTS (1 << 4)

struct fo_flow_mod {
  uint8_t command; /* enum fo_command */
  uint8_t table_id;
  uint16_t priority;
  struct fo_match match;
  uint64_t cookie, cookie_mask, new_cookie; /* host order */
  uint16_t idle_timeout, hard_timeout;
  uint32_t out_port;
  uint16_t flags;            /* FO_FF_* */
  struct fo_action* actions; /* fo_ofp_free() */
  size_t n_actions;
};

void fo_ofp_free(void*);

/* ---- Text syntax (ovs-ofctl) ---- */

struct fo_port_name {
  const char* name;
  uint32_t port;
};

/* Each returns NULL on success or a malloc()'d error message. */
char* fo_parse_flow(const char* text, const struct fo_port_name*, size_t n_ports,
                    struct fo_flow_key* key);
char* fo_parse_flow_mod(const char* text, int command, const struct fo_port_name*, size_t n_ports,
                        struct fo_flow_mod*);
/* Each returns a malloc()'d string. */
char* fo_format_match(const struct fo_match*, uint16_t priority, const struct fo_port_name*,
                      size_t n_ports);
char* fo_format_actions(const struct fo_action*, size_t n, const struct fo_port_name*,
                        size_t n_ports);

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

/* ---- Replies ---- */

enum fo_error {
  FO_ERR_BAD_REQUEST_TYPE,
  FO_ERR_BAD_REQUEST_STAT,
  FO_ERR_BAD_TABLE_ID,
  FO_ERR_BAD_PORT,
  FO_ERR_EPERM,
  FO_ERR_FLOW_MOD_OVERLAP,
  FO_ERR_FLOW_MOD_TABLE_FULL,
  FO_ERR_FLOW_MOD_BAD_COMMAND,
  FO_ERR_BAD_OUT_PORT,
  FO_ERR_BAD_ACTION_TYPE,
  FO_ERR_BAD_MATCH_FIELD,
  FO_ERR_BUNDLE_BAD_ID,
  FO_ERR_BUNDLE_BAD_TYPE,
  FO_ERR_BUNDLE_CLOSED,
  FO_ERR_BUNDLE_BAD_FLAGS,
  FO_ERR_BUNDLE_MSG_FAILED,
  FO_ERR_BUNDLE_OUT_OF_BUNDLES,
  FO_ERR_BUNDLE_TIMEOUT,
  FO_ERR_METER_EXISTS,
  FO_ERR_METER_UNKNOWN,
  FO_ERR_METER_INVALID,
  FO_ERR_METER_BAD_BAND,
  FO_ERR_METER_BAD_RATE,
  FO_ERR_METER_BAD_FLAGS,
  FO_ERR_METER_OUT_OF_METERS,
  FO_ERR_IS_SLAVE,
  FO_ERR_ROLE_STALE,
  FO_ERR_GROUP_EXISTS,
  FO_ERR_GROUP_INVALID,
  FO_ERR_GROUP_OUT_OF_GROUPS,
  FO_ERR_GROUP_BAD_TYPE,
  FO_ERR_GROUP_UNKNOWN,
  FO_ERR_GROUP_BAD_COMMAND,
  FO_ERR_GROUP_UNKNOWN_BUCKET,
  FO_ERR_GROUP_BUCKET_EXISTS,
  FO_ERR_BAD_OUT_GROUP,
  FO_ERR_TLV_ALREADY_MAPPED,
  FO_ERR_TLV_DUP_ENTRY,
  FO_ERR_TLV_TABLE_FULL,
  FO_ERR_TLV_INVALID_FIELD,
  FO_ERR_RESUME_STALE,
};

struct fo_port_desc {
  uint32_t port_no;
  const char* name;
  uint8_t hw_addr[6];
  bool admin_down;
  bool link_down;
  uint32_t curr_speed_kbps;
  uint32_t max_speed_kbps;
};

struct fo_port_stats {
  uint32_t port_no;
  uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
  uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors;
  uint32_t duration_sec, duration_nsec;
};

struct fo_flow_stats {
  struct fo_match match;
  uint16_t priority;
  uint8_t table_id;
  uint64_t cookie;
  uint32_t duration_sec, duration_nsec;
  uint16_t idle_timeout, hard_timeout;
  uint16_t flags; /* FO_FF_* */
  int idle_age, hard_age;
  uint64_t packets, bytes;
  const struct fo_action* actions;
  size_t n_actions;
};

struct fo_table_stats {
  uint8_t table_id;
  uint32_t active_count;
  uint64_t lookup_count, matched_count;
};

/* 'req' is the request as received (struct fo_msg's 'raw'). */
void fo_send_error(struct fo_conn*, const void* req, int error /* enum fo_error */);
void fo_send_barrier_reply(struct fo_conn*, const void* req);
void fo_send_features_reply(struct fo_conn*, const void* req, uint64_t datapath_id,
                            uint32_t n_buffers, uint8_t n_tables, const struct fo_port_desc*,
                            size_t n);
void fo_send_get_config_reply(struct fo_conn*, const void* req, uint16_t flags,
                              uint16_t miss_send_len);
void fo_send_port_desc_reply(struct fo_conn*, const void* req, const struct fo_port_desc*,
                             size_t n);
void fo_send_desc_reply(struct fo_conn*, const void* req, const char* mfr, const char* hw,
                        const char* sw, const char* serial, const char* dp_desc);
void fo_send_flow_stats_reply(struct fo_conn*, const void* req, const struct fo_flow_stats*,
                              size_t n);
void fo_send_aggregate_reply(struct fo_conn*, const void* req, uint64_t packets, uint64_t bytes,
                             uint32_t flows);
void fo_send_port_stats_reply(struct fo_conn*, const void* req, const struct fo_port_stats*,
                              size_t n);
void fo_send_table_stats_reply(struct fo_conn*, const void* req, const struct fo_table_stats*,
                               size_t n);
/* The meter_mod as ovs-ofctl (OpenFlow 1.3) wrote it (for stats replies). */
void fo_send_meter_stats_reply(struct fo_conn*, const void* req, const struct fo_meter_stats*,
                               size_t n);
void fo_send_meter_config_reply(struct fo_conn*, const void* req, const struct fo_meter_mod*,
                                size_t n);
void fo_send_meter_features_reply(struct fo_conn*, const void* req, uint32_t max_meters,
                                  uint32_t band_types, uint32_t capabilities, uint8_t max_bands);
void fo_send_role_reply(struct fo_conn*, const void* req, int role, bool has_generation_id,
                        uint64_t generation_id);
void fo_send_bundle_reply(struct fo_conn*, const void* req, int reply_type /* fo_bundle_type+1 */);
/* Groups (fo-group.c). A group's description is a fo_group_mod (command
 * unused). */
void fo_send_group_stats_reply(struct fo_conn*, const void* req, const struct fo_group_stats*,
                               size_t n);
void fo_send_group_desc_reply(struct fo_conn*, const void* req, const struct fo_group_mod*,
                              size_t n);
void fo_group_mod_destroy(struct fo_group_mod*);
/* NXT_TLV_TABLE_REPLY (fo-tlv.c). */
void fo_send_tlv_table_reply(struct fo_conn*, const void* req, const struct fo_tlv_map*, size_t n,
                             uint32_t max_option_space, uint16_t max_fields);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_OFP_FO_OFP_H */
