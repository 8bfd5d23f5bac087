/* fo_db status write-back: one IDL transaction at a time, committed
 * without blocking, as ovs-vswitchd's status_txn. */
#include <stdlib.h>
#include <string.h>

#include "lib/ovs/db/fo-db-internal.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"
#include "vswitch-idl.h"

static void set_error(struct fo_db* db, const char* error) {
  free(db->error);
  db->error = xstrdup(error ? error : "");
}

static const char* nullable(const char* s) { return s && s[0] ? s : NULL; }

bool fo_db_txn_begin(struct fo_db* db) {
  const struct ovsrec_interface* iface;
  const struct ovsrec_bridge* br;

  if (db->txn) {
    return false;
  }
  db->txn = ovsdb_idl_txn_create(db->idl);
  db->txn_committed = false;
  ovsdb_idl_txn_add_comment(db->txn, "ferry-vswitchd: status");
  shash_init(&db->ifaces);
  shash_init(&db->bridges);
  OVSREC_INTERFACE_FOR_EACH(iface, db->idl) { shash_add_once(&db->ifaces, iface->name, iface); }
  OVSREC_BRIDGE_FOR_EACH(br, db->idl) { shash_add_once(&db->bridges, br->name, br); }
  return true;
}

bool fo_db_txn_is_open(const struct fo_db* db) { return db->txn != NULL; }

void fo_db_txn_close(struct fo_db* db) {
  if (!db->txn) {
    return;
  }
  if (!db->txn_committed) {
    shash_destroy(&db->ifaces);
    shash_destroy(&db->bridges);
  }
  ovsdb_idl_txn_destroy(db->txn);
  db->txn = NULL;
  db->txn_committed = false;
}

static void set_optional_int(const struct ovsrec_interface* row, bool has, int64_t value,
                             void (*setter)(const struct ovsrec_interface*, const int64_t*,
                                            size_t)) {
  if (has) {
    setter(row, &value, 1);
  }
}

bool fo_db_txn_set_iface(struct fo_db* db, const struct fo_iface_status* st) {
  const struct ovsrec_interface* row;

  if (!db->txn || db->txn_committed) {
    return false;
  }
  row = shash_find_data(&db->ifaces, st->name);
  if (!row) {
    return false;
  }
  set_optional_int(row, st->has_ofport, st->ofport, ovsrec_interface_set_ofport);
  set_optional_int(row, st->has_mtu, st->mtu, ovsrec_interface_set_mtu);
  set_optional_int(row, st->has_link_speed, st->link_speed, ovsrec_interface_set_link_speed);
  set_optional_int(row, st->has_link_resets, st->link_resets, ovsrec_interface_set_link_resets);
  if (st->admin_state) {
    ovsrec_interface_set_admin_state(row, nullable(st->admin_state));
  }
  if (st->link_state) {
    ovsrec_interface_set_link_state(row, nullable(st->link_state));
  }
  if (st->mac_in_use) {
    ovsrec_interface_set_mac_in_use(row, nullable(st->mac_in_use));
  }
  if (st->duplex) {
    ovsrec_interface_set_duplex(row, nullable(st->duplex));
  }
  if (st->error) {
    ovsrec_interface_set_error(row, nullable(st->error));
  }
  if (st->has_statistics) {
    ovsrec_interface_set_statistics(row, (const char**)st->statistics_keys, st->statistics_values,
                                    st->n_statistics);
  }
  if (st->has_status) {
    struct smap status = SMAP_INITIALIZER(&status);
    size_t i;

    for (i = 0; i < st->status.n; i++) {
      smap_replace(&status, st->status.keys[i], st->status.values[i]);
    }
    ovsrec_interface_set_status(row, &status);
    smap_destroy(&status);
  }
  return true;
}

/* The Open_vSwitch row, when a transaction is being built (not yet
 * committed) and the row exists; NULL otherwise. */
static const struct ovsrec_open_vswitch* txn_ovs_row(const struct fo_db* db) {
  if (!db->txn || db->txn_committed) {
    return NULL;
  }
  return ovsrec_open_vswitch_first(db->idl);
}

bool fo_db_txn_set_cur_cfg(struct fo_db* db, int64_t cur_cfg) {
  const struct ovsrec_open_vswitch* ovs = txn_ovs_row(db);

  if (!ovs) {
    return false;
  }
  ovsrec_open_vswitch_set_cur_cfg(ovs, cur_cfg);
  return true;
}

bool fo_db_txn_set_system(struct fo_db* db, const struct fo_system_status* st) {
  const struct ovsrec_open_vswitch* ovs = txn_ovs_row(db);

  if (!ovs) {
    return false;
  }
  ovsrec_open_vswitch_set_ovs_version(ovs, nullable(st->ovs_version));
  ovsrec_open_vswitch_set_dpdk_version(ovs, nullable(st->dpdk_version));
  ovsrec_open_vswitch_set_dpdk_initialized(ovs, st->dpdk_initialized);
  ovsrec_open_vswitch_set_datapath_types(ovs, (const char**)st->datapath_types,
                                         st->n_datapath_types);
  ovsrec_open_vswitch_set_iface_types(ovs, (const char**)st->iface_types, st->n_iface_types);
  return true;
}

bool fo_db_txn_set_bridge_dpid(struct fo_db* db, const char* bridge, const char* datapath_id) {
  const struct ovsrec_bridge* row;

  if (!db->txn || db->txn_committed) {
    return false;
  }
  row = shash_find_data(&db->bridges, bridge);
  if (!row) {
    return false;
  }
  ovsrec_bridge_set_datapath_id(row, nullable(datapath_id));
  return true;
}

bool fo_db_txn_set_controller(struct fo_db* db, const struct fo_controller_status* st) {
  const struct ovsrec_bridge* br;

  if (!db->txn || db->txn_committed) {
    return false;
  }
  br = shash_find_data(&db->bridges, st->bridge);
  if (!br) {
    return false;
  }
  for (size_t i = 0; i < br->n_controller; i++) {
    const struct ovsrec_controller* row = br->controller[i];
    if (!row->target || strcmp(row->target, st->target)) {
      continue;
    }
    struct smap status = SMAP_INITIALIZER(&status);
    for (size_t k = 0; k < st->status.n; k++) {
      smap_replace(&status, st->status.keys[k], st->status.values[k]);
    }
    ovsrec_controller_set_is_connected(row, st->is_connected);
    ovsrec_controller_set_role(row, nullable(st->role));
    ovsrec_controller_set_status(row, &status);
    smap_destroy(&status);
    return true;
  }
  return false;
}

bool fo_db_txn_set_datapath_caps(struct fo_db* db, const char* datapath,
                                 const struct fo_smap* caps) {
  const struct ovsrec_open_vswitch* ovs = txn_ovs_row(db);

  if (!ovs) {
    return false;
  }
  for (size_t i = 0; i < ovs->n_datapaths; i++) {
    const struct ovsrec_datapath* row = ovs->value_datapaths[i];
    if (strcmp(ovs->key_datapaths[i], datapath)) {
      continue;
    }
    struct smap want = SMAP_INITIALIZER(&want);
    for (size_t k = 0; k < caps->n; k++) {
      smap_replace(&want, caps->keys[k], caps->values[k]);
    }
    if (!smap_equal(&want, &row->capabilities)) {
      ovsrec_datapath_set_capabilities(row, &want);
    }
    smap_destroy(&want);
    return true;
  }
  return false;
}

bool fo_db_txn_set_mirror_stats(struct fo_db* db, const char* bridge, const char* name,
                                int64_t tx_packets, int64_t tx_bytes) {
  static const char* keys[] = {"tx_bytes", "tx_packets"};
  const struct ovsrec_bridge* br;

  if (!db->txn || db->txn_committed) {
    return false;
  }
  br = shash_find_data(&db->bridges, bridge);
  if (!br) {
    return false;
  }
  for (size_t i = 0; i < br->n_mirrors; i++) {
    const struct ovsrec_mirror* row = br->mirrors[i];
    if (row->name && !strcmp(row->name, name)) {
      int64_t values[] = {tx_bytes, tx_packets};
      ovsrec_mirror_set_statistics(row, keys, values, 2);
      return true;
    }
  }
  return false;
}

static bool has_prefix(const char* key, const char* const* prefixes, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!strncmp(key, prefixes[i], strlen(prefixes[i]))) {
      return true;
    }
  }
  return false;
}

bool fo_db_txn_set_bridge_keys(struct fo_db* db, const char* bridge, const struct fo_smap* wanted,
                               const char* const* prefixes, size_t n_prefixes) {
  const struct ovsrec_bridge* row;
  const struct smap_node* node;

  if (!db->txn || db->txn_committed) {
    return false;
  }
  row = shash_find_data(&db->bridges, bridge);
  if (!row) {
    return false;
  }
  SMAP_FOR_EACH (node, &row->external_ids) {
    bool keep = false;
    if (!has_prefix(node->key, prefixes, n_prefixes)) {
      continue;
    }
    for (size_t i = 0; i < wanted->n && !keep; i++) {
      keep = !strcmp(node->key, wanted->keys[i]);
    }
    if (!keep) {
      ovsrec_bridge_update_external_ids_delkey(row, node->key);
    }
  }
  for (size_t i = 0; i < wanted->n; i++) {
    const char* cur = smap_get(&row->external_ids, wanted->keys[i]);
    if (!cur || strcmp(cur, wanted->values[i])) {
      ovsrec_bridge_update_external_ids_setkey(row, wanted->keys[i], wanted->values[i]);
    }
  }
  return true;
}

enum fo_txn_status fo_db_txn_commit(struct fo_db* db) {
  enum ovsdb_idl_txn_status status;
  enum fo_txn_status result;

  if (!db->txn) {
    return FO_TXN_NONE;
  }
  if (!db->txn_committed) {
    /* The row lookups are only good until the IDL next changes. */
    shash_destroy(&db->ifaces);
    shash_destroy(&db->bridges);
    db->txn_committed = true;
  }
  status = ovsdb_idl_txn_commit(db->txn);
  switch (status) {
    case TXN_INCOMPLETE:
      return FO_TXN_INCOMPLETE;
    case TXN_SUCCESS:
      result = FO_TXN_SUCCESS;
      break;
    case TXN_UNCHANGED:
      result = FO_TXN_UNCHANGED;
      break;
    case TXN_TRY_AGAIN:
      result = FO_TXN_TRY_AGAIN;
      break;
    case TXN_NOT_LOCKED:
      result = FO_TXN_NOT_LOCKED;
      break;
    case TXN_UNCOMMITTED:
    case TXN_ABORTED:
    case TXN_ERROR:
    default:
      result = FO_TXN_FAILED;
      break;
  }
  if (result == FO_TXN_FAILED) {
    const char* error = ovsdb_idl_txn_get_error(db->txn);
    set_error(db, error && error[0] ? error : ovsdb_idl_txn_status_to_string(status));
  } else {
    set_error(db, "");
  }
  fo_db_txn_close(db);
  return result;
}

const char* fo_db_txn_error(const struct fo_db* db) { return db->error; }
