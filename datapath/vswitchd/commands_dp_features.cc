// dpif/show-dp-features, dpif/set-dp-features: what Ferry's datapath
// supports, in ovs-vswitchd's names and format; dpctl/ipf-*: the
// fragment-reassembly module of OVS's userspace conntrack, which Ferry
// does not have (fragments are forwarded as they are), answered as OVS
// answers for a datapath without it.
//
// Keep kFeatures true as the datapath grows (a feature Ferry executes is
// "true"): scripts written for OVS skip what is "No" here.
#include <strings.h>

#include <cstdint>
#include <string>
#include <vector>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/ovs/process.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

struct Feature {
  const char* name;   // dpif/set-dp-features' name
  const char* title;  // dpif/show-dp-features' title
  bool is_bool;
  uint64_t supported;  // Ferry's datapath ("boot time"): 0/1, or a count
};

// In the order ovs-vswitchd 3.1 shows them.
constexpr Feature kFeatures[] = {
    {"masked_set_action", "Masked set action", true, 0},
    {"tnl_push_pop", "Tunnel push pop", true, 0},
    {"ufid", "Ufid", true, 0},
    {"trunc", "Truncate action", true, 1},  // output(port,max_len)
    {"clone", "Clone action", true, 1},
    {"sample_nesting", "Sample nesting", false, 0},
    {"ct_eventmask", "Conntrack eventmask", true, 0},
    {"ct_clear", "Conntrack clear", true, 1},
    {"max_hash_alg", "Max dp_hash algorithm", false, 0},
    {"check_pkt_len", "Check pkt length action", true, 0},
    {"ct_timeout", "Conntrack timeout policy", true, 1},  // CT_Zone policies (ct_zones.cc)
    {"explicit_drop_action", "Explicit Drop action", true, 0},
    {"lb_output_action", "Optimized Balance TCP mode", true, 0},
    {"ct_zero_snat", "Conntrack all-zero IP SNAT", true, 0},
    {"add_mpls", "MPLS Label add", true, 0},
    {"max_vlan_headers", "Max VLAN headers", false, 1},  // one 802.1Q/802.1ad tag
    {"max_mpls_depth", "Max MPLS depth", false, 3},      // FlowKey::kMplsLabels, as OVS
    {"recirc", "Recirc", true, 1},
    {"ct_state", "CT state", true, 1},
    {"ct_zone", "CT zone", true, 1},
    {"ct_mark", "CT mark", true, 1},
    {"ct_label", "CT label", true, 1},
    {"ct_state_nat", "CT state NAT", true, 1},
    {"ct_orig_tuple", "CT orig tuple", true, 1},
    {"ct_orig_tuple6", "CT orig tuple for IPv6", true, 1},
    {"nd_ext", "IPv6 ND Extension", true, 0},
};

std::string value_text(const Feature& f, uint64_t v, bool yes_no) {
  if (!f.is_bool) return std::to_string(v);
  if (yes_no) return v ? "Yes" : "No";
  return v ? "true" : "false";
}

uint64_t runtime(Vswitchd& d, const Feature& f) {
  auto it = d.dp_features_runtime().find(f.name);
  return it == d.dp_features_runtime().end() ? f.supported : it->second;
}

std::string field_line(Vswitchd& d, const Feature& f) {
  return strprintf("%s (%s) : [run time]:%s, [boot time]:%s\n", f.name, f.title,
                   value_text(f, runtime(d, f), false).c_str(),
                   value_text(f, f.supported, false).c_str());
}

void show_dp_features(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!d.bridge(a.back())) return r->error("no such bridge");
  std::string out;
  for (const Feature& f : kFeatures)
    out += strprintf("%s: %s\n", f.title, value_text(f, f.supported, true).c_str());
  r->ok(out);
}

// As ovs-vswitchd: a feature can be turned down at run time, never above
// what the datapath supports; the answers to a bad request are replies.
void set_dp_features(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!d.bridge(a[0])) return r->error("no such bridge");
  if (a.size() == 1) {
    std::string out;
    for (const Feature& f : kFeatures) out += field_line(d, f);
    return r->ok(out);
  }
  const Feature* f = nullptr;
  for (const Feature& x : kFeatures) {
    if (a[1] == x.name) f = &x;
  }
  if (!f) return r->ok("Unexpected support field");
  if (a.size() == 2) return r->ok(field_line(d, *f));
  const std::string& v = a[2];
  if (f->is_bool) {
    if (strcasecmp(v.c_str(), "true") == 0) {
      if (!f->supported) return r->ok("Can not enable features not supported by the datapth");
      d.dp_features_runtime()[f->name] = 1;
    } else if (strcasecmp(v.c_str(), "false") == 0) {
      d.dp_features_runtime()[f->name] = 0;
    } else {
      return r->ok("Boolean value expected");
    }
    return r->ok("");
  }
  auto n = parse_u64(v);
  if (!n)
    return r->ok(v.size() && v[0] == '-' ? "Negative number not expected"
                                         : "Integer number expected");
  if (*n > f->supported) return r->ok("Can not set value beyond the datapath capability");
  d.dp_features_runtime()[f->name] = *n;
  r->ok("");
}

// dpctl's error convention: "PROGRAM: WHAT (REASON)".
void no_ipf(const ReplyPtr& r, const std::string& what) {
  r->error(ovs::program_name() + ": " + what + " (Operation not supported)");
}

bool v4_or_v6(const std::string& s) { return s == "v4" || s == "v6"; }

}  // namespace

ovs::StringMap datapath_capabilities(Vswitchd& d) {
  ovs::StringMap caps;
  for (const Feature& f : kFeatures) caps[f.name] = value_text(f, runtime(d, f), false);
  caps["ct_flush"] = "true";  // NXT_CT_FLUSH and dpctl/flush-conntrack's tuples, as OVS
  return caps;
}

void register_dp_features_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"dpif/show-dp-features", "bridge", 1, 1, bind(show_dp_features)},
      {"dpif/set-dp-features", "bridge", 1, 3, bind(set_dp_features)},
      {"dpctl/ipf-get-status", "[dp]", 0, 1,
       [](const Args&, const ReplyPtr& r) { no_ipf(r, "ipf status could not be retrieved"); }},
      {"dpctl/ipf-set-enabled", "[dp] v4|v6", 1, 2,
       [](const Args& a, const ReplyPtr& r) {
         if (!v4_or_v6(a.back()))
           return r->error(ovs::program_name() +
                           ": parameter missing: 'v4' for IPv4 or 'v6' for IPv6 (Invalid "
                           "argument)");
         no_ipf(r, "enabling fragmentation reassembly failed");
       }},
      {"dpctl/ipf-set-disabled", "[dp] v4|v6", 1, 2,
       [](const Args& a, const ReplyPtr& r) {
         if (!v4_or_v6(a.back()))
           return r->error(ovs::program_name() +
                           ": parameter missing: 'v4' for IPv4 or 'v6' for IPv6 (Invalid "
                           "argument)");
         no_ipf(r, "disabling fragmentation reassembly failed");
       }},
      {"dpctl/ipf-set-min-frag", "[dp] v4|v6 minfragment", 2, 3,
       [](const Args& a, const ReplyPtr& r) {
         if (!v4_or_v6(a[a.size() - 2]))
           return r->error(ovs::program_name() +
                           ": parameter missing: v4 for IPv4 or v6 for IPv6 (Invalid argument)");
         no_ipf(r, "setting minimum fragment size failed");
       }},
      {"dpctl/ipf-set-max-nfrags", "[dp] maxfrags", 1, 2,
       [](const Args&, const ReplyPtr& r) { no_ipf(r, "setting maximum fragments failed"); }},
      // OVS deletes its datapath flows after pushing their statistics to
      // the rules. Ferry credits every megaflow's packets to its rules now
      // (what OpenFlow sees); the megaflows themselves stay.
      {"revalidator/purge", "", 0, 0,
       [&d](const Args&, const ReplyPtr& r) {
         if (Datapath* dp = d.datapath()) dp->sync_stats();
         r->ok("");
       }},
  });
}

}  // namespace ferry
