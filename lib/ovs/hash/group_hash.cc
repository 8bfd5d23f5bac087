#include "lib/ovs/group_hash.h"

#include <cstring>

#include "lib/ovs/hash/fo-hash.h"

namespace ferry::ovs {

namespace {

const fo_of_key* fo(const OfKey& k) { return reinterpret_cast<const fo_of_key*>(&k); }
fo_of_key* fo(OfKey* k) { return reinterpret_cast<fo_of_key*>(k); }
static_assert(sizeof(OfKey) == sizeof(fo_of_key), "OfKey is fo_of_key");

}  // namespace

uint32_t dp_hash(const OfKey& flow, uint8_t alg, uint32_t basis, OfKey* wc) {
  return fo_hash_dp(fo(flow), alg, basis, fo(wc));
}

uint32_t symmetric_l4_hash(const OfKey& flow, OfKey* wc) {
  return fo_hash_symmetric_l4(fo(flow), fo(wc));
}

uint32_t fields_hash(const OfKey& flow, const GroupProps& props, OfKey* wc) {
  fo_hash_field f[kMaxHashFields];
  size_t n = 0;
  for (const GroupHashField& h : props.fields) {
    if (n == kMaxHashFields) break;
    f[n].id = h.ovs_id;
    f[n].n_bytes = h.n_bytes;
    std::memcpy(f[n].mask, h.mask.data(), sizeof f[n].mask);
    n++;
  }
  return fo_hash_fields(fo(flow), f, n, props.selection_method_param, fo(wc));
}

uint32_t hash_int(uint32_t x, uint32_t basis) { return fo_hash_int(x, basis); }

uint32_t multipath_link(const OfKey& flow, int fields, uint16_t basis, int algorithm,
                        uint16_t max_link, uint32_t arg, OfKey* wc) {
  return fo_multipath(fo(flow), fields, basis, algorithm, max_link, arg, fo(wc));
}

bool hash_field_supported(uint16_t ovs_id) { return fo_hash_field_supported(ovs_id) != 0; }

std::optional<GroupHashField> hash_field_by_name(const std::string& name) {
  fo_hash_field f;
  if (!fo_hash_field_by_name(name.c_str(), &f)) return std::nullopt;
  GroupHashField out;
  out.ovs_id = f.id;
  out.n_bytes = f.n_bytes;
  std::memcpy(out.mask.data(), f.mask, out.mask.size());
  return out;
}

}  // namespace ferry::ovs
