/* The C side of Ferry's OpenFlow boundary: plain C types only, so that both
 * the C files that include libopenvswitch's headers and the C++ files that
 * implement lib/ovs/openflow.h and lib/ovs/ofparse.h can include it.
 *
 * This header holds the flow key, match, actions, flow_mod and the ovs-ofctl
 * text syntax; connections and the messages they carry are in fo-msg.h, the
 * replies in fo-reply.h.
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
  FO_ACT_RECIRC,    /* translated only (never crosses the boundary) */
  FO_ACT_TNL_PUSH,  /* translated only (never crosses the boundary) */
  FO_ACT_PUSH_MPLS, /* u16 = ethertype (host order) */
  FO_ACT_POP_MPLS,  /* u16 = ethertype (host order) */
  FO_ACT_DEC_MPLS_TTL,
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
  FO_F_MPLS_LABEL, /* the outermost label stack entry's */
  FO_F_MPLS_TC,
  FO_F_MPLS_BOS, /* read-only */
  FO_F_MPLS_TTL,
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

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_OFP_FO_OFP_H */
