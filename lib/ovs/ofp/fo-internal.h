/* Shared by the C files of lib/ovs/ofp only (includes OVS headers; never
 * include it from C++). */
#ifndef FERRY_LIB_OVS_OFP_FO_INTERNAL_H
#define FERRY_LIB_OVS_OFP_FO_INTERNAL_H 1

#include "flow.h"
#include "lib/ovs/ofp/fo-msg.h"
#include "lib/ovs/ofp/fo-ofp.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-table.h"
#include "openvswitch/ofpbuf.h"

/* Match conversion (fo-match.c). Returns 0, or OFPERR_OFPBMC_BAD_FIELD with
 * a message naming the fields Ferry cannot match on. */
enum ofperr fo_match_from_ovs(const struct match*, struct fo_match*, char** errp);
void fo_match_to_ovs(const struct fo_match*, struct match*);

/* Shared by fo-actions.c and fo-pipeline.c. fo_append_action() grows
 * '*actsp'; fo_refusal() is a malloc()'d "Ferry does not support action X"
 * message; fo_convert_list() appends the conversion of a list (false, with
 * '*errp' set, when something in it is refused). */
struct fo_action* fo_append_action(struct fo_action** actsp, size_t* np, size_t* allocp,
                                   uint8_t type);
char* fo_refusal(const struct ofpact*, const char* why);
bool fo_convert_list(const struct ofpact*, size_t ofpacts_len, struct fo_action** actsp, size_t* np,
                     size_t* allocp, char** errp);
/* The pipeline's actions (fo-pipeline.c). fo_convert_pipeline_action()
 * returns false when 'a' is not one of them, or true with '*errp' set when it
 * is but Ferry lacks something it uses. */
bool fo_convert_pipeline_action(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                                size_t* allocp, char** errp);
int fo_field_from_mff(enum mf_field_id); /* FO_F_NONE when Ferry lacks it */
bool fo_field_read_only(int fo_field);
enum mf_field_id fo_mff_from_field(int fo_field);
/* Conjunction, note, the NXAST stack, write_actions/clear_actions
 * (fo-nxactions.c) and learn (fo-learn.c): as fo_convert_pipeline_action().
 * The fo_put_*() functions return how many Ferry actions they consumed (0:
 * not theirs). */
bool fo_convert_nx_action(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                          size_t* allocp, char** errp);
size_t fo_put_nx_action(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts);
bool fo_convert_learn(const struct ofpact_learn*, struct fo_action** actsp, size_t* np,
                      size_t* allocp, char** errp);
/* ct() and ct_clear (fo-ct.c): false when `a` is neither (errp unset) or
 * refused (errp set). fo_put_ct() returns how many Ferry actions it used
 * (0: not a ct action). */
bool fo_convert_ct(const struct ofpact* a, struct fo_action** actsp, size_t* np, size_t* allocp,
                   char** errp);
size_t fo_put_ct(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts);
/* NXT_RESUME into msg (fo-controller.c). */
enum ofperr fo_decode_resume(const struct ofp_header*, struct fo_msg* msg, char** whyp);
/* NXT_TLV_TABLE_MOD into '*out' (fo-tlv.c). */
enum ofperr fo_decode_tlv_table_mod(const struct ofp_header*, struct fo_tlv_mod* out);
/* NXT_CT_FLUSH_ZONE or NXT_CT_FLUSH (type) into '*out'. */
enum ofperr fo_decode_ct_flush(const struct ofp_header*, enum ofptype type,
                               struct fo_ct_flush* out);
size_t fo_put_learn(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts);
/* fo-actions.c: appends the ofpacts of a Ferry list (nested lists too). */
void fo_put_list(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts);
/* Appends a 'type' action counting the conversion of a nested list after
 * it (clone, write_actions). */
void fo_convert_nested(const struct ofpact* a, const struct ofpact_nest* nest, uint8_t type,
                       struct fo_action** actsp, size_t* np, size_t* allocp, char** errp);
bool fo_convert_generic_set_field(const struct ofpact_set_field*, struct fo_action* out);
void fo_put_pipeline_action(const struct fo_action*, struct ofpbuf* ofpacts);
/* 128-bit set_fields (IPv6 addresses, xxregs) as two SET_FIELDs on the
 * field's halves (fo-wide.c). */
bool fo_field_is_wide(const struct mf_field*);
bool fo_subfield_kept(const struct mf_subfield*);
void fo_wide_halves(enum mf_field_id, int* hi, int* lo);
void fo_convert_wide_set_field(const struct ofpact_set_field*, struct fo_action** actsp, size_t* np,
                               size_t* allocp);
/* Puts a SET_FIELD on a 128-bit field's half (with the low half after it
 * when it is its pair); returns how many actions it used, 0 for none. */
size_t fo_put_wide_set_field(const struct fo_action*, size_t n, struct ofpbuf* ofpacts);

/* The controller action with options (fo-controller.c): its userdata
 * rides in FO_ACT_DATA actions after it. fo_put_controller() returns how
 * many of 'acts' it consumed. */
bool fo_convert_controller(const struct ofpact* a, struct fo_action** actsp, size_t* np,
                           size_t* allocp, char** errp);
size_t fo_put_controller(const struct fo_action* acts, size_t n, struct ofpbuf* ofpacts);

/* Action conversion (fo-actions.c). Returns 0, or an ofperr (usually
 * OFPERR_OFPBAC_BAD_TYPE) with a message naming the action. '*actsp' is
 * malloc()'d (NULL when empty). */
enum ofperr fo_actions_from_ofpacts(const struct ofpact*, size_t ofpacts_len,
                                    struct fo_action** actsp, size_t* np, char** errp);
/* Appends the ofpacts for 'acts' to 'ofpacts'. With a 'match', also runs
 * ofpacts_check() so that VLAN actions know whether the flow is tagged
 * (needed to encode them for OpenFlow 1.1+). */
void fo_actions_to_ofpacts(const struct fo_action*, size_t n, const struct match*,
                           struct ofpbuf* ofpacts);
/* The OFPACT_* bitmap of what Ferry executes (features, table stats). */
uint64_t fo_supported_ofpacts(void);

/* What Ferry's one flow table (table 0) can do (fo-reply.c). */
void fo_table_features(uint8_t table_id, struct ofputil_table_features*);

/* Flow_mod conversion (fo-flowmod.c). */
enum ofperr fo_flow_mod_from_ovs(const struct ofputil_flow_mod*, struct fo_flow_mod*, char** errp);
uint16_t fo_flags_from_ovs(enum ofputil_flow_mod_flags);
enum ofputil_flow_mod_flags fo_flags_to_ovs(uint16_t);

void fo_port_map_init(struct ofputil_port_map*, const struct fo_port_name*, size_t n);

/* True when 'req' is of type 'want'; else logs and returns false (the
 * typed encoders assert on a request of another type) (fo-reply.c). */
bool fo_check_reply_type(const void* req, enum ofptype want);

/* Groups (fo-group.c). */
enum ofperr fo_decode_group_mod(const struct ofp_header*, struct fo_group_mod*, char** whyp);
void fo_answer_group_features(struct fo_conn*, const struct ofp_header*);

/* Queues 'msg' on 'conn' (takes ownership) (fo-conn.c). */
void fo_conn_send(struct fo_conn*, struct ofpbuf* msg);
void fo_conn_send_list(struct fo_conn*, struct ovs_list* replies);

#endif /* FERRY_LIB_OVS_OFP_FO_INTERNAL_H */
