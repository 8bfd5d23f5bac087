/* Replies, encoded with libopenvswitch's encoders for the request's version
 * (and, for stats, the request's own message type: NXST or OFPST). */
#include <string.h>

#include "bitmap.h"
#include "byte-order.h"
#include "openvswitch/flow.h"
#include "lib/ovs/ofp/fo-conn.h"
#include "lib/ovs/ofp/fo-reply.h"
#include "openflow/openflow.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/netdev.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-table.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ferry_ofp);

static bool is_flow_mod(const struct ofp_header* oh) {
  enum ofptype type;
  return (!ofptype_decode(&type, oh) &&
          (type == OFPTYPE_FLOW_MOD || type == OFPTYPE_BUNDLE_ADD_MESSAGE));
}

/* The typed encoders below assert on a request of another type: a caller's
 * mistake is logged and the reply dropped instead. */
bool fo_check_reply_type(const void* req, enum ofptype want) {
  enum ofptype type;
  if (!ofptype_decode(&type, req) && type == want) {
    return true;
  }
  VLOG_WARN("cannot reply with %s to a request of another type", ofptype_get_name(want));
  return false;
}

static enum ofperr to_ofperr(int error, const struct ofp_header* oh) {
  switch (error) {
    case FO_ERR_BAD_REQUEST_TYPE:
      return OFPERR_OFPBRC_BAD_TYPE;
    case FO_ERR_BAD_REQUEST_STAT:
      return OFPERR_OFPBRC_BAD_STAT;
    case FO_ERR_BAD_TABLE_ID:
      return is_flow_mod(oh) ? OFPERR_OFPFMFC_BAD_TABLE_ID : OFPERR_OFPBRC_BAD_TABLE_ID;
    case FO_ERR_BAD_PORT:
      return OFPERR_OFPBRC_BAD_PORT;
    case FO_ERR_EPERM:
      return OFPERR_OFPBRC_EPERM;
    case FO_ERR_FLOW_MOD_OVERLAP:
      return OFPERR_OFPFMFC_OVERLAP;
    case FO_ERR_FLOW_MOD_TABLE_FULL:
      return OFPERR_OFPFMFC_TABLE_FULL;
    case FO_ERR_FLOW_MOD_BAD_COMMAND:
      return OFPERR_OFPFMFC_BAD_COMMAND;
    case FO_ERR_BAD_OUT_PORT:
      return OFPERR_OFPBAC_BAD_OUT_PORT;
    case FO_ERR_BAD_ACTION_TYPE:
      return OFPERR_OFPBAC_BAD_TYPE;
    case FO_ERR_BAD_MATCH_FIELD:
      return OFPERR_OFPBMC_BAD_FIELD;
    case FO_ERR_BUNDLE_BAD_ID:
      return OFPERR_OFPBFC_BAD_ID;
    case FO_ERR_BUNDLE_BAD_TYPE:
      return OFPERR_OFPBFC_BAD_TYPE;
    case FO_ERR_BUNDLE_CLOSED:
      return OFPERR_OFPBFC_BUNDLE_CLOSED;
    case FO_ERR_BUNDLE_BAD_FLAGS:
      return OFPERR_OFPBFC_BAD_FLAGS;
    case FO_ERR_BUNDLE_MSG_FAILED:
      return OFPERR_OFPBFC_MSG_FAILED;
    case FO_ERR_BUNDLE_OUT_OF_BUNDLES:
      return OFPERR_OFPBFC_OUT_OF_BUNDLES;
    case FO_ERR_BUNDLE_TIMEOUT:
      return OFPERR_OFPBFC_TIMEOUT;
    case FO_ERR_METER_EXISTS:
      return OFPERR_OFPMMFC_METER_EXISTS;
    case FO_ERR_METER_UNKNOWN:
      return OFPERR_OFPMMFC_UNKNOWN_METER;
    case FO_ERR_METER_INVALID:
      return OFPERR_OFPMMFC_INVALID_METER;
    case FO_ERR_METER_BAD_BAND:
      return OFPERR_OFPMMFC_BAD_BAND;
    case FO_ERR_METER_BAD_RATE:
      return OFPERR_OFPMMFC_BAD_RATE;
    case FO_ERR_METER_BAD_FLAGS:
      return OFPERR_OFPMMFC_BAD_FLAGS;
    case FO_ERR_METER_OUT_OF_METERS:
      return OFPERR_OFPMMFC_OUT_OF_METERS;
    case FO_ERR_IS_SLAVE:
      return OFPERR_OFPBRC_IS_SECONDARY;
    case FO_ERR_ROLE_STALE:
      return OFPERR_OFPRRFC_STALE;
    case FO_ERR_GROUP_EXISTS:
      return OFPERR_OFPGMFC_GROUP_EXISTS;
    case FO_ERR_GROUP_INVALID:
      return OFPERR_OFPGMFC_INVALID_GROUP;
    case FO_ERR_GROUP_OUT_OF_GROUPS:
      return OFPERR_OFPGMFC_OUT_OF_GROUPS;
    case FO_ERR_GROUP_BAD_TYPE:
      return OFPERR_OFPGMFC_BAD_TYPE;
    case FO_ERR_GROUP_UNKNOWN:
      return OFPERR_OFPGMFC_UNKNOWN_GROUP;
    case FO_ERR_GROUP_BAD_COMMAND:
      return OFPERR_OFPGMFC_BAD_COMMAND;
    case FO_ERR_GROUP_UNKNOWN_BUCKET:
      return OFPERR_OFPGMFC_UNKNOWN_BUCKET;
    case FO_ERR_GROUP_BUCKET_EXISTS:
      return OFPERR_OFPGMFC_BUCKET_EXISTS;
    case FO_ERR_BAD_OUT_GROUP:
      return OFPERR_OFPBAC_BAD_OUT_GROUP;
    case FO_ERR_TLV_ALREADY_MAPPED:
      return OFPERR_NXTTMFC_ALREADY_MAPPED;
    case FO_ERR_TLV_DUP_ENTRY:
      return OFPERR_NXTTMFC_DUP_ENTRY;
    case FO_ERR_TLV_TABLE_FULL:
      return OFPERR_NXTTMFC_TABLE_FULL;
    case FO_ERR_TLV_INVALID_FIELD:
      return OFPERR_NXFMFC_INVALID_TLV_FIELD;
    case FO_ERR_RESUME_STALE:
      return OFPERR_NXR_STALE;
    default:
      return OFPERR_OFPBRC_EPERM;
  }
}

void fo_send_error(struct fo_conn* c, const void* req, int error) {
  fo_conn_send(c, ofperr_encode_reply(to_ofperr(error, req), req));
}

void fo_send_barrier_reply(struct fo_conn* c, const void* req) {
  const struct ofp_header* oh = req;
  fo_conn_send(c, ofpraw_alloc_reply(oh->version == OFP10_VERSION ? OFPRAW_OFPT10_BARRIER_REPLY
                                                                  : OFPRAW_OFPT11_BARRIER_REPLY,
                                     oh, 0));
}

static enum netdev_features speed_feature(uint32_t kbps) {
  switch (kbps) {
    case 10000:
      return NETDEV_F_10MB_FD;
    case 100000:
      return NETDEV_F_100MB_FD;
    case 1000000:
      return NETDEV_F_1GB_FD;
    case 10000000:
      return NETDEV_F_10GB_FD;
    case 40000000:
      return NETDEV_F_40GB_FD;
    case 100000000:
      return NETDEV_F_100GB_FD;
    case 1000000000:
      return NETDEV_F_1TB_FD;
    case 0:
      return 0;
    default:
      return NETDEV_F_OTHER;
  }
}

static void to_phy_port(const struct fo_port_desc* d, struct ofputil_phy_port* pp) {
  memset(pp, 0, sizeof *pp);
  pp->port_no = u16_to_ofp(d->port_no);
  memcpy(pp->hw_addr.ea, d->hw_addr, 6);
  ovs_strlcpy(pp->name, d->name ? d->name : "", sizeof pp->name);
  pp->config = d->admin_down ? OFPUTIL_PC_PORT_DOWN : 0;
  pp->state = d->link_down ? OFPUTIL_PS_LINK_DOWN : 0;
  pp->curr = speed_feature(d->curr_speed_kbps);
  pp->supported = speed_feature(d->max_speed_kbps);
  pp->curr_speed = d->curr_speed_kbps;
  pp->max_speed = d->max_speed_kbps;
}

void fo_send_features_reply(struct fo_conn* c, const void* req, uint64_t datapath_id,
                            uint32_t n_buffers, uint8_t n_tables, const struct fo_port_desc* ports,
                            size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_FEATURES_REQUEST)) {
    return;
  }
  const struct ofp_header* oh = req;
  struct ofputil_switch_features features = {
      .datapath_id = datapath_id,
      .n_buffers = n_buffers,
      .n_tables = n_tables,
      .auxiliary_id = 0,
      .capabilities = (OFPUTIL_C_FLOW_STATS | OFPUTIL_C_TABLE_STATS | OFPUTIL_C_PORT_STATS |
                       OFPUTIL_C_ARP_MATCH_IP | OFPUTIL_C_BUNDLES),
      .ofpacts = fo_supported_ofpacts(),
  };
  struct ofpbuf* b = ofputil_encode_switch_features(
      &features, ofputil_protocol_from_ofp_version(oh->version), oh->xid);
  for (size_t i = 0; i < n; i++) {
    struct ofputil_phy_port pp;
    to_phy_port(&ports[i], &pp);
    ofputil_put_switch_features_port(&pp, b); /* only up to OpenFlow 1.2 */
  }
  fo_conn_send(c, b);
}

bool fo_conn_send_port_status(struct fo_conn* c, int reason, const struct fo_port_desc* d) {
  /* OVS's ofconn_receives_async_msg() for OAM_PORT_STATUS. */
  if (!fo_conn_connected(c) || !c->protocol || (!c->primary && !c->miss_send_len)) {
    return false;
  }
  struct ofputil_async_cfg ac = fo_conn_async(c);
  uint32_t* masks = c->role == OFPCR12_ROLE_SECONDARY ? ac.secondary : ac.primary;
  if (!(masks[OAM_PORT_STATUS] & (1u << reason))) {
    return false;
  }
  struct ofputil_port_status ps = {.reason = reason};
  to_phy_port(d, &ps.desc);
  fo_conn_send(c, ofputil_encode_port_status(&ps, c->protocol));
  return true;
}

void fo_send_get_config_reply(struct fo_conn* c, const void* req, uint16_t flags,
                              uint16_t miss_send_len) {
  if (!fo_check_reply_type(req, OFPTYPE_GET_CONFIG_REQUEST)) {
    return;
  }
  /* As OVS: the miss_send_len and invalid_ttl_to_controller are the
   * connection's own ('miss_send_len' is ignored), the fragment handling
   * the bridge's. */
  (void)miss_send_len;
  struct ofputil_async_cfg ac = fo_conn_async(c);
  struct ofputil_switch_config config = {
      .frag = flags & OFPC_FRAG_MASK,
      .invalid_ttl_to_controller = (ac.primary[OAM_PACKET_IN] >> OFPR_INVALID_TTL) & 1,
      .miss_send_len = c->miss_send_len,
  };
  fo_conn_send(c, ofputil_encode_get_config_reply(req, &config));
}

void fo_send_port_desc_reply(struct fo_conn* c, const void* req, const struct fo_port_desc* ports,
                             size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_PORT_DESC_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;

  ofpmp_init(&replies, req);
  for (size_t i = 0; i < n; i++) {
    struct ofputil_phy_port pp;
    to_phy_port(&ports[i], &pp);
    ofputil_append_port_desc_stats_reply(&pp, &replies);
  }
  fo_conn_send_list(c, &replies);
}

void fo_send_desc_reply(struct fo_conn* c, const void* req, const char* mfr, const char* hw,
                        const char* sw, const char* serial, const char* dp_desc) {
  if (!fo_check_reply_type(req, OFPTYPE_DESC_STATS_REQUEST)) {
    return;
  }
  struct ofpbuf* msg = ofpraw_alloc_stats_reply(req, 0);
  struct ofp_desc_stats* ods = ofpbuf_put_zeros(msg, sizeof *ods);

  ovs_strlcpy(ods->mfr_desc, mfr, sizeof ods->mfr_desc);
  ovs_strlcpy(ods->hw_desc, hw, sizeof ods->hw_desc);
  ovs_strlcpy(ods->sw_desc, sw, sizeof ods->sw_desc);
  ovs_strlcpy(ods->serial_num, serial, sizeof ods->serial_num);
  ovs_strlcpy(ods->dp_desc, dp_desc, sizeof ods->dp_desc);
  fo_conn_send(c, msg);
}

void fo_send_flow_stats_reply(struct fo_conn* c, const void* req, const struct fo_flow_stats* flows,
                              size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_FLOW_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;
  struct ofpbuf ofpacts;

  ofpmp_init(&replies, req);
  ofpbuf_init(&ofpacts, 128);
  for (size_t i = 0; i < n; i++) {
    const struct fo_flow_stats* f = &flows[i];
    struct ofputil_flow_stats fs;

    memset(&fs, 0, sizeof fs);
    fo_match_to_ovs(&f->match, &fs.match);
    fs.cookie = htonll(f->cookie);
    fs.table_id = f->table_id;
    fs.priority = f->priority;
    fs.idle_timeout = f->idle_timeout;
    fs.hard_timeout = f->hard_timeout;
    fs.duration_sec = f->duration_sec;
    fs.duration_nsec = f->duration_nsec;
    fs.idle_age = f->idle_age;
    fs.hard_age = f->hard_age;
    fs.packet_count = f->packets;
    fs.byte_count = f->bytes;
    fs.flags = fo_flags_to_ovs(f->flags);

    ofpbuf_clear(&ofpacts);
    fo_actions_to_ofpacts(f->actions, f->n_actions, &fs.match, &ofpacts);
    fs.ofpacts = ofpacts.data;
    fs.ofpacts_len = ofpacts.size;
    ofputil_append_flow_stats_reply(&fs, &replies, NULL);
  }
  ofpbuf_uninit(&ofpacts);
  fo_conn_send_list(c, &replies);
}

void fo_send_aggregate_reply(struct fo_conn* c, const void* req, uint64_t packets, uint64_t bytes,
                             uint32_t flows) {
  if (!fo_check_reply_type(req, OFPTYPE_AGGREGATE_STATS_REQUEST)) {
    return;
  }
  struct ofputil_aggregate_stats stats = {
      .packet_count = packets,
      .byte_count = bytes,
      .flow_count = flows,
  };
  fo_conn_send(c, ofputil_encode_aggregate_stats_reply(&stats, req));
}

void fo_send_port_stats_reply(struct fo_conn* c, const void* req, const struct fo_port_stats* ports,
                              size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_PORT_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;

  ofpmp_init(&replies, req);
  for (size_t i = 0; i < n; i++) {
    const struct fo_port_stats* p = &ports[i];
    struct ofputil_port_stats ops;

    memset(&ops, 0, sizeof ops);
    memset(&ops.stats, 0xff, sizeof ops.stats); /* all-ones: unknown */
    ops.port_no = u16_to_ofp(p->port_no);
    ops.stats.rx_packets = p->rx_packets;
    ops.stats.tx_packets = p->tx_packets;
    ops.stats.rx_bytes = p->rx_bytes;
    ops.stats.tx_bytes = p->tx_bytes;
    ops.stats.rx_dropped = p->rx_dropped;
    ops.stats.tx_dropped = p->tx_dropped;
    ops.stats.rx_errors = p->rx_errors;
    ops.stats.tx_errors = p->tx_errors;
    ops.duration_sec = p->duration_sec;
    ops.duration_nsec = p->duration_nsec;
    ofputil_append_port_stat(&replies, &ops);
  }
  fo_conn_send_list(c, &replies);
}

/* What a Ferry table matches on (for OpenFlow 1.0-1.2 table stats). */
static const enum mf_field_id matchable[] = {
    MFF_IN_PORT,     MFF_IN_PORT_OXM,     MFF_ETH_SRC,     MFF_ETH_DST,     MFF_ETH_TYPE,
    MFF_VLAN_TCI,    MFF_DL_VLAN,         MFF_VLAN_VID,    MFF_DL_VLAN_PCP, MFF_VLAN_PCP,
    MFF_IPV4_SRC,    MFF_IPV4_DST,        MFF_IPV6_SRC,    MFF_IPV6_DST,    MFF_IP_PROTO,
    MFF_IP_DSCP,     MFF_IP_DSCP_SHIFTED, MFF_IP_ECN,      MFF_IP_TTL,      MFF_IP_FRAG,
    MFF_ARP_OP,      MFF_ARP_SPA,         MFF_ARP_TPA,     MFF_ARP_SHA,     MFF_ARP_THA,
    MFF_TCP_SRC,     MFF_TCP_DST,         MFF_TCP_FLAGS,   MFF_UDP_SRC,     MFF_UDP_DST,
    MFF_SCTP_SRC,    MFF_SCTP_DST,        MFF_ICMPV4_TYPE, MFF_ICMPV4_CODE, MFF_ICMPV6_TYPE,
    MFF_ICMPV6_CODE, MFF_MPLS_LABEL,      MFF_MPLS_TC,     MFF_MPLS_BOS,    MFF_MPLS_TTL,
};

void fo_table_features(uint8_t table_id, struct ofputil_table_features* f) {
  memset(f, 0, sizeof *f);
  f->table_id = table_id;
  f->name[0] = '\0'; /* OVS's tables are unnamed unless configured */
  f->any_properties = true;
  f->max_entries = 1000000;
  f->miss_config = OFPUTIL_TABLE_MISS_DEFAULT;
  f->metadata_match = OVS_BE64_MAX;
  f->metadata_write = OVS_BE64_MAX;
  f->nonmiss.instructions =
      ((1u << OVSINST_OFPIT11_APPLY_ACTIONS) | (1u << OVSINST_OFPIT13_METER) |
       (1u << OVSINST_OFPIT11_WRITE_METADATA) |
       (table_id < 253 ? (1u << OVSINST_OFPIT11_GOTO_TABLE) : 0));
  if (table_id < 253) {
    bitmap_set_multiple(f->nonmiss.next, table_id + 1, 254 - (table_id + 1), true);
  }
  f->nonmiss.apply.ofpacts = fo_supported_ofpacts();
  static const enum mf_field_id settable[] = {
      MFF_ETH_SRC,  MFF_ETH_DST,    MFF_VLAN_VID, MFF_VLAN_PCP,  MFF_IPV4_SRC, MFF_IPV4_DST,
      MFF_IP_DSCP,  MFF_IP_ECN,     MFF_IP_TTL,   MFF_TCP_SRC,   MFF_TCP_DST,  MFF_UDP_SRC,
      MFF_UDP_DST,  MFF_SCTP_SRC,   MFF_SCTP_DST, MFF_METADATA,  MFF_PKT_MARK, MFF_IN_PORT,
      MFF_ARP_SPA,  MFF_ARP_TPA,    MFF_ARP_SHA,  MFF_ARP_THA,   MFF_MPLS_LABEL, MFF_MPLS_TC,
      MFF_MPLS_TTL,
  };
  for (size_t i = 0; i < ARRAY_SIZE(settable); i++) {
    bitmap_set1(f->nonmiss.apply.set_fields.bm, settable[i]);
  }
  for (int i = 0; i < FLOW_N_REGS; i++) {
    bitmap_set1(f->nonmiss.apply.set_fields.bm, MFF_REG0 + i);
  }
  f->miss = f->nonmiss;
  for (size_t i = 0; i < ARRAY_SIZE(matchable); i++) {
    bitmap_set1(f->match.bm, matchable[i]);
    if (mf_from_id(matchable[i])->maskable == MFM_FULLY) {
      bitmap_set1(f->mask.bm, matchable[i]);
    }
  }
  static const enum mf_field_id metadata_fields[] = {MFF_METADATA, MFF_PKT_MARK};
  for (size_t i = 0; i < ARRAY_SIZE(metadata_fields); i++) {
    bitmap_set1(f->match.bm, metadata_fields[i]);
    bitmap_set1(f->mask.bm, metadata_fields[i]);
  }
  for (int i = 0; i < FLOW_N_REGS; i++) {
    bitmap_set1(f->match.bm, MFF_REG0 + i);
    bitmap_set1(f->mask.bm, MFF_REG0 + i);
  }
  f->wildcard = f->match;
}

void fo_send_table_stats_reply(struct fo_conn* c, const void* req,
                               const struct fo_table_stats* tables, size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_TABLE_STATS_REQUEST)) {
    return;
  }
  struct ofpbuf* reply = ofputil_encode_table_stats_reply(req);

  for (size_t i = 0; i < n; i++) {
    struct ofputil_table_stats stats = {
        .table_id = tables[i].table_id,
        .active_count = tables[i].active_count,
        .lookup_count = tables[i].lookup_count,
        .matched_count = tables[i].matched_count,
    };
    struct ofputil_table_features features;
    fo_table_features(tables[i].table_id, &features);
    ofputil_append_table_stats_reply(reply, &stats, &features);
  }
  fo_conn_send(c, reply);
}

void fo_send_bundle_reply(struct fo_conn* c, const void* req, int reply_type) {
  if (!fo_check_reply_type(req, OFPTYPE_BUNDLE_CONTROL)) {
    return;
  }
  struct ofputil_bundle_ctrl_msg request, reply;

  if (ofputil_decode_bundle_ctrl(req, &request)) {
    return;
  }
  reply.bundle_id = request.bundle_id;
  reply.type = reply_type;
  reply.flags = 0;
  fo_conn_send(c, ofputil_encode_bundle_ctrl_reply(req, &reply));
}

void fo_send_meter_stats_reply(struct fo_conn* c, const void* req, const struct fo_meter_stats* ms,
                               size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_METER_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;
  ofpmp_init(&replies, req);
  for (size_t i = 0; i < n; i++) {
    struct ofputil_meter_band_stats bands[FO_MAX_METER_BANDS];
    for (uint16_t b = 0; b < ms[i].n_bands && b < FO_MAX_METER_BANDS; b++) {
      bands[b].packet_count = ms[i].band_packets[b];
      bands[b].byte_count = ms[i].band_bytes[b];
    }
    struct ofputil_meter_stats s = {
        .meter_id = ms[i].meter_id,
        .flow_count = ms[i].flow_count,
        .packet_in_count = ms[i].packet_in_count,
        .byte_in_count = ms[i].byte_in_count,
        .duration_sec = ms[i].duration_sec,
        .duration_nsec = ms[i].duration_nsec,
        .n_bands = ms[i].n_bands,
        .bands = bands,
    };
    ofputil_append_meter_stats(&replies, &s);
  }
  fo_conn_send_list(c, &replies);
}

void fo_send_meter_config_reply(struct fo_conn* c, const void* req, const struct fo_meter_mod* mc,
                                size_t n) {
  if (!fo_check_reply_type(req, OFPTYPE_METER_CONFIG_STATS_REQUEST)) {
    return;
  }
  struct ovs_list replies;
  ofpmp_init(&replies, req);
  for (size_t i = 0; i < n; i++) {
    struct ofputil_meter_band bands[FO_MAX_METER_BANDS];
    for (uint16_t b = 0; b < mc[i].n_bands && b < FO_MAX_METER_BANDS; b++) {
      bands[b].type = mc[i].bands[b].type;
      bands[b].prec_level = 0;
      bands[b].rate = mc[i].bands[b].rate;
      bands[b].burst_size = mc[i].bands[b].burst_size;
    }
    struct ofputil_meter_config cfg = {
        .meter_id = mc[i].meter_id,
        .flags = mc[i].flags,
        .n_bands = mc[i].n_bands,
        .bands = bands,
    };
    ofputil_append_meter_config(&replies, &cfg);
  }
  fo_conn_send_list(c, &replies);
}

void fo_send_meter_features_reply(struct fo_conn* c, const void* req, uint32_t max_meters,
                                  uint32_t band_types, uint32_t capabilities, uint8_t max_bands) {
  if (!fo_check_reply_type(req, OFPTYPE_METER_FEATURES_STATS_REQUEST)) {
    return;
  }
  struct ofputil_meter_features f = {
      .max_meters = max_meters,
      .band_types = band_types,
      .capabilities = capabilities,
      .max_bands = max_bands,
      .max_color = 0,
  };
  fo_conn_send(c, ofputil_encode_meter_features_reply(&f, req));
}
