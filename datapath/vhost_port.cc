#include "datapath/vhost_port.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(vhost_log, "vhost");

namespace ferry {

namespace {

// A socket nobody listens on (left by a daemon that died) refuses connections.
bool stale_socket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  bool stale = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == ECONNREFUSED;
  close(fd);
  return stale;
}

}  // namespace

Result<std::string> vhost_devargs(const std::string& name, const std::string& path,
                                  VhostMode mode) {
  if (path.empty()) return make_error("vhost-user socket path is empty", EINVAL);
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error(strprintf("vhost-user socket path %s is longer than %zu bytes", path.c_str(),
                                sizeof(sockaddr_un::sun_path) - 1),
                      ENAMETOOLONG);
  }
  if (path.find(',') != std::string::npos)
    return make_error("vhost-user socket path " + path + " contains a comma", EINVAL);
  std::string args =
      "net_vhost_" + name + ",iface=" + path + strprintf(",queues=%u", kVhostMaxQueuePairs);
  if (mode == VhostMode::kClient) args += ",client=1";
  return args;
}

Status vhost_prepare_socket(const std::string& name, const std::string& devargs) {
  size_t at = devargs.find(",iface=");
  if (at == std::string::npos) return make_error("no socket path in " + devargs, EINVAL);
  std::string path = devargs.substr(at + 7, devargs.find(',', at + 7) - at - 7);
  bool client = devargs.find(",client=1") != std::string::npos;
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (exists && !S_ISSOCK(st.st_mode))
    return make_error("vhost-user socket path " + path + " exists and is not a socket", ENOTSOCK);
  if (client) {
    if (!exists) {
      FLOG_INFO(vhost_log, "%s: %s does not exist yet; connecting when the guest's server starts",
                name.c_str(), path.c_str());
    }
    return {};
  }
  std::string dir = path.substr(0, path.rfind('/') + 1);
  struct stat ds;
  if (!dir.empty() && (stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode)))
    return make_error("vhost-user socket directory " + dir + " does not exist", ENOENT);
  if (exists) {
    if (!stale_socket(path))
      return make_error("vhost-user socket " + path + " is in use by another process", EBUSY);
    FLOG_INFO(vhost_log, "%s: removing stale socket %s", name.c_str(), path.c_str());
    unlink(path.c_str());
  }
  return {};
}

std::optional<VhostGuest> vhost_guest(uint16_t port_id) {
  rte_eth_dev_info info;
  if (rte_eth_dev_info_get(port_id, &info) != 0 || !info.driver_name ||
      std::strcmp(info.driver_name, "net_vhost") != 0)
    return std::nullopt;
  VhostGuest g;
  rte_eth_link link;
  std::memset(&link, 0, sizeof link);
  if (rte_eth_link_get_nowait(port_id, &link) != 0 || link.link_status != RTE_ETH_LINK_UP) return g;
  int vid = rte_eth_vhost_get_vid_from_port_id(port_id);
  if (vid < 0) return g;
  g.connected = true;
  g.queue_pairs = static_cast<uint16_t>(rte_vhost_get_vring_num(vid) / 2);
  if (rte_vhost_get_negotiated_features(vid, &g.features) != 0) g.features = 0;
  return g;
}

uint16_t VhostQueues::leading_pairs() const {
  uint64_t both = rx & tx;
  return static_cast<uint16_t>(both == ~0ULL ? 64 : __builtin_ctzll(~both));
}

void vhost_update_queues(uint16_t port_id, bool connected, VhostQueues& q) {
  rte_eth_vhost_queue_event ev;
  while (rte_eth_vhost_get_queue_event(port_id, &ev) == 0) {
    if (ev.queue_id >= 64) continue;
    uint64_t& mask = ev.rx ? q.rx : q.tx;
    if (ev.enable) {
      mask |= 1ULL << ev.queue_id;
    } else {
      mask &= ~(1ULL << ev.queue_id);
    }
  }
  if (!connected) q = VhostQueues{};
}

}  // namespace ferry
