/* The hashes ovs-vswitchd's translation uses to pick a select group's
 * bucket, computed by libopenvswitch itself so that Ferry picks the same
 * bucket for the same packet. Plain C types only (struct fo_of_key is
 * ferry::OfKey, see lib/ovs/ofp/fo-ofp.h; struct fo_hash_field is a select
 * group's, lib/ovs/ofp/fo-msg.h). Nothing here allocates. */
#ifndef FERRY_LIB_OVS_HASH_FO_HASH_H
#define FERRY_LIB_OVS_HASH_FO_HASH_H 1

#include <stddef.h>
#include <stdint.h>

#include "lib/ovs/ofp/fo-msg.h"
#include "lib/ovs/ofp/fo-ofp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The datapath's hash action: alg 1 (OVS_HASH_ALG_SYM_L4) is
 * flow_hash_symmetric_l3l4(flow, basis, false), alg 0 (OVS_HASH_ALG_L4)
 * flow_hash_5tuple(flow, basis). ORs the bits it reads into '*wc'. */
uint32_t fo_hash_dp(const struct fo_of_key* flow, int alg, uint32_t basis, struct fo_of_key* wc);
/* flow_hash_symmetric_l4(flow, 0), with flow_mask_hash_fields(SYMMETRIC_L4). */
uint32_t fo_hash_symmetric_l4(const struct fo_of_key* flow, struct fo_of_key* wc);
/* selection_method=hash: the fields (OVS field ids, masks of n_bytes each)
 * hashed as pick_hash_fields_select_group() does, from
 * hash_uint64(param); fields whose prerequisites the flow does not meet are
 * skipped. */
uint32_t fo_hash_fields(const struct fo_of_key* flow, const struct fo_hash_field* fields, size_t n,
                        uint64_t param, struct fo_of_key* wc);
/* The link multipath(fields, basis, algorithm, max_link + 1 links, arg)
 * picks for the flow (lib/multipath.c's multipath_execute()). */
uint32_t fo_multipath(const struct fo_of_key* flow, int fields, uint16_t basis, int algorithm,
                      uint16_t max_link, uint32_t arg, struct fo_of_key* wc);
/* hash_int(x, basis). */
uint32_t fo_hash_int(uint32_t x, uint32_t basis);
/* True when OVS knows the field and Ferry's flow holds it (for group_mods). */
int fo_hash_field_supported(uint16_t id);
/* The field named 'name', all ones; 0 when OVS has no such field. */
int fo_hash_field_by_name(const char* name, struct fo_hash_field* out);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_HASH_FO_HASH_H */
