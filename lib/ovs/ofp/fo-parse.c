/* ovs-ofctl's flow syntax, through libopenvswitch's own parser and
 * formatter. */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-protocol.h"
#include "util.h"

void fo_ofp_free(void* p) { free(p); }

char* fo_parse_flow(const char* text, const struct fo_port_name* ports, size_t n_ports,
                    struct fo_flow_key* key) {
  struct ofputil_port_map map;
  struct flow flow;
  struct flow_wildcards wc;

  fo_port_map_init(&map, ports, n_ports);
  char* error = parse_ofp_exact_flow(&flow, &wc, NULL, text, &map);
  ofputil_port_map_destroy(&map);
  if (error) {
    return error;
  }

  struct match m;
  struct fo_match fm;
  match_init(&m, &flow, &wc);
  if (fo_match_from_ovs(&m, &fm, &error)) {
    return error;
  }
  /* A packet enters the pipeline with its metadata zero. */
  struct fo_of_key md_mask = fm.mask;
  memset(&md_mask.pkt, 0, sizeof md_mask.pkt);
  if (!is_all_zeros(&md_mask, sizeof md_mask)) {
    struct ds s = DS_EMPTY_INITIALIZER;
    match_format(&m, NULL, &s, OFP_DEFAULT_PRIORITY);
    char* msg = xasprintf("%s: packets enter the pipeline with metadata, registers and pkt_mark "
                          "zero; trace them without these fields",
                          ds_cstr(&s));
    ds_destroy(&s);
    return msg;
  }
  *key = fm.key.pkt; /* pre-masked: fields not given are zero */
  return NULL;
}

char* fo_parse_flow_mod(const char* text, int command, const struct fo_port_name* ports,
                        size_t n_ports, struct fo_flow_mod* out) {
  struct ofputil_port_map map;
  struct ofputil_flow_mod fm;
  enum ofputil_protocol usable;

  memset(out, 0, sizeof *out);
  if (command < FO_ADD || command > FO_DELETE_STRICT) {
    return xasprintf("unknown flow_mod command %d", command);
  }
  fo_port_map_init(&map, ports, n_ports);
  char* error = parse_ofp_flow_mod_str(&fm, text, &map, NULL, command, &usable);
  ofputil_port_map_destroy(&map);
  if (error) {
    return error;
  }

  enum ofperr err = fo_flow_mod_from_ovs(&fm, out, &error);
  free(CONST_CAST(struct ofpact*, fm.ofpacts));
  minimatch_destroy(&fm.match);
  if (err) {
    free(out->actions);
    out->actions = NULL;
    out->n_actions = 0;
    return error ? error : xstrdup(ofperr_to_string(err));
  }
  return NULL;
}

char* fo_format_match(const struct fo_match* fm, uint16_t priority,
                      const struct fo_port_name* ports, size_t n_ports) {
  struct ofputil_port_map map;
  struct ds s = DS_EMPTY_INITIALIZER;
  struct match m;

  fo_port_map_init(&map, ports, n_ports);
  fo_match_to_ovs(fm, &m);
  match_format(&m, &map, &s, priority);
  ofputil_port_map_destroy(&map);
  return ds_steal_cstr(&s);
}

char* fo_format_actions(const struct fo_action* acts, size_t n, const struct fo_port_name* ports,
                        size_t n_ports) {
  struct ofputil_port_map map;
  struct ds s = DS_EMPTY_INITIALIZER;
  struct ofpbuf ofpacts;

  ofpbuf_init(&ofpacts, 64);
  fo_actions_to_ofpacts(acts, n, NULL, &ofpacts);
  fo_port_map_init(&map, ports, n_ports);
  struct ofpact_format_params fp = {.port_map = &map, .s = &s};
  ofpacts_format(ofpacts.data, ofpacts.size, &fp);
  ofputil_port_map_destroy(&map);
  ofpbuf_uninit(&ofpacts);
  return ds_steal_cstr(&s);
}
