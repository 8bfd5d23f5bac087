/* NXT_TLV_TABLE_MOD and NXT_TLV_TABLE_REQUEST/REPLY: the bridge's map of
 * Geneve options to tun_metadata fields (ovs-ofctl add-tlv-map,
 * dump-tlv-map; ovn-controller maps its option at start). */
#include <string.h>

#include "lib/ovs/ofp/fo-internal.h"
#include "lib/ovs/ofp/fo-reply.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-match.h"
#include "openvswitch/list.h"
#include "util.h"

enum ofperr fo_decode_tlv_table_mod(const struct ofp_header* oh, struct fo_tlv_mod* out) {
  struct ofputil_tlv_table_mod ttm;
  memset(out, 0, sizeof *out);
  enum ofperr error = ofputil_decode_tlv_table_mod(oh, &ttm);
  if (error) {
    return error;
  }
  out->command = ttm.command == NXTTMC_ADD      ? FO_TLV_ADD
                 : ttm.command == NXTTMC_DELETE ? FO_TLV_DELETE
                                                : FO_TLV_CLEAR;
  size_t n = ovs_list_size(&ttm.mappings);
  out->maps = n ? xcalloc(n, sizeof *out->maps) : NULL;
  const struct ofputil_tlv_map* map;
  LIST_FOR_EACH (map, list_node, &ttm.mappings) {
    struct fo_tlv_map* m = &out->maps[out->n++];
    m->option_class = map->option_class;
    m->option_type = map->option_type;
    m->option_len = map->option_len;
    m->index = map->index;
  }
  ofputil_uninit_tlv_table(&ttm.mappings);
  return 0;
}

void fo_send_tlv_table_reply(struct fo_conn* c, const void* req, const struct fo_tlv_map* maps,
                             size_t n, uint32_t max_option_space, uint16_t max_fields) {
  if (!fo_check_reply_type(req, OFPTYPE_NXT_TLV_TABLE_REQUEST)) {
    return;
  }
  struct ofputil_tlv_table_reply ttr;
  ttr.max_option_space = max_option_space;
  ttr.max_fields = max_fields;
  ovs_list_init(&ttr.mappings);
  for (size_t i = 0; i < n; i++) {
    struct ofputil_tlv_map* map = xzalloc(sizeof *map);
    map->option_class = maps[i].option_class;
    map->option_type = maps[i].option_type;
    map->option_len = maps[i].option_len;
    map->index = maps[i].index;
    ovs_list_push_back(&ttr.mappings, &map->list_node);
  }
  fo_conn_send(c, ofputil_encode_tlv_table_reply(req, &ttr));
  ofputil_uninit_tlv_table(&ttr.mappings);
}
