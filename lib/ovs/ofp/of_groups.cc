// Groups between Ferry's structs (lib/flow/group.h) and the C side's
// (fo-group.c).
#include <algorithm>
#include <cstring>

#include "lib/ovs/ofp/fo-reply.h"
#include "lib/ovs/ofp/of_convert.h"

namespace ferry::ovs {

namespace {

// A group's buckets and properties in the C side's struct; the actions
// point into `acts` (which must outlive the result).
fo_group_mod group_to_fo(const GroupMod& g, std::vector<std::vector<fo_action>>* acts,
                         std::vector<fo_bucket>* buckets) {
  fo_group_mod out{};
  out.command = static_cast<uint16_t>(g.command);
  out.type = static_cast<uint8_t>(g.type);
  out.group_id = g.group_id;
  out.command_bucket_id = g.command_bucket_id;
  std::strncpy(out.selection_method, g.props.selection_method.c_str(),
               sizeof out.selection_method - 1);
  out.selection_method_param = g.props.selection_method_param;
  for (const GroupHashField& f : g.props.fields) {
    if (out.n_fields >= FO_MAX_HASH_FIELDS) break;
    fo_hash_field& h = out.fields[out.n_fields++];
    h.id = f.ovs_id;
    h.n_bytes = f.n_bytes;
    std::memcpy(h.mask, f.mask.data(), sizeof h.mask);
  }
  for (const Bucket& b : g.buckets) {
    acts->emplace_back();
    append_fo(b.actions, &acts->back());
    fo_bucket fb{};
    fb.bucket_id = b.id;
    fb.weight = b.weight;
    fb.watch_port = b.watch_port;
    fb.watch_group = b.watch_group;
    fb.actions = acts->back().data();
    fb.n_actions = acts->back().size();
    buckets->push_back(fb);
  }
  out.buckets = nullptr;  // set by the caller once `buckets` stops growing
  out.n_buckets = g.buckets.size();
  return out;
}

}  // namespace

GroupMod group_mod_from_fo(const fo_group_mod& gm) {
  GroupMod out;
  out.command = static_cast<GroupModCommand>(gm.command);
  out.type = static_cast<GroupType>(gm.type);
  out.group_id = gm.group_id;
  out.command_bucket_id = gm.command_bucket_id;
  const char* end =
      static_cast<const char*>(std::memchr(gm.selection_method, '\0', sizeof gm.selection_method));
  out.props.selection_method = std::string(
      gm.selection_method, end ? end - gm.selection_method : sizeof gm.selection_method);
  out.props.selection_method_param = gm.selection_method_param;
  for (uint16_t i = 0; i < gm.n_fields && i < FO_MAX_HASH_FIELDS; i++) {
    GroupHashField f;
    f.ovs_id = gm.fields[i].id;
    f.n_bytes = gm.fields[i].n_bytes;
    std::memcpy(f.mask.data(), gm.fields[i].mask, f.mask.size());
    out.props.fields.push_back(f);
  }
  for (size_t i = 0; i < gm.n_buckets; i++) {
    const fo_bucket& fb = gm.buckets[i];
    Bucket b;
    b.id = fb.bucket_id;
    b.weight = fb.weight;
    b.watch_port = fb.watch_port;
    b.watch_group = fb.watch_group;
    b.actions = from_fo(fb.actions, fb.n_actions);
    out.buckets.push_back(std::move(b));
  }
  return out;
}

void send_group_stats(fo_conn* conn, const void* req, const std::vector<OfGroupStats>& groups) {
  std::vector<std::vector<uint64_t>> counts(groups.size());
  std::vector<fo_group_stats> fo(groups.size());
  for (size_t i = 0; i < groups.size(); i++) {
    const OfGroupStats& s = groups[i];
    for (const auto& [p, b] : s.buckets) {
      counts[i].push_back(p);
      counts[i].push_back(b);
    }
    fo[i] = fo_group_stats{s.group_id,     s.ref_count,     s.packets,        s.bytes,
                           s.duration_sec, s.duration_nsec, counts[i].data(), s.buckets.size()};
  }
  fo_send_group_stats_reply(conn, req, fo.data(), fo.size());
}

void send_group_desc(fo_conn* conn, const void* req, const std::vector<GroupMod>& groups) {
  std::vector<std::vector<std::vector<fo_action>>> acts(groups.size());
  std::vector<std::vector<fo_bucket>> buckets(groups.size());
  std::vector<fo_group_mod> fo(groups.size());
  for (size_t i = 0; i < groups.size(); i++) {
    acts[i].reserve(groups[i].buckets.size());  // bucket action pointers stay valid
    fo[i] = group_to_fo(groups[i], &acts[i], &buckets[i]);
    fo[i].buckets = buckets[i].data();
  }
  fo_send_group_desc_reply(conn, req, fo.data(), fo.size());
}

}  // namespace ferry::ovs
