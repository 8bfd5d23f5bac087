/* fo_db_config_get(): the IDL rows copied into plain C structs. */
#include <stdlib.h>

#include "lib/ovs/db/fo-db-internal.h"
#include "openvswitch/util.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"
#include "vswitch-idl.h"

static void smap_view(const struct smap* src, struct fo_smap* dst) {
  const struct smap_node* node;
  size_t i = 0;

  dst->n = smap_count(src);
  dst->keys = xcalloc(dst->n + 1, sizeof *dst->keys);
  dst->values = xcalloc(dst->n + 1, sizeof *dst->values);
  SMAP_FOR_EACH(node, src) {
    dst->keys[i] = node->key;
    dst->values[i] = node->value;
    i++;
  }
}

static void smap_view_free(struct fo_smap* m) {
  free(m->keys);
  free(m->values);
}

static const char* nonnull(const char* s) { return s ? s : ""; }

static void iface_view(const struct ovsrec_interface* row, struct fo_db_iface* dst) {
  dst->name = nonnull(row->name);
  dst->type = nonnull(row->type);
  dst->mac = nonnull(row->mac);
  smap_view(&row->options, &dst->options);
  smap_view(&row->other_config, &dst->other_config);
  dst->ofport_request = row->ofport_request;
  dst->n_ofport_request = row->n_ofport_request;
  dst->mtu_request = row->mtu_request;
  dst->n_mtu_request = row->n_mtu_request;
  dst->ofport = row->ofport;
  dst->n_ofport = row->n_ofport;
}

static void port_view(const struct ovsrec_port* row, struct fo_db_port* dst) {
  size_t i;

  dst->name = nonnull(row->name);
  dst->tag = row->tag;
  dst->n_tag = row->n_tag;
  dst->trunks = row->trunks;
  dst->n_trunks = row->n_trunks;
  dst->vlan_mode = nonnull(row->vlan_mode);
  smap_view(&row->other_config, &dst->other_config);
  dst->n_ifaces = row->n_interfaces;
  dst->ifaces = xcalloc(row->n_interfaces + 1, sizeof *dst->ifaces);
  for (i = 0; i < row->n_interfaces; i++) {
    iface_view(row->interfaces[i], &dst->ifaces[i]);
  }
}

static void controller_view(const struct ovsrec_controller* row, struct fo_db_controller* dst) {
  dst->target = nonnull(row->target);
  dst->connection_mode = nonnull(row->connection_mode);
  dst->inactivity_probe = row->inactivity_probe;
  dst->n_inactivity_probe = row->n_inactivity_probe;
  dst->max_backoff = row->max_backoff;
  dst->n_max_backoff = row->n_max_backoff;
  smap_view(&row->other_config, &dst->other_config);
}

static const char** port_names(struct ovsrec_port** ports, size_t n) {
  const char** names = xcalloc(n + 1, sizeof *names);
  size_t i;

  for (i = 0; i < n; i++) {
    names[i] = nonnull(ports[i]->name);
  }
  return names;
}

static void mirror_view(const struct ovsrec_mirror* row, struct fo_db_mirror* dst) {
  dst->name = nonnull(row->name);
  dst->select_all = row->select_all;
  dst->select_src_port = port_names(row->select_src_port, row->n_select_src_port);
  dst->n_select_src_port = row->n_select_src_port;
  dst->select_dst_port = port_names(row->select_dst_port, row->n_select_dst_port);
  dst->n_select_dst_port = row->n_select_dst_port;
  dst->select_vlan = row->select_vlan;
  dst->n_select_vlan = row->n_select_vlan;
  dst->output_port = row->output_port ? nonnull(row->output_port->name) : "";
  dst->output_vlan = row->output_vlan;
  dst->n_output_vlan = row->n_output_vlan;
  dst->snaplen = row->snaplen;
  dst->n_snaplen = row->n_snaplen;
}

static void bridge_view(const struct ovsrec_bridge* row, struct fo_db_bridge* dst) {
  size_t i;

  dst->name = nonnull(row->name);
  dst->datapath_type = nonnull(row->datapath_type);
  dst->fail_mode = nonnull(row->fail_mode);
  smap_view(&row->other_config, &dst->other_config);
  smap_view(&row->external_ids, &dst->external_ids);
  dst->protocols = (const char* const*)row->protocols;
  dst->n_protocols = row->n_protocols;
  dst->n_ports = row->n_ports;
  dst->ports = xcalloc(row->n_ports + 1, sizeof *dst->ports);
  for (i = 0; i < row->n_ports; i++) {
    port_view(row->ports[i], &dst->ports[i]);
  }
  dst->n_controllers = row->n_controller;
  dst->controllers = xcalloc(row->n_controller + 1, sizeof *dst->controllers);
  for (i = 0; i < row->n_controller; i++) {
    controller_view(row->controller[i], &dst->controllers[i]);
  }
  dst->n_mirrors = row->n_mirrors;
  dst->mirrors = xcalloc(row->n_mirrors + 1, sizeof *dst->mirrors);
  for (i = 0; i < row->n_mirrors; i++) {
    mirror_view(row->mirrors[i], &dst->mirrors[i]);
  }
}

static void datapath_view(const char* name, const struct ovsrec_datapath* row,
                          struct fo_db_datapath* dst) {
  size_t i;

  dst->name = nonnull(name);
  dst->n_zones = row->n_ct_zones;
  dst->zones = xcalloc(row->n_ct_zones + 1, sizeof *dst->zones);
  for (i = 0; i < row->n_ct_zones; i++) {
    const struct ovsrec_ct_timeout_policy* tp = row->value_ct_zones[i]->timeout_policy;
    struct fo_db_ct_zone* z = &dst->zones[i];

    z->zone = row->key_ct_zones[i];
    z->has_policy = tp != NULL;
    if (tp) {
      z->n_timeouts = tp->n_timeouts;
      z->timeout_keys = (const char* const*)tp->key_timeouts;
      z->timeout_values = tp->value_timeouts;
    }
  }
}

struct fo_db_config* fo_db_config_get(const struct fo_db* db) {
  const struct ovsrec_open_vswitch* ovs;
  struct fo_db_config* cfg;
  size_t i;

  if (!ovsdb_idl_has_ever_connected(db->idl)) {
    return NULL;
  }
  ovs = ovsrec_open_vswitch_first(db->idl);
  if (!ovs) {
    return NULL;
  }
  cfg = xzalloc(sizeof *cfg);
  cfg->next_cfg = ovs->next_cfg;
  smap_view(&ovs->other_config, &cfg->other_config);
  smap_view(&ovs->external_ids, &cfg->external_ids);
  cfg->n_bridges = ovs->n_bridges;
  cfg->bridges = xcalloc(ovs->n_bridges + 1, sizeof *cfg->bridges);
  for (i = 0; i < ovs->n_bridges; i++) {
    bridge_view(ovs->bridges[i], &cfg->bridges[i]);
  }
  cfg->n_datapaths = ovs->n_datapaths;
  cfg->datapaths = xcalloc(ovs->n_datapaths + 1, sizeof *cfg->datapaths);
  for (i = 0; i < ovs->n_datapaths; i++) {
    datapath_view(ovs->key_datapaths[i], ovs->value_datapaths[i], &cfg->datapaths[i]);
  }
  return cfg;
}

void fo_db_config_free(struct fo_db_config* cfg) {
  size_t b, p, i;

  if (!cfg) {
    return;
  }
  for (b = 0; b < cfg->n_bridges; b++) {
    struct fo_db_bridge* br = &cfg->bridges[b];

    for (p = 0; p < br->n_ports; p++) {
      struct fo_db_port* port = &br->ports[p];

      for (i = 0; i < port->n_ifaces; i++) {
        smap_view_free(&port->ifaces[i].options);
        smap_view_free(&port->ifaces[i].other_config);
      }
      free(port->ifaces);
      smap_view_free(&port->other_config);
    }
    free(br->ports);
    for (i = 0; i < br->n_controllers; i++) {
      smap_view_free(&br->controllers[i].other_config);
    }
    free(br->controllers);
    for (i = 0; i < br->n_mirrors; i++) {
      free(br->mirrors[i].select_src_port);
      free(br->mirrors[i].select_dst_port);
    }
    free(br->mirrors);
    smap_view_free(&br->other_config);
    smap_view_free(&br->external_ids);
  }
  free(cfg->bridges);
  for (i = 0; i < cfg->n_datapaths; i++) {
    free(cfg->datapaths[i].zones);
  }
  free(cfg->datapaths);
  smap_view_free(&cfg->other_config);
  smap_view_free(&cfg->external_ids);
  free(cfg);
}
