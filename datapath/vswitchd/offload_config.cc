// The route switcher's configuration from OVSDB, as OVS names it:
//   Open_vSwitch other_config:hw-offload=true          turns it on
//   Open_vSwitch other_config:ferry-offload-max-rules  bounds the NIC table
//   Bridge other_config:ferry-offload-policy           the bridge's policy
// and the migration interplay: flows that carry a staged conversion stay
// in software while the migration runs.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/util/log.h"
#include "offload/offload_manager.h"

FERRY_LOG_MODULE(offload_cfg_log, "offload");

namespace ferry {

namespace {

std::string get(const ovs::StringMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

bool mac_masked_equal(const uint8_t* key, const uint8_t* mask, const Mac& mac) {
  for (int i = 0; i < 6; i++)
    if (mask[i] != 0xff || key[i] != mac[i]) return false;
  return true;
}

bool mac_masked(const uint8_t* mask) {
  for (int i = 0; i < 6; i++)
    if (mask[i]) return true;
  return false;
}

}  // namespace

void Vswitchd::configure_offload(const ovs::Config& cfg) {
  if (!dp_) return;
  if (!offload_) {
    offload_ = std::make_unique<OffloadManager>(dp_.get());
    offload_->set_software_pin([this](int slot, const FlowKey& key, const FlowKey& mask) {
      for (auto& [name, b] : bridges_) {
        if (b->slot() != slot) continue;
        for (const auto& [id, c] : b->conversions().all()) {
          if (c.state != ConversionState::kStaged) continue;
          bool mac_hit = mac_masked_equal(key.dl_dst, mask.dl_dst, c.from) ||
                         mac_masked_equal(key.dl_dst, mask.dl_dst, c.to) ||
                         mac_masked_equal(key.dl_src, mask.dl_src, c.from) ||
                         mac_masked_equal(key.dl_src, mask.dl_src, c.to);
          bool port_hit = !mac_masked(mask.dl_dst) &&
                          std::count(c.in_ports.begin(), c.in_ports.end(), key.in_port) > 0;
          if (mac_hit || port_hit)
            return "staged conversion " + std::to_string(id) + " (migration in progress)";
        }
      }
      return std::string();
    });
  }
  bool on = get(cfg.other_config, "hw-offload") == "true";
  if (on != offload_->enabled())
    FLOG_INFO(offload_cfg_log, "hardware offload %s", on ? "enabled" : "disabled");
  offload_->set_enabled(on);
  std::string max = get(cfg.other_config, "ferry-offload-max-rules");
  offload_->set_max_rules(max.empty() ? 0 : std::strtoull(max.c_str(), nullptr, 10));

  std::set<int> slots;
  for (const ovs::BridgeConfig& bc : cfg.bridges) {
    auto it = bridges_.find(bc.name);
    if (it == bridges_.end() || it->second->slot() < 0) continue;
    int slot = it->second->slot();
    slots.insert(slot);
    std::string text = get(bc.other_config, "ferry-offload-policy");
    auto known = offload_->bridges().find(slot);
    if (known != offload_->bridges().end() && known->second.policy_text == text) continue;
    Status st = offload_->set_policy(slot, bc.name, text);
    if (!st) {
      FLOG_WARN(offload_cfg_log,
                "bridge %s: other_config:ferry-offload-policy \"%s\": %s; keeping %s",
                bc.name.c_str(), text.c_str(), st.error().message.c_str(),
                offload_->bridges().at(slot).policy.to_string().c_str());
    }
  }
  std::vector<int> gone;
  for (const auto& [slot, b] : offload_->bridges())
    if (!slots.count(slot)) gone.push_back(slot);
  for (int slot : gone) offload_->remove_bridge(slot);
}

}  // namespace ferry
