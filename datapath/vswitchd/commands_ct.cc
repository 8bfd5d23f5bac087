// dpctl/*conntrack* and dpctl/ct-*: the datapath's connection tracker
// (lib/conntrack/), with ovs-vswitchd's command names, arguments and
// output (lib/dpctl.c).
#include <arpa/inet.h>
#include <errno.h>

#include <optional>
#include <string>
#include <vector>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

ct::Conntrack* tracker(Vswitchd& d, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) {
    r->error("DPDK is not initialized");
    return nullptr;
  }
  return &dp->conntrack();
}

// The optional leading datapath name ("netdev@ovs-netdev", "ovs-netdev",
// "system@ovs-system"): Ferry has one datapath, any name selects it.
size_t skip_dp(const Args& a) {
  return !a.empty() && a[0].find('=') == std::string::npos &&
                 (a[0].find('@') != std::string::npos || a[0].rfind("ovs-", 0) == 0)
             ? 1
             : 0;
}

// An error as OVS's dpctl words it: "PROGRAM: MESSAGE (Invalid argument)"
// (dpctl_error with EINVAL; PROGRAM is the name the daemon was started
// under, ovs-vswitchd's own when it stands in for it).
void dpctl_einval(const ReplyPtr& r, const std::string& msg) {
  r->error(std::string(program_invocation_short_name) + ": " + msg + " (Invalid argument)");
}

// OVS's opt_dpif_open: with all `max` arguments given, the first names the
// datapath; a name that is not one of Ferry's (see skip_dp) is not found.
bool dp_arg_ok(const Args& a, size_t max, const ReplyPtr& r) {
  if (a.size() < max || skip_dp(a)) return true;
  dpctl_einval(r, "datapath not found");
  return false;
}

std::optional<uint16_t> parse_zone(const std::string& s) {
  if (s.rfind("zone=", 0) != 0) return std::nullopt;
  auto v = parse_u64(s.substr(5));
  if (!v || *v > 65535) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

void dump_conntrack(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  bool verbose = false, stats = false;
  std::optional<uint16_t> zone;
  for (size_t i = skip_dp(args); i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "-m" || a == "--more") {
      verbose = true;
    } else if (a == "-s" || a == "--statistics") {
      stats = true;
    } else if (auto z = parse_zone(a)) {
      zone = z;
    } else {
      return r->error("dpctl/dump-conntrack: invalid argument " + a);
    }
  }
  std::string out;
  const uint16_t z = zone ? *zone : 0;
  ct->dump(
      zone ? &z : nullptr,
      [&](const ct::ConnInfo& c) { out += ct::Conntrack::format(c, verbose, stats) + "\n"; },
      static_cast<uint64_t>(monotonic_ms()));
  r->ok(out);
}

// OVS's ct tuple syntax (ofp_ct_tuple_parse): ct_nw_src=,ct_nw_dst=,
// ct_ipv6_src=,ct_ipv6_dst=,ct_nw_proto=,ct_tp_src=,ct_tp_dst=,
// icmp_type=,icmp_code=,icmp_id=.
Result<ct::Tuple> parse_tuple(const std::string& s) {
  ct::Tuple t;
  for (const std::string& kv : split(s, ",")) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) return make_error("invalid conntrack tuple field: " + kv);
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "ct_nw_src" || k == "ct_nw_dst") {
      uint8_t* dst = k == "ct_nw_src" ? t.src.b : t.dst.b;
      if (inet_pton(AF_INET, v.c_str(), dst) != 1) return make_error("failed to parse field " + k);
    } else if (k == "ct_ipv6_src" || k == "ct_ipv6_dst") {
      uint8_t* dst = k == "ct_ipv6_src" ? t.src.b : t.dst.b;
      if (inet_pton(AF_INET6, v.c_str(), dst) != 1) return make_error("failed to parse field " + k);
      t.ipv6 = true;
    } else {
      auto n = parse_u64(v);
      if (!n || *n > 65535) return make_error("failed to parse field " + k);
      if (k == "ct_nw_proto") {
        t.proto = static_cast<uint8_t>(*n);
      } else if (k == "ct_tp_src") {
        t.sport = static_cast<uint16_t>(*n);
      } else if (k == "ct_tp_dst") {
        t.dport = static_cast<uint16_t>(*n);
      } else if (k == "icmp_id") {
        t.icmp_id = static_cast<uint16_t>(*n);
      } else if (k == "icmp_type") {
        t.icmp_type = static_cast<uint8_t>(*n);
      } else if (k == "icmp_code") {
        t.icmp_code = static_cast<uint8_t>(*n);
      } else {
        return make_error("invalid conntrack tuple field: " + k);
      }
    }
  }
  return t;
}

void flush_conntrack(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  size_t i = skip_dp(args);
  std::optional<uint16_t> zone;
  if (i < args.size() && args[i].rfind("zone=", 0) == 0) {
    zone = parse_zone(args[i]);
    if (!zone) return r->error("failed to parse zone");
    i++;
  }
  ct::CtMatch match;
  bool any = false;
  for (int k = 0; k < 2 && i < args.size(); k++, i++) {
    if (args[i].empty()) continue;
    auto t = parse_tuple(args[i]);
    if (!t) return r->error(t.error().message);
    (k ? match.reply : match.orig) = *t;
    if (t->proto) match.proto = t->proto;
    match.l3 = t->ipv6 ? 6 : 4;
    any = true;
  }
  if (i < args.size()) return r->error("invalid arguments");
  const uint16_t z = zone ? *zone : 0;
  auto n = any ? ct->flush(zone ? &z : nullptr, match) : ct->flush(zone ? &z : nullptr, nullptr);
  if (!n) return r->error("failed to flush conntrack (" + n.error().message + ")");
  r->ok("");
}

void ct_stats_show(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  bool verbose = false;
  std::optional<uint16_t> zone;
  for (size_t i = skip_dp(args); i < args.size(); i++) {
    if (args[i] == "verbose" || args[i] == "-m" || args[i] == "--more") {
      verbose = true;
    } else if (auto z = parse_zone(args[i])) {
      zone = z;
    } else {
      return r->error("dpctl/ct-stats-show: invalid argument " + args[i]);
    }
  }
  const uint16_t z = zone ? *zone : 0;
  r->ok(ct->stats_show(zone ? &z : nullptr, verbose, static_cast<uint64_t>(monotonic_ms())));
}

void ct_set_maxconns(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct || !dp_arg_ok(args, 2, r)) return;
  auto n = args.empty() ? std::nullopt : parse_u64(args.back());
  if (!n || *n > UINT32_MAX) return dpctl_einval(r, "maxconns missing or malformed");
  ct->set_max_conns(static_cast<uint32_t>(*n));
  r->ok("setting maxconns successful");
}

void ct_get_maxconns(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  if (!dp_arg_ok(args, 1, r)) return;
  if (ct::Conntrack* ct = tracker(d, r)) r->ok(strprintf("%u\n", ct->max_conns()));
}

void ct_get_nconns(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  if (!dp_arg_ok(args, 1, r)) return;
  if (ct::Conntrack* ct = tracker(d, r)) r->ok(strprintf("%zu\n", ct->nconns()));
}

void ct_set_tcp_seq_chk(Vswitchd& d, bool on, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  ct->set_tcp_seq_check(on);
  r->ok(strprintf("%s TCP sequence checking successful", on ? "enabling" : "disabling"));
}

void ct_get_tcp_seq_chk(Vswitchd& d, const Args&, const ReplyPtr& r) {
  if (ct::Conntrack* ct = tracker(d, r))
    r->ok(strprintf("TCP sequence checking: %s\n", ct->tcp_seq_check() ? "enabled" : "disabled"));
}

// zone=N,limit=M (ct_dpif_parse_zone_limit_tuple).
bool parse_zone_limit(const std::string& s, uint16_t* zone, uint32_t* limit) {
  std::optional<uint64_t> z, l;
  for (const std::string& kv : split(s, ",")) {
    if (kv.rfind("zone=", 0) == 0) z = parse_u64(kv.substr(5));
    if (kv.rfind("limit=", 0) == 0) l = parse_u64(kv.substr(6));
  }
  if (!z || !l || *z > 65535 || *l > UINT32_MAX) return false;
  *zone = static_cast<uint16_t>(*z);
  *limit = static_cast<uint32_t>(*l);
  return true;
}

void ct_set_limits(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  size_t i = skip_dp(args);
  std::optional<uint32_t> def;
  if (i < args.size() && args[i].rfind("default=", 0) == 0) {
    auto v = parse_u64(args[i].substr(8));
    if (!v || *v > UINT32_MAX) return r->error("invalid default limit");
    def = static_cast<uint32_t>(*v);
    i++;
  }
  std::vector<std::pair<uint16_t, uint32_t>> limits;
  for (; i < args.size(); i++) {
    uint16_t zone;
    uint32_t limit;
    if (!parse_zone_limit(args[i], &zone, &limit))
      return r->error("failed to parse zone limit tuple: " + args[i]);
    limits.emplace_back(zone, limit);
  }
  if (def) ct->set_default_limit(*def);
  for (auto [zone, limit] : limits) ct->set_zone_limit(zone, limit);
  r->ok("");
}

// zone=N[,M...]
Result<std::vector<uint16_t>> parse_zones(const std::string& s) {
  if (s.rfind("zone=", 0) != 0) return make_error("invalid argument " + s);
  std::vector<uint16_t> zones;
  for (const std::string& z : split(s.substr(5), ",")) {
    auto v = parse_u64(z);
    if (!v || *v > 65535) return make_error("invalid zone");
    zones.push_back(static_cast<uint16_t>(*v));
  }
  return zones;
}

void ct_del_limits(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  const size_t i = skip_dp(args);
  if (i >= args.size()) return r->error("invalid argument (zone=N[,N...] expected)");
  auto zones = parse_zones(args[i]);
  if (!zones) return r->error(zones.error().message);
  for (uint16_t z : *zones) ct->del_zone_limit(z);
  r->ok("");
}

void ct_get_limits(Vswitchd& d, const Args& args, const ReplyPtr& r) {
  ct::Conntrack* ct = tracker(d, r);
  if (!ct) return;
  const size_t i = skip_dp(args);
  std::vector<ct::ZoneLimit> limits;
  if (i < args.size()) {
    auto zones = parse_zones(args[i]);
    if (!zones) return r->error(zones.error().message);
    for (uint16_t z : *zones) limits.push_back(ct->zone_limit(z));
  } else {
    limits = ct->zone_limits();
  }
  std::string out = strprintf("default limit=%u", ct->default_limit());
  for (const ct::ZoneLimit& l : limits)
    out += strprintf("\nzone=%u,limit=%u,count=%u", l.zone, l.limit, l.count);
  r->ok(out + "\n");
}

}  // namespace

void register_ct_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"dpctl/dump-conntrack", "[-m] [-s] [dp] [zone=N]", 0, 4, bind(dump_conntrack)},
      {"dpctl/flush-conntrack", "[dp] [zone=N] [ct-orig-tuple [ct-reply-tuple]]", 0, 4,
       bind(flush_conntrack)},
      {"dpctl/ct-stats-show", "[dp] [zone=N] [verbose]", 0, 3, bind(ct_stats_show)},
      {"dpctl/ct-set-maxconns", "[dp] maxconns", 1, 2, bind(ct_set_maxconns)},
      {"dpctl/ct-get-maxconns", "[dp]", 0, 1, bind(ct_get_maxconns)},
      {"dpctl/ct-get-nconns", "[dp]", 0, 1, bind(ct_get_nconns)},
      {"dpctl/ct-enable-tcp-seq-chk", "[dp]", 0, 1,
       [&d](const Args&, const ReplyPtr& r) { ct_set_tcp_seq_chk(d, true, r); }},
      {"dpctl/ct-disable-tcp-seq-chk", "[dp]", 0, 1,
       [&d](const Args&, const ReplyPtr& r) { ct_set_tcp_seq_chk(d, false, r); }},
      {"dpctl/ct-get-tcp-seq-chk", "[dp]", 0, 1, bind(ct_get_tcp_seq_chk)},
      {"dpctl/ct-set-limits", "[dp] [default=L] [zone=N,limit=L]...", 0, INT32_MAX,
       bind(ct_set_limits)},
      {"dpctl/ct-del-limits", "[dp] zone=N1[,N2]...", 1, 2, bind(ct_del_limits)},
      {"dpctl/ct-get-limits", "[dp] [zone=N1[,N2]...]", 0, 2, bind(ct_get_limits)},
  });
}

}  // namespace ferry
