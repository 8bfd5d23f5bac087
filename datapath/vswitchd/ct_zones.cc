// CT_Zone timeout policies: the netdev Datapath row's ct_zones (set with
// `ovs-vsctl add-zone-tp netdev zone=N udp_first=30 ...`) applied to the
// datapath's tracker, as ovs-vswitchd's ct_zones_reconfigure() does. A zone
// without a policy, or a timeout the policy leaves out, keeps OVS's default;
// a zone removed from the row goes back to the defaults.
#include "datapath/vswitchd/vswitchd.h"
#include "lib/conntrack/conntrack.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(ct_zones_log, "ct_zones");

namespace ferry {

namespace {

ct::TimeoutPolicy to_policy(uint16_t zone, const std::map<std::string, int64_t>& timeouts) {
  ct::TimeoutPolicy tp;
  for (const auto& [name, secs] : timeouts) {
    auto attr = ct::tp_attr_from_name(name);
    if (!attr.ok()) {
      FLOG_WARN(ct_zones_log, "zone %u: %s, ignored", zone, attr.error().message.c_str());
      continue;
    }
    tp.present |= 1u << static_cast<int>(*attr);
    tp.attrs[static_cast<int>(*attr)] = static_cast<uint32_t>(secs);
  }
  return tp;
}

}  // namespace

void Vswitchd::configure_ct_zones(const ovs::Config& cfg) {
  if (!dp_) return;
  static const std::map<uint16_t, std::map<std::string, int64_t>> kNone;
  const auto* wanted = &kNone;
  for (const ovs::DatapathConfig& d : cfg.datapaths) {
    if (d.name == "netdev") wanted = &d.ct_zones;
  }
  ct::Conntrack& ct = dp_->conntrack();
  for (const auto& [zone, timeouts] : ct_zone_policies_) {
    if (wanted->count(zone)) continue;
    ct.del_zone_timeout_policy(zone);
    FLOG_INFO(ct_zones_log, "zone %u: timeout policy removed, defaults apply", zone);
  }
  for (const auto& [zone, timeouts] : *wanted) {
    auto it = ct_zone_policies_.find(zone);
    if (it != ct_zone_policies_.end() && it->second == timeouts) continue;
    ct.set_zone_timeout_policy(zone, to_policy(zone, timeouts));
    FLOG_INFO(ct_zones_log, "zone %u: timeout policy set (%zu timeouts)", zone, timeouts.size());
  }
  ct_zone_policies_ = *wanted;
}

}  // namespace ferry
