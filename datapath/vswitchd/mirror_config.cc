#include "datapath/vswitchd/mirror_config.h"

#include <algorithm>

#include "lib/util/log.h"

FERRY_LOG_MODULE(mirror_log, "mirror");

namespace ferry {

namespace {

// Everything the snapshot depends on, to tell a change from a repeat.
std::string signature_of(const std::vector<ovs::MirrorConfig>& rows,
                         const std::map<std::string, MirrorPortInfo>& ports) {
  std::string s;
  for (const auto& m : rows) {
    s += m.name + '|' + (m.select_all ? "all" : "") + '|';
    for (const auto& p : m.select_src_port) s += p + ',';
    s += '|';
    for (const auto& p : m.select_dst_port) s += p + ',';
    s += '|';
    for (int64_t v : m.select_vlan) s += std::to_string(v) + ',';
    s += '|' + m.output_port + '|' + (m.output_vlan ? std::to_string(*m.output_vlan) : "") + '|' +
         (m.snaplen ? std::to_string(*m.snaplen) : "") + ';';
  }
  s += '#';
  for (const auto& [name, p] : ports)
    s += name + '=' + std::to_string(p.ofport) + p.vlan.to_string() + ';';
  return s;
}

// The ports a mirror selects, as a mask on each; nonexistent ones logged.
void select_ports(const std::string& bridge, const std::string& mirror,
                  const std::vector<std::string>& names,
                  const std::map<std::string, MirrorPortInfo>& ports,
                  std::map<std::string, MirrorMask>* masks, MirrorMask bit, bool log) {
  for (const auto& n : names) {
    if (!ports.count(n)) {
      if (log)
        FLOG_WARN(mirror_log, "bridge %s: mirror %s cannot match on nonexistent port %s",
                  bridge.c_str(), mirror.c_str(), n.c_str());
      continue;
    }
    (*masks)[n] |= bit;
  }
}

}  // namespace

std::shared_ptr<const MirrorSnapshot> BridgeMirrors::configure(
    const std::string& bridge, const std::vector<ovs::MirrorConfig>& rows,
    const std::map<std::string, MirrorPortInfo>& ports, bool* changed) {
  std::string sig = signature_of(rows, ports);
  *changed = sig != signature_;
  if (!*changed) return snapshot_;
  signature_ = std::move(sig);
  auto snap = std::make_shared<MirrorSnapshot>();
  std::map<std::string, MirrorMask> src, dst, out;
  std::map<std::string, std::shared_ptr<GroupStats>> stats;
  for (const ovs::MirrorConfig& m : rows) {
    // As ovs-vswitchd's mirror_configure(), message for message.
    if (m.output_port.empty()) {
      if (m.output_vlan) {
        FLOG_ERR(mirror_log,
                 "bridge %s: mirror %s outputs to VLAN %lld: output_vlan (RSPAN) is not "
                 "supported; ignoring",
                 bridge.c_str(), m.name.c_str(), static_cast<long long>(*m.output_vlan));
      } else {
        FLOG_ERR(mirror_log, "bridge %s: mirror %s does not specify output; ignoring",
                 bridge.c_str(), m.name.c_str());
      }
      continue;
    }
    auto op = ports.find(m.output_port);
    if (op == ports.end()) {
      FLOG_ERR(mirror_log, "bridge %s: mirror %s outputs to port not on bridge", bridge.c_str(),
               m.name.c_str());
      continue;
    }
    if (m.output_vlan) {
      FLOG_ERR(mirror_log,
               "bridge %s: mirror %s specifies both output port and output vlan; ignoring "
               "output vlan",
               bridge.c_str(), m.name.c_str());
    }
    if (snap->mirrors.size() >= kMaxMirrors) {
      FLOG_WARN(mirror_log, "maximum of %u port mirrors reached, cannot create %s", kMaxMirrors,
                m.name.c_str());
      continue;
    }
    const MirrorMask bit = MirrorMask{1} << snap->mirrors.size();
    DpMirror d;
    d.name = m.name;
    d.out_ofport = op->second.ofport;
    d.snaplen = m.snaplen ? static_cast<uint16_t>(*m.snaplen) : 0;
    d.has_vlans = !m.select_vlan.empty();
    for (int64_t v : m.select_vlan) d.vlans.set(static_cast<size_t>(v));
    auto it = stats_.find(m.name);
    d.stats = it != stats_.end() ? it->second : std::make_shared<GroupStats>(0);
    stats[m.name] = d.stats;
    if (m.select_all) {
      for (const auto& [name, p] : ports) src[name] |= bit, dst[name] |= bit;
    } else {
      select_ports(bridge, m.name, m.select_src_port, ports, &src, bit, true);
      select_ports(bridge, m.name, m.select_dst_port, ports, &dst, bit, true);
    }
    out[m.output_port] |= bit;
    snap->mirrors.push_back(std::move(d));
    FLOG_INFO(mirror_log, "bridge %s: mirror %s to port %s (ofport %u)", bridge.c_str(),
              m.name.c_str(), m.output_port.c_str(), op->second.ofport);
  }
  stats_ = std::move(stats);
  for (DpMirror& d : snap->mirrors) {  // mirrors to the same port copy once between them
    for (size_t j = 0; j < snap->mirrors.size(); j++) {
      if (snap->mirrors[j].out_ofport == d.out_ofport) d.dups |= MirrorMask{1} << j;
    }
  }
  if (snap->mirrors.empty()) {
    snapshot_ = nullptr;
    return snapshot_;
  }
  for (const auto& [name, p] : ports) {
    if (!p.ofport) continue;
    MirrorPort mp;
    mp.ofport = p.ofport;
    mp.vlan = p.vlan;
    mp.src = src[name];
    mp.dst = dst[name];
    mp.out = out[name];
    snap->ports.push_back(mp);
  }
  std::sort(snap->ports.begin(), snap->ports.end(),
            [](const MirrorPort& a, const MirrorPort& b) { return a.ofport < b.ofport; });
  snapshot_ = snap;
  return snapshot_;
}

std::vector<MirrorStatsRow> BridgeMirrors::stats() const {
  std::vector<MirrorStatsRow> rows;
  for (const auto& [name, s] : stats_) rows.push_back({name, s->packets(), s->bytes()});
  return rows;
}

}  // namespace ferry
