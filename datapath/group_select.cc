#include "datapath/group_select.h"

#include "lib/ovs/group_hash.h"

namespace ferry {

namespace {

// OVS's group_best_live_bucket(): the live bucket with the highest
// (hash_int(bucket_id, basis) & 0xffff) * weight, the later one on a tie.
int best_live_bucket(const Group& g, const GroupSnapshot& groups, uint32_t basis) {
  int best = -1;
  uint32_t best_score = 0;
  for (size_t i = 0; i < g.buckets.size(); i++) {
    const Bucket& b = g.buckets[i];
    if (!bucket_live(g, b, groups)) continue;
    const uint32_t score = (ovs::hash_int(b.id, basis) & 0xffff) * b.weight;
    if (score >= best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  return best;
}

}  // namespace

bool bucket_live(const Group& g, const Bucket& b, const GroupSnapshot& groups, int depth) {
  if (depth >= kMaxLivenessDepth) return false;
  if (g.type == GroupType::kSelect && b.weight == 0) return false;
  if (!b.has_liveness()) return true;
  if (b.watch_port != kOfppNone && b.watch_port != kOfppController &&
      groups.port_live(b.watch_port))
    return true;
  if (b.watch_group != kGroupAny) {
    const Group* w = groups.find(b.watch_group);
    if (w && first_live_bucket(*w, groups, depth + 1) >= 0) return true;
  }
  return false;  // watch_port CONTROLLER: Ferry has no controller connection
}

int first_live_bucket(const Group& g, const GroupSnapshot& groups, int depth) {
  for (size_t i = 0; i < g.buckets.size(); i++) {
    if (bucket_live(g, g.buckets[i], groups, depth)) return static_cast<int>(i);
  }
  return -1;
}

int select_bucket(const Group& g, const GroupSnapshot& groups, const OfKey& flow, OfKey* wc) {
  switch (g.selection) {
    case Selection::kDpHash: {
      // The datapath hashes the packet and recirculates; the second pass
      // takes the first live bucket from hash_map[hash & mask] on.
      const uint32_t hash = ovs::dp_hash(flow, g.dp_hash_alg, g.dp_hash_basis, wc);
      const size_t n = g.hash_map.size();
      for (size_t i = 0; i < n; i++) {
        const uint16_t b = g.hash_map[(hash + i) & (n - 1)];
        if (bucket_live(g, g.buckets[b], groups)) return b;
      }
      return -1;
    }
    case Selection::kHashFields:
      return best_live_bucket(g, groups, ovs::fields_hash(flow, g.props, wc));
    case Selection::kDefault:
      break;
  }
  return best_live_bucket(g, groups, ovs::symmetric_l4_hash(flow, wc));
}

}  // namespace ferry
