/* fo_db: the IDL connection, what it monitors, and its state. */
#include <stdlib.h>

#include "lib/ovs/db/fo-db-internal.h"
#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

/* Columns Ferry reads: changes to them bump the IDL's seqno. */
static const struct ovsdb_idl_column* const read_columns[] = {
    &ovsrec_open_vswitch_col_bridges,
    &ovsrec_open_vswitch_col_other_config,
    &ovsrec_open_vswitch_col_external_ids,
    &ovsrec_open_vswitch_col_next_cfg,
    &ovsrec_open_vswitch_col_datapaths,

    &ovsrec_datapath_col_ct_zones,
    &ovsrec_ct_zone_col_timeout_policy,
    &ovsrec_ct_timeout_policy_col_timeouts,

    &ovsrec_bridge_col_name,
    &ovsrec_bridge_col_ports,
    &ovsrec_bridge_col_datapath_type,
    &ovsrec_bridge_col_fail_mode,
    &ovsrec_bridge_col_other_config,
    &ovsrec_bridge_col_external_ids,
    &ovsrec_bridge_col_protocols,
    &ovsrec_bridge_col_controller,
    &ovsrec_bridge_col_mirrors,

    &ovsrec_mirror_col_name,
    &ovsrec_mirror_col_select_all,
    &ovsrec_mirror_col_select_src_port,
    &ovsrec_mirror_col_select_dst_port,
    &ovsrec_mirror_col_select_vlan,
    &ovsrec_mirror_col_output_port,
    &ovsrec_mirror_col_output_vlan,
    &ovsrec_mirror_col_snaplen,

    &ovsrec_controller_col_target,
    &ovsrec_controller_col_connection_mode,
    &ovsrec_controller_col_inactivity_probe,
    &ovsrec_controller_col_max_backoff,
    &ovsrec_controller_col_other_config,

    &ovsrec_port_col_name,
    &ovsrec_port_col_interfaces,
    &ovsrec_port_col_tag,
    &ovsrec_port_col_trunks,
    &ovsrec_port_col_vlan_mode,
    &ovsrec_port_col_other_config,

    &ovsrec_interface_col_name,
    &ovsrec_interface_col_type,
    &ovsrec_interface_col_options,
    &ovsrec_interface_col_other_config,
    &ovsrec_interface_col_ofport_request,
    &ovsrec_interface_col_mtu_request,
    &ovsrec_interface_col_mac,
};

/* Columns Ferry writes: monitored (the IDL can only write what it monitors)
 * but without alerts, so Ferry's own status writes do not look like
 * configuration changes (as ovs-vswitchd does with ovsdb_idl_omit_alert). */
static const struct ovsdb_idl_column* const write_columns[] = {
    &ovsrec_open_vswitch_col_cur_cfg,
    &ovsrec_open_vswitch_col_ovs_version,
    &ovsrec_open_vswitch_col_dpdk_initialized,
    &ovsrec_open_vswitch_col_dpdk_version,
    &ovsrec_open_vswitch_col_datapath_types,
    &ovsrec_open_vswitch_col_iface_types,

    &ovsrec_bridge_col_datapath_id,

    &ovsrec_datapath_col_capabilities,

    &ovsrec_controller_col_is_connected,
    &ovsrec_controller_col_role,
    &ovsrec_controller_col_status,

    &ovsrec_mirror_col_statistics,

    &ovsrec_interface_col_ofport,
    &ovsrec_interface_col_admin_state,
    &ovsrec_interface_col_link_state,
    &ovsrec_interface_col_mac_in_use,
    &ovsrec_interface_col_mtu,
    &ovsrec_interface_col_link_speed,
    &ovsrec_interface_col_duplex,
    &ovsrec_interface_col_link_resets,
    &ovsrec_interface_col_error,
    &ovsrec_interface_col_statistics,
    &ovsrec_interface_col_status,
};

/* Columns whose values Ferry checks itself (lib/ovs/db/config_convert.cc).
 * The IDL parses updates against the compiled schema's constraints and,
 * when a value breaks them (a server with a different schema), logs and
 * keeps the row's previous value: a stale value. Without the constraints
 * the value arrives, and Ferry's check drops just that field and logs it. */
static struct ovsdb_idl_column* const checked_ints[] = {
    &ovsrec_port_col_tag,
    &ovsrec_port_col_trunks,
    &ovsrec_interface_col_ofport_request,
    &ovsrec_interface_col_mtu_request,
};
static struct ovsdb_idl_column* const checked_enums[] = {
    &ovsrec_port_col_vlan_mode,
    &ovsrec_bridge_col_fail_mode,
    &ovsrec_bridge_col_protocols,
    &ovsrec_controller_col_connection_mode,
};

static void relax_checked_columns(void) {
  size_t i;

  for (i = 0; i < ARRAY_SIZE(checked_ints); i++) {
    checked_ints[i]->type.key.integer.min = INT64_MIN;
    checked_ints[i]->type.key.integer.max = INT64_MAX;
  }
  for (i = 0; i < ARRAY_SIZE(checked_enums); i++) {
    checked_enums[i]->type.key.enum_ = NULL;
  }
}

struct fo_db* fo_db_create(const char* remote) {
  struct fo_db* db = xzalloc(sizeof *db);
  size_t i;

  relax_checked_columns();

  db->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
  ovsdb_idl_set_lock(db->idl, "ovs_vswitchd");
  /* Ferry writes only write-only columns: the IDL logs a bug otherwise. */
  ovsdb_idl_verify_write_only(db->idl);
  for (i = 0; i < ARRAY_SIZE(read_columns); i++) {
    ovsdb_idl_add_column(db->idl, read_columns[i]);
  }
  for (i = 0; i < ARRAY_SIZE(write_columns); i++) {
    ovsdb_idl_add_column(db->idl, write_columns[i]);
    ovsdb_idl_omit_alert(db->idl, write_columns[i]);
  }
  db->error = xstrdup("");
  return db;
}

void fo_db_destroy(struct fo_db* db) {
  if (!db) {
    return;
  }
  fo_db_txn_close(db);
  ovsdb_idl_destroy(db->idl);
  free(db->error);
  free(db);
}

void fo_db_run(struct fo_db* db) { ovsdb_idl_run(db->idl); }

void fo_db_wait(struct fo_db* db) {
  ovsdb_idl_wait(db->idl);
  if (db->txn) {
    ovsdb_idl_txn_wait(db->txn);
  }
}

bool fo_db_is_connected(const struct fo_db* db) { return ovsdb_idl_is_connected(db->idl); }

bool fo_db_has_ever_connected(const struct fo_db* db) {
  return ovsdb_idl_has_ever_connected(db->idl);
}

bool fo_db_has_lock(const struct fo_db* db) { return ovsdb_idl_has_lock(db->idl); }

bool fo_db_lock_contended(const struct fo_db* db) { return ovsdb_idl_is_lock_contended(db->idl); }

unsigned int fo_db_seqno(const struct fo_db* db) { return ovsdb_idl_get_seqno(db->idl); }
