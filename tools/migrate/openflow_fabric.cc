#include "tools/migrate/openflow_fabric.h"

#include "lib/util/text.h"

namespace ferry::migrate {

namespace {

Result<std::string> entry_match(const std::string& vlan, const std::string& mac) {
  auto v = parse_u64(vlan, 10);
  if (!v || *v > 4095) return make_error("VLAN \"" + vlan + "\" is not 0..4095");
  std::string m = "priority=" + std::to_string(kFabricFlowPriority) + ",";
  m += *v == 0 ? "vlan_tci=0x0000/0x1fff" : "dl_vlan=" + std::to_string(*v);
  return m + ",dl_dst=" + mac;
}

}  // namespace

Result<OfChange> fabric_change(const std::string& method, const std::vector<std::string>& args) {
  if (method == "fdb/add") {
    if (args.size() != 4) return make_error("fdb/add: BRIDGE PORT VLAN MAC");
    auto m = entry_match(args[2], args[3]);
    if (!m) return m.error();
    return OfChange{"add-flow", *m + ",actions=output:" + args[1], false};
  }
  if (method == "fdb/del") {
    if (args.size() != 3) return make_error("fdb/del: BRIDGE VLAN MAC");
    auto m = entry_match(args[1], args[2]);
    if (!m) return m.error();
    return OfChange{"del-flows", *m, true};
  }
  return make_error(method + " needs a Ferry daemon; an OpenFlow fabric switch takes entries only",
                    ENOTSUP);
}

}  // namespace ferry::migrate
