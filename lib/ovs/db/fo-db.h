/* The C API of Ferry's OVSDB client (fo_db), implemented in C on top of
 * libopenvswitch's IDL for the Open_vSwitch schema (ovsrec_idl_class).
 * Only plain C types cross it; the C++ side (lib/ovs/db/database.cc) wraps it
 * in ferry::ovs::Ovsdb.
 *
 * Pointers in a fo_db_config borrow the IDL's memory: they stay valid until
 * the next fo_db_run() or fo_db_destroy(), and the arrays until
 * fo_db_config_free(). */
#ifndef FERRY_LIB_OVS_DB_FO_DB_H
#define FERRY_LIB_OVS_DB_FO_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fo_db;

/* A string-to-string map (an OVSDB map column): n pairs, in no set order. */
struct fo_smap {
  size_t n;
  const char** keys;
  const char** values;
};

/* One Interface row. Strings are never NULL ("" when the column is empty).
 * Optional integers are arrays of 0 or 1 elements, as in the IDL. */
struct fo_db_iface {
  const char* name;
  const char* type;
  const char* mac;
  struct fo_smap options;
  struct fo_smap other_config;
  const int64_t* ofport_request;
  size_t n_ofport_request;
  const int64_t* mtu_request;
  size_t n_mtu_request;
  const int64_t* ofport; /* the number last written back (a hint across restarts) */
  size_t n_ofport;
};

struct fo_db_port {
  const char* name;
  const int64_t* tag;
  size_t n_tag;
  const int64_t* trunks;
  size_t n_trunks;
  const char* vlan_mode; /* "" when unset */
  struct fo_smap other_config;
  struct fo_db_iface* ifaces;
  size_t n_ifaces;
};

/* One Mirror row (Bridge.mirrors). Ports are named by their Port.name. */
struct fo_db_mirror {
  const char* name;
  bool select_all;
  const char** select_src_port;
  size_t n_select_src_port;
  const char** select_dst_port;
  size_t n_select_dst_port;
  const int64_t* select_vlan;
  size_t n_select_vlan;
  const char* output_port; /* "" when unset */
  const int64_t* output_vlan;
  size_t n_output_vlan;
  const int64_t* snaplen;
  size_t n_snaplen;
};

/* One Controller row (Bridge.controller). */
struct fo_db_controller {
  const char* target;
  const char* connection_mode;     /* "" when unset */
  const int64_t* inactivity_probe; /* milliseconds */
  size_t n_inactivity_probe;
  const int64_t* max_backoff; /* milliseconds */
  size_t n_max_backoff;
  struct fo_smap other_config;
};

struct fo_db_bridge {
  const char* name;
  const char* datapath_type;
  const char* fail_mode; /* "" when unset */
  struct fo_smap other_config;
  struct fo_smap external_ids;
  const char* const* protocols;
  size_t n_protocols;
  struct fo_db_port* ports;
  size_t n_ports;
  struct fo_db_controller* controllers;
  size_t n_controllers;
  struct fo_db_mirror* mirrors;
  size_t n_mirrors;
};

/* One CT_Zone row of a Datapath (its timeout policy's timeouts, if any). */
struct fo_db_ct_zone {
  int64_t zone;
  bool has_policy;
  size_t n_timeouts;
  const char* const* timeout_keys; /* "udp_first", ... */
  const int64_t* timeout_values;   /* seconds */
};

/* One Datapath row (Open_vSwitch.datapaths), by datapath type. */
struct fo_db_datapath {
  const char* name; /* "netdev", "system" */
  struct fo_db_ct_zone* zones;
  size_t n_zones;
};

struct fo_db_config {
  int64_t next_cfg;
  struct fo_smap other_config;
  struct fo_smap external_ids;
  struct fo_db_bridge* bridges;
  size_t n_bridges;
  struct fo_db_datapath* datapaths;
  size_t n_datapaths;
};

/* Status of one Interface row. NULL strings and has_* == false leave the
 * column alone; "" clears an optional string column. */
struct fo_iface_status {
  const char* name;
  bool has_ofport;
  int64_t ofport;
  bool has_mtu;
  int64_t mtu;
  bool has_link_speed;
  int64_t link_speed;
  bool has_link_resets;
  int64_t link_resets;
  const char* admin_state;
  const char* link_state;
  const char* mac_in_use;
  const char* duplex;
  const char* error;
  bool has_statistics;
  size_t n_statistics;
  const char* const* statistics_keys;
  const int64_t* statistics_values;
  bool has_status;
  struct fo_smap status;
};

struct fo_system_status {
  const char* ovs_version;
  const char* dpdk_version; /* "" clears */
  bool dpdk_initialized;
  const char* const* datapath_types;
  size_t n_datapath_types;
  const char* const* iface_types;
  size_t n_iface_types;
};

/* Status of one Controller row, found by bridge and target. */
struct fo_controller_status {
  const char* bridge;
  const char* target;
  bool is_connected;
  const char* role; /* "other", "master", "slave" */
  struct fo_smap status;
};

enum fo_txn_status {
  FO_TXN_NONE,       /* no transaction was open */
  FO_TXN_INCOMPLETE, /* in flight: call fo_db_txn_commit() again later */
  FO_TXN_SUCCESS,
  FO_TXN_UNCHANGED,  /* nothing to write */
  FO_TXN_TRY_AGAIN,  /* the database changed underneath: retry */
  FO_TXN_NOT_LOCKED, /* the lock was lost: retry once it is held */
  FO_TXN_FAILED      /* error or abort: fo_db_txn_error() says why */
};

/* Connects (in the background, retrying) to 'remote', monitoring the
 * columns Ferry reads and writes, and asks for the "ovs_vswitchd" lock. */
struct fo_db* fo_db_create(const char* remote);
void fo_db_destroy(struct fo_db*);

void fo_db_run(struct fo_db*);
/* Registers on libopenvswitch's poll loop, including the open transaction. */
void fo_db_wait(struct fo_db*);

bool fo_db_is_connected(const struct fo_db*);
bool fo_db_has_ever_connected(const struct fo_db*);
bool fo_db_has_lock(const struct fo_db*);
bool fo_db_lock_contended(const struct fo_db*);
unsigned int fo_db_seqno(const struct fo_db*);

/* The current contents, or NULL before the first contents arrived or when
 * there is no Open_vSwitch row. Free with fo_db_config_free(). */
struct fo_db_config* fo_db_config_get(const struct fo_db*);
void fo_db_config_free(struct fo_db_config*);

/* Status write-back: one transaction at a time. fo_db_txn_begin() returns
 * false when one is already open. The setters work between begin and the
 * first commit, all in one fo_db_run() cycle; they return false when the row
 * does not exist (nothing is written) or no transaction is being built. */
bool fo_db_txn_begin(struct fo_db*);
bool fo_db_txn_is_open(const struct fo_db*);
bool fo_db_txn_set_iface(struct fo_db*, const struct fo_iface_status*);
bool fo_db_txn_set_cur_cfg(struct fo_db*, int64_t cur_cfg);
bool fo_db_txn_set_system(struct fo_db*, const struct fo_system_status*);
bool fo_db_txn_set_bridge_dpid(struct fo_db*, const char* bridge, const char* datapath_id);
bool fo_db_txn_set_controller(struct fo_db*, const struct fo_controller_status*);
/* Datapath.capabilities of the row Open_vSwitch.datapaths names 'datapath',
 * written only when it differs. */
bool fo_db_txn_set_datapath_caps(struct fo_db*, const char* datapath, const struct fo_smap* caps);
/* Mirror.statistics (tx_packets, tx_bytes) of the bridge's mirror 'name'. */
bool fo_db_txn_set_mirror_stats(struct fo_db*, const char* bridge, const char* name,
                                int64_t tx_packets, int64_t tx_bytes);
/* Makes the keys of a bridge's external_ids that start with one of
 * 'prefixes' exactly 'wanted' (every key of which has such a prefix), with
 * per-key mutations, so other writers' keys are never touched. */
bool fo_db_txn_set_bridge_keys(struct fo_db*, const char* bridge, const struct fo_smap* wanted,
                               const char* const* prefixes, size_t n_prefixes);
/* Commits the open transaction without blocking. Once the result is not
 * FO_TXN_INCOMPLETE the transaction is closed. */
enum fo_txn_status fo_db_txn_commit(struct fo_db*);
/* Why the last transaction failed ("" if it did not). */
const char* fo_db_txn_error(const struct fo_db*);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_DB_FO_DB_H */
