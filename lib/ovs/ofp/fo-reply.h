/* Replies to the requests of fo-msg.h (fo-reply.c, fo-group.c, fo-tlv.c,
 * fo-controller.c): OpenFlow errors, features, configuration, statistics,
 * descriptions. Plain C, like fo-ofp.h. */
#ifndef FERRY_LIB_OVS_OFP_FO_REPLY_H
#define FERRY_LIB_OVS_OFP_FO_REPLY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ovs/ofp/fo-msg.h"

#ifdef __cplusplus
extern "C" {
#endif

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
/* NXT_TLV_TABLE_REPLY (fo-tlv.c). */
void fo_send_tlv_table_reply(struct fo_conn*, const void* req, const struct fo_tlv_map*, size_t n,
                             uint32_t max_option_space, uint16_t max_fields);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_OFP_FO_REPLY_H */
