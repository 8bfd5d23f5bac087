#include "datapath/vswitchd/vhost_config.h"

#include "datapath/vhost_port.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

std::string get(const ovs::StringMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

bool is_vhost_type(const std::string& type) {
  return type == "dpdkvhostuser" || type == "dpdkvhostuserclient";
}

std::string vhost_sock_dir(const std::string& rundir, const ovs::StringMap& other_config,
                           std::string* warning) {
  std::string sub = get(other_config, "vhost-sock-dir");
  if (sub.empty()) return rundir;
  if (sub.find("..") != std::string::npos || sub[0] == '/') {
    *warning = "other_config:vhost-sock-dir \"" + sub +
               "\" must be a path under the run directory without \"..\"; using " + rundir;
    return rundir;
  }
  return rundir + "/" + sub;
}

Status vhost_port_spec(const ovs::InterfaceConfig& iface, const std::string& sock_dir,
                       PortSpec& spec) {
  bool client = iface.type == "dpdkvhostuserclient";
  std::string path;
  if (client) {
    path = get(iface.options, "vhost-server-path");
    if (path.empty())
      return make_error("'" + iface.name + "' is missing 'options:vhost-server-path'.", EINVAL);
  } else {
    if (iface.name.find('/') != std::string::npos)
      return make_error("vhost-user port name " + iface.name + " must not contain '/'", EINVAL);
    path = sock_dir + "/" + iface.name;
  }
  auto devargs = vhost_devargs(iface.name, path, client ? VhostMode::kClient : VhostMode::kServer);
  if (!devargs) return devargs.error();
  spec.devargs = *devargs;
  spec.n_rxq = 1;  // the guest's queue pairs once it connects (Bridge::follow_vhost_guests)
  return {};
}

uint32_t vhost_tx_retries_max(const ovs::InterfaceConfig& iface) {
  std::string v = get(iface.options, "tx-retries-max");
  if (v.empty()) return 8;
  auto n = parse_u64(v);
  if (!n || *n > 32) return 8;  // OVS ignores values outside 0..32 too
  return static_cast<uint32_t>(*n);
}

void vhost_status(const Port& port, const std::string& type, ovs::StringMap& status) {
  status["mode"] = type == "dpdkvhostuserclient" ? "client" : "server";
  const std::string& d = port.spec().devargs;
  size_t at = d.find("iface=");
  if (at != std::string::npos) status["socket"] = d.substr(at + 6, d.find(',', at) - at - 6);
  auto g = vhost_guest(port.id());
  bool up = g && g->connected;
  status["status"] = up ? "connected" : "disconnected";
  if (up) {
    status["features"] = strprintf("0x%016llx", static_cast<unsigned long long>(g->features));
    status["num_of_vrings"] = std::to_string(g->queue_pairs * 2);
  }
}

}  // namespace ferry
