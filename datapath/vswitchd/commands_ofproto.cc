// ofproto/list and ofproto/trace: which rule and actions a packet hits.
#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "datapath/trace.h"
#include "datapath/vswitchd/vswitchd.h"
#include "lib/ovs/ofparse.h"
#include "lib/packet/builder.h"
#include "lib/packet/parser.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

// A frame that parses back into key (for the fields Ferry classifies on).
std::vector<uint8_t> frame_for_key(const FlowKey& k) {
  Mac dst, src;
  std::memcpy(dst.data(), k.dl_dst, 6);
  std::memcpy(src.data(), k.dl_src, 6);
  FrameBuilder f;
  f.eth(dst, src);
  if (k.has_vlan()) f.vlan(k.vlan_vid(), k.vlan_pcp());
  uint16_t type = k.ethertype();
  if (type == kEthTypeArp) {
    Mac sha, tha;
    std::memcpy(sha.data(), k.arp_sha, 6);
    std::memcpy(tha.data(), k.arp_tha, 6);
    f.arp(k.nw_proto, sha, k.nw_src, tha, k.nw_dst);
    f.eth(dst, src);  // arp() set addresses of its own; the flow's win
  } else if (type == kEthTypeIpv4 || type == kEthTypeIpv6) {
    if (type == kEthTypeIpv4) {
      f.ipv4(k.nw_src, k.nw_dst);
    } else {
      Ipv6Addr a, b;
      std::memcpy(a.data(), k.ipv6_src, 16);
      std::memcpy(b.data(), k.ipv6_dst, 16);
      f.ipv6(a, b);
    }
    f.tos(k.nw_tos);
    if (k.nw_ttl) f.ttl(k.nw_ttl);
    if (k.nw_frag & kFragLater) f.fragment(8, false);
    uint16_t sp = ntohs(k.tp_src), dp = ntohs(k.tp_dst);
    if (k.nw_frag & kFragLater) {
      f.ip_proto(k.nw_proto);
    } else if (k.nw_proto == kIpProtoTcp) {
      f.tcp(sp, dp, static_cast<uint16_t>(ntohs(k.tcp_flags) & 0x0fff));
    } else if (k.nw_proto == kIpProtoUdp) {
      f.udp(sp, dp);
    } else if (k.nw_proto == kIpProtoIcmp || k.nw_proto == kIpProtoIcmpv6) {
      f.icmp(static_cast<uint8_t>(sp), static_cast<uint8_t>(dp));
    } else {
      f.ip_proto(k.nw_proto);
    }
  } else {
    f.ethertype(type);
  }
  return f.build();
}

// A group action or the start of a bucket, roughly as OVS traces them.
std::string trace_group_step(const XlateStep& st, const std::string& pad,
                             const ovs::PortNames& names) {
  if (!st.group) {
    return strprintf("%s    >>>> output to nonexistent group %u <<<<\n", pad.c_str(),
                     st.missing_group);
  }
  const Group& g = *st.group;
  if (st.bucket_step) {
    const Bucket& b = g.buckets[static_cast<size_t>(st.bucket)];
    return strprintf("%s    bucket %u\n%s        %s\n", pad.c_str(), b.id, pad.c_str(),
                     ovs::format_actions(b.exec, names).c_str());
  }
  std::string out = strprintf("%s    group:%u (%s)\n", pad.c_str(), g.id, group_type_name(g.type));
  if (st.bucket >= 0) {
    out += strprintf("%s     -> using bucket %u\n", pad.c_str(),
                     g.buckets[static_cast<size_t>(st.bucket)].id);
  } else if (st.bucket == -2) {
    out += pad + "     -> no live bucket\n";
  }
  return out;
}

void ofproto_list(Vswitchd& d, const Args&, const ReplyPtr& r) {
  std::string out;
  for (const auto& [name, b] : d.bridges()) out += name + "\n";
  r->ok(out);
}

void ofproto_trace(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  std::string bname, flow_text;
  if (a.size() >= 2) {
    bname = a[0];
    flow_text = a[1];
  } else if (d.bridges().size() == 1) {
    bname = d.bridges().begin()->first;
    flow_text = a[0];
  } else {
    return r->error("usage: ofproto/trace BRIDGE FLOW (several bridges exist)");
  }
  Bridge* b = d.bridge(bname);
  if (!b) return r->error("no bridge named " + bname);
  if (!d.datapath() || b->slot() < 0)
    return r->error("bridge " + bname + " has no datapath (DPDK is not initialized)");
  ovs::PortNames names = b->port_names();
  auto key = ovs::parse_flow(flow_text, names);
  if (!key) return r->error(key.error().message);
  if (!b->port_by_ofport(key->in_port)) {
    return r->error(
        strprintf("no OpenFlow port for in_port %u on bridge %s", key->in_port, bname.c_str()));
  }
  std::vector<uint8_t> frame = frame_for_key(*key);
  b->publish_flows(false);  // trace what the datapath runs now
  auto pool = d.datapath()->control_pool();
  if (!pool) return r->error(pool.error().message);
  auto tr = trace_packet(*d.datapath()->snapshot(), b->slot(), *key, frame, *pool);
  if (!tr) return r->error(tr.error().message);

  Match full = Match::of_packet(*key, exact_mask());
  std::string out = "Flow: " + ovs::format_match(full, kDefaultPriority, names) + "\n\n";
  out += "bridge(\"" + bname + "\")\n" + std::string(bname.size() + 10, '-') + "\n";
  if (tr->converted) {
    Mac from;
    std::memcpy(from.data(), key->dl_dst, 6);
    out += strprintf(" conversion %u: dl_dst=%s -> %s%s\n", tr->conversion_id,
                     format_mac(from).c_str(), format_mac(tr->converted_to).c_str(),
                     tr->mirrored ? " (mirror: the unconverted frame also continues)" : "");
  }
  if (!tr->matched) {
    out += " 0. No match.\n    drop\n";
  } else if (tr->translated) {
    // As OVS prints it: " 1. <match>, priority P" and the actions below,
    // indented by nesting.
    for (const XlateStep& st : tr->steps) {
      std::string pad(st.depth * 4u, ' ');
      if (st.stopped && st.note) {
        out += pad + " " + st.stopped + "\n";
      } else if (st.stopped) {
        out += pad + "    >>>> " + st.stopped + " <<<<\n";
      } else if (st.group || st.missing_group) {
        out += trace_group_step(st, pad, names);
      } else if (!st.rule) {
        out += strprintf("%s%2u. No match.\n", pad.c_str(), st.table);
      } else {
        std::string m = ovs::format_match(st.rule->match, kDefaultPriority, names);
        out += strprintf("%s%2u. %s%spriority %u\n", pad.c_str(), st.table, m.c_str(),
                         m.empty() ? "" : ", ", st.rule->priority);
        out += pad + "    " + ovs::format_actions(*st.rule->actions, names) + "\n";
      }
    }
    out += "\nTranslated actions: " + format_datapath_actions(tr->datapath_actions, names) + "\n";
    if (tr->stopped) out += "Translation stopped early (see the last step)\n";
  } else {
    // As OVS prints it: " 0. <match>, priority P".
    std::string m = ovs::format_match(tr->match, kDefaultPriority, names);
    out += strprintf(" 0. %s%spriority %u", m.c_str(), m.empty() ? "" : ", ", tr->priority);
    if (tr->cookie) out += strprintf(", cookie %#llx", static_cast<unsigned long long>(tr->cookie));
    out += "\n    " + ovs::format_actions(tr->actions, names) + "\n";
  }
  Match mf = Match::of_packet(*key, tr->wildcards);
  mf.normalize();
  out += "\nMegaflow: " + ovs::format_match(mf, kDefaultPriority, names) + "\n";
  std::string dpa;
  for (const TraceOutput& o : tr->outputs) {
    if (!dpa.empty()) dpa += ",";
    FlowKey ok;
    if (parse_frame(o.frame.data(), static_cast<uint32_t>(o.frame.size()), o.ofport, &ok) ==
            ParseStatus::kOk &&
        ok.has_vlan()) {
      dpa += strprintf("push_vlan(vid=%u,pcp=%u),", ok.vlan_vid(), ok.vlan_pcp());
    }
    dpa += o.port;
  }
  if (dpa.empty()) dpa = "drop";
  out += "Datapath actions: " + dpa + "\n";
  for (const std::string& why : tr->drops) out += "Dropped: " + why + "\n";
  for (const TraceOutput& o : tr->outputs) {
    out +=
        strprintf("Output %s: %s\n", o.port.c_str(), hex(o.frame.data(), o.frame.size()).c_str());
  }
  r->ok(out);
}

}  // namespace

void register_ofproto_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"ofproto/list", "", 0, 0, bind(ofproto_list)},
      {"ofproto/trace", "{[dp_name] odp_flow | bridge br_flow}", 1, 2, bind(ofproto_trace)},
  });
}

}  // namespace ferry
