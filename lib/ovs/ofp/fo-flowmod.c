/* struct ofputil_flow_mod -> Ferry's flow_mod, and the flow_mod flags. */
#include <string.h>

#include "byte-order.h"
#include "lib/ovs/ofp/fo-internal.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-group.h"
#include "util.h"

static const struct {
  uint16_t fo;
  enum ofputil_flow_mod_flags ovs;
} flag_map[] = {
    {FO_FF_SEND_FLOW_REM, OFPUTIL_FF_SEND_FLOW_REM},
    {FO_FF_CHECK_OVERLAP, OFPUTIL_FF_CHECK_OVERLAP},
    {FO_FF_RESET_COUNTS, OFPUTIL_FF_RESET_COUNTS},
    {FO_FF_NO_PKT_COUNTS, OFPUTIL_FF_NO_PKT_COUNTS},
    {FO_FF_NO_BYT_COUNTS, OFPUTIL_FF_NO_BYT_COUNTS},
};

uint16_t fo_flags_from_ovs(enum ofputil_flow_mod_flags flags) {
  uint16_t out = 0;
  for (size_t i = 0; i < ARRAY_SIZE(flag_map); i++) {
    if (flags & flag_map[i].ovs) {
      out |= flag_map[i].fo;
    }
  }
  return out;
}

enum ofputil_flow_mod_flags fo_flags_to_ovs(uint16_t flags) {
  enum ofputil_flow_mod_flags out = 0;
  for (size_t i = 0; i < ARRAY_SIZE(flag_map); i++) {
    if (flags & flag_map[i].fo) {
      out |= flag_map[i].ovs;
    }
  }
  return out;
}

void fo_port_map_init(struct ofputil_port_map* map, const struct fo_port_name* ports, size_t n) {
  ofputil_port_map_init(map);
  for (size_t i = 0; i < n; i++) {
    ofputil_port_map_put(map, u16_to_ofp(ports[i].port), ports[i].name);
  }
}

/* Cookies: an add carries the new rule's cookie in both 'cookie' and
 * 'new_cookie' (cookie_mask 0). A modify carries the cookie filter in
 * cookie/cookie_mask and, when it changes the rules' cookie, the new one in
 * 'new_cookie' (UINT64_MAX otherwise). A delete carries only the filter. */
static void convert_cookies(const struct ofputil_flow_mod* fm, struct fo_flow_mod* out) {
  if (fm->command == OFPFC_ADD) {
    out->cookie = out->new_cookie = ntohll(fm->new_cookie);
    out->cookie_mask = 0;
    return;
  }
  out->cookie = ntohll(fm->cookie);
  out->cookie_mask = ntohll(fm->cookie_mask);
  bool modify = fm->command == OFPFC_MODIFY || fm->command == OFPFC_MODIFY_STRICT;
  out->new_cookie =
      (modify && fm->modify_cookie && fm->new_cookie != OVS_BE64_MAX ? ntohll(fm->new_cookie)
                                                                     : UINT64_MAX);
}

enum ofperr fo_flow_mod_from_ovs(const struct ofputil_flow_mod* fm, struct fo_flow_mod* out,
                                 char** errp) {
  enum ofperr error;

  memset(out, 0, sizeof *out);
  *errp = NULL;

  if (fm->command > OFPFC_DELETE_STRICT) {
    *errp = xasprintf("unknown flow_mod command %d", fm->command);
    return OFPERR_OFPFMFC_BAD_COMMAND;
  }
  out->command = fm->command;

  /* Tables 0-254: an add to 0xff (OpenFlow 1.0's "any") goes to table 0; a
   * modify or delete to 0xff means every table. */
  out->table_id = fm->table_id;
  if (fm->command == OFPFC_ADD && fm->table_id == 0xff) {
    out->table_id = 0;
  }
  if (fm->buffer_id != UINT32_MAX) {
    *errp = xasprintf("Ferry does not buffer packets (buffer_id %" PRIu32 ")", fm->buffer_id);
    return OFPERR_OFPBRC_BUFFER_UNKNOWN;
  }
  if (fm->out_group != OFPG_ANY) {
    *errp = xasprintf("Ferry has no groups (out_group %" PRIu32 ")", fm->out_group);
    return OFPERR_OFPGMFC_UNKNOWN_GROUP;
  }

  struct match match;
  minimatch_expand(&fm->match, &match);
  error = fo_match_from_ovs(&match, &out->match, errp);
  if (error) {
    return error;
  }
  error =
      fo_actions_from_ofpacts(fm->ofpacts, fm->ofpacts_len, &out->actions, &out->n_actions, errp);
  if (error) {
    return error;
  }

  out->priority = fm->priority;
  convert_cookies(fm, out);
  out->idle_timeout = fm->idle_timeout;
  out->hard_timeout = fm->hard_timeout;
  out->out_port = ofp_to_u16(fm->out_port);
  out->flags = fo_flags_from_ovs(fm->flags);
  return 0;
}
