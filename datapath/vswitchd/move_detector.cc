#include "datapath/vswitchd/move_detector.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "lib/packet/builder.h"
#include "lib/packet/parser.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(move_log, "move_detect");

namespace ferry {

namespace {

std::string ip_text(uint32_t be) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &be, buf, sizeof buf);
  return buf;
}

Mac mac_of(const uint8_t* p) {
  Mac m;
  std::memcpy(m.data(), p, 6);
  return m;
}

bool is_exact(const uint8_t* mask, size_t n) {
  return std::all_of(mask, mask + n, [](uint8_t b) { return b == 0xff; });
}

// Rewrites a key's VLAN ID, keeping the priority.
FlowKey with_vid(const FlowKey& k, uint16_t vid) {
  FlowKey out = k;
  uint16_t tci = ntohs(k.vlan_tci);
  out.vlan_tci = htons(static_cast<uint16_t>((tci & ~kVlanVidMask) | kVlanCfi | vid));
  return out;
}

}  // namespace

bool MoveDetector::allow(const Bridge& br) {
  Bucket& b = buckets_[br.name()];
  double rate = br.move_detect().rate;
  int64_t now = monotonic_ms();
  if (b.tokens < 0) b.tokens = rate;
  b.tokens = std::min(rate, b.tokens + rate * static_cast<double>(now - b.last_ms) / 1000.0);
  b.last_ms = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  MoveDetectStats& st = stats_[br.name()];
  st.rate_limited++;
  // Audit: one line per second at most, with what was dropped since the last.
  if (now - b.logged_ms >= 1000) {
    FLOG_WARN(move_log,
              "%s: move detection over its limit of %u upcalls/s: %llu dropped (%llu in all)",
              br.name().c_str(), static_cast<unsigned>(rate),
              static_cast<unsigned long long>(st.rate_limited - b.logged_count),
              static_cast<unsigned long long>(st.rate_limited));
    b.logged_ms = now;
    b.logged_count = st.rate_limited;
  }
  return false;
}

void MoveDetector::handle(Bridge& b, PacketUpcall& up) {
  if (!allow(b)) return;  // the frame is freed with the upcall
  rte_mbuf* m = up.pkt.get();
  FlowKey key;
  if (parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), up.ofport, &key) !=
      ParseStatus::kOk) {
    return;
  }
  if (up.type == Upcall::kGarp) {
    handle_garp(b, up, key);
  } else if (up.type == Upcall::kMiss) {
    handle_miss(b, up, key);
  }
}

void MoveDetector::on_learn(Bridge& b, const LearnEvent& e) {
  std::vector<std::pair<std::string, std::string>> f{{"bridge", b.name()},
                                                     {"mac", format_mac(e.mac)},
                                                     {"vlan", std::to_string(e.vlan)},
                                                     {"port", b.port_label(e.ofport)}};
  if (e.old_ofport) f.emplace_back("old_port", b.port_label(e.old_ofport));
  events_->emit("mac-learned", std::move(f));
}

void MoveDetector::handle_garp(Bridge& b, PacketUpcall& up, const FlowKey& key) {
  MoveDetectStats& st = stats_[b.name()];
  st.garps++;
  bool rarp = key.ethertype() == kEthTypeRarp;
  Mac mac = mac_of(key.dl_src);
  std::vector<std::pair<std::string, std::string>> f{
      {"bridge", b.name()}, {"port", b.port_label(up.ofport)}, {"mac", format_mac(mac)}};
  if (!rarp) f.emplace_back("ip", ip_text(key.nw_src));
  events_->emit(rarp ? "rarp" : "garp", f);

  const MoveDetectConfig& md = b.move_detect();
  Datapath* dp = b.datapath();
  const BridgePort* in = b.port_by_ofport(up.ofport);
  if (md.enabled && dp && in) {
    auto vlan = in->vlan.input_vlan(ntohs(key.vlan_tci));
    FdbTable& fdb = dp->fdb(b.slot());
    const FdbEntry* e = vlan ? fdb.find(*vlan, mac) : nullptr;
    bool expected = std::find(md.expected.begin(), md.expected.end(), mac) != md.expected.end();
    if (vlan && ((e && e->ofport != up.ofport) || expected)) {
      uint32_t from = e ? e->ofport : 0;
      if (!e || e->is_static) {
        fdb.add_static(*vlan, mac, up.ofport, "");
      } else {
        fdb.learn(*vlan, mac, up.ofport, monotonic_ms() / 1000);
      }
      if (expected) {
        MoveDetectConfig next = md;
        next.expected.erase(std::remove(next.expected.begin(), next.expected.end(), mac),
                            next.expected.end());
        b.set_move_detect(next);
      }
      dp->commit();
      st.moves++;
      FLOG_INFO(move_log, "%s: %s %s moved %s -> %s (%s)", b.name().c_str(), rarp ? "RARP" : "GARP",
                format_mac(mac).c_str(), from ? b.port_label(from).c_str() : "?",
                b.port_label(up.ofport).c_str(),
                expected ? "registered as migrating" : "known on another port");
      events_->emit("move-detected", {{"bridge", b.name()},
                                      {"mac", format_mac(mac)},
                                      {"vlan", std::to_string(*vlan)},
                                      {"old_port", from ? b.port_label(from) : ""},
                                      {"port", b.port_label(up.ofport)},
                                      {"how", expected ? "expected" : "fdb"}});
    }
  }
  if (!rarp && b.announce().count(up.ofport)) announce(b, up.ofport, key);
}

void MoveDetector::announce(Bridge& b, uint32_t ofport, const FlowKey& garp) {
  const AnnounceConfig& a = b.announce().at(ofport);
  Datapath* dp = b.datapath();
  auto pool = dp ? dp->control_pool() : Result<rte_mempool*>(make_error("no datapath"));
  if (!pool) return;
  FrameBuilder fb;
  fb.eth(a.dst_mac, mac_of(garp.dl_src));
  if (garp.has_vlan()) fb.vlan(garp.vlan_vid(), garp.vlan_pcp());
  fb.ipv4(garp.nw_src, a.dst_ip).udp(9, 9).payload("ferry garp announce");
  std::vector<uint8_t> bytes = fb.build();
  rte_mbuf* m = rte_pktmbuf_alloc(*pool);
  if (!m) return;
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())), bytes.data(),
              bytes.size());
  Status st = dp->inject(b.slot(), ofport, m);
  if (!st.ok()) return;
  stats_[b.name()].announced++;
  events_->emit("garp-announced", {{"bridge", b.name()},
                                   {"port", b.port_label(ofport)},
                                   {"ip", ip_text(garp.nw_src)},
                                   {"dst_ip", ip_text(a.dst_ip)}});
}

void MoveDetector::handle_miss(Bridge& b, PacketUpcall& up, const FlowKey& key) {
  MoveDetectStats& st = stats_[b.name()];
  if (key.has_vlan()) {
    uint16_t vid = key.vlan_vid();
    for (const auto& [old_vlan, new_vlan] : b.move_detect().vlan_map) {
      if (new_vlan != vid || !repoint_vlan_rules(b, key, old_vlan, new_vlan)) continue;
      st.moves++;
      // The frame that revealed the move goes on, through the new rules.
      Status s = b.datapath()->inject(b.slot(), up.ofport, up.pkt.release());
      if (s.ok()) st.reinjected++;
      return;
    }
  }
  st.unmatched++;
}

bool MoveDetector::repoint_vlan_rules(Bridge& b, const FlowKey& key, uint16_t old_vlan,
                                      uint16_t new_vlan) {
  // Entry 2: the rule the frame would hit on its old VLAN, matching that VLAN.
  FlowKey old_key = with_vid(key, old_vlan);
  const Rule* r2 = b.flows().classifier()->lookup(old_key, nullptr);
  if (!r2 || (ntohs(r2->match.mask.vlan_tci) & kVlanVidMask) != kVlanVidMask) return false;
  // Entry 1: a rule that sends traffic for this host into the old VLAN.
  bool ip = key.ethertype() == kEthTypeIpv4;
  RulePtr r1;
  for (const RulePtr& r : b.flows().all_rules()) {
    bool to_host = ip ? (r->match.mask.nw_dst == 0xffffffff && r->match.key.nw_dst == key.nw_src)
                      : (is_exact(r->match.mask.dl_dst, 6) &&
                         std::memcmp(r->match.key.dl_dst, key.dl_src, 6) == 0);
    if (!to_host) continue;
    bool sets_old = std::any_of(r->actions->begin(), r->actions->end(), [&](const Action& a) {
      return a.type == ActionType::kSetVlanVid && a.u16 == old_vlan;
    });
    if (sets_old) {
      r1 = r;
      break;
    }
  }
  if (!r1) return false;

  std::vector<FlowMod> bundle;
  FlowMod del;
  del.command = FlowModCommand::kDeleteStrict;
  del.match = r2->match;
  del.priority = r2->priority;
  bundle.push_back(del);
  FlowMod add;
  add.command = FlowModCommand::kAdd;
  add.match = r2->match;
  add.match.key.vlan_tci = with_vid(r2->match.key, new_vlan).vlan_tci;
  add.match.normalize();
  add.priority = r2->priority;
  add.cookie = add.new_cookie = r2->cookie;
  add.idle_timeout = r2->idle_timeout;
  add.hard_timeout = r2->hard_timeout;
  add.flags = r2->flags;
  add.actions = *r2->actions;
  bundle.push_back(add);
  FlowMod mod;
  mod.command = FlowModCommand::kModifyStrict;
  mod.match = r1->match;
  mod.priority = r1->priority;
  mod.actions = *r1->actions;
  for (Action& a : mod.actions) {
    if (a.type == ActionType::kSetVlanVid && a.u16 == old_vlan) a.u16 = new_vlan;
  }
  bundle.push_back(mod);
  size_t failed = 0;
  Status st = b.flows().apply_bundle(bundle, monotonic_ms(), &failed);
  if (!st.ok()) {
    FLOG_WARN(move_log, "%s: move detected but the rules could not be repointed: %s",
              b.name().c_str(), st.error().message.c_str());
    return false;
  }
  b.publish_flows(true);  // in effect before the frame is re-injected
  std::string host = ip ? ip_text(key.nw_src) : format_mac(mac_of(key.dl_src));
  FLOG_INFO(move_log, "%s: %s moved from VLAN %u to VLAN %u; rules repointed (priority %u and %u)",
            b.name().c_str(), host.c_str(), old_vlan, new_vlan, r1->priority, add.priority);
  events_->emit("move-detected", {{"bridge", b.name()},
                                  {ip ? "ip" : "mac", host},
                                  {"old_vlan", std::to_string(old_vlan)},
                                  {"vlan", std::to_string(new_vlan)},
                                  {"how", "vlan-map"}});
  return true;
}

}  // namespace ferry
