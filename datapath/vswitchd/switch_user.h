// --user USER[:GROUP]: ovs-vswitchd's switch to an unprivileged user, done
// without libcap-ng. Only root may switch (as OVS); USER empty means the
// current user; GROUP defaults to USER's primary group, and USER must be a
// member of another one named. Supplementary groups and the capability
// bounding set are dropped; the capabilities ovs-vswitchd keeps for a
// datapath stay: CAP_IPC_LOCK, CAP_NET_BIND_SERVICE, CAP_NET_ADMIN,
// CAP_NET_RAW, CAP_NET_BROADCAST. A log file already open is given to the
// new user, so `vlog/reopen` works after rotation.
#pragma once

#include <sys/types.h>

#include <string>

#include "lib/util/result.h"

namespace ferry {

struct UserSpec {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Resolves "USER[:GROUP]" with OVS's rules.
Result<UserSpec> resolve_user(const std::string& spec);
// Becomes that user, keeping the capabilities above.
Status switch_user(const std::string& spec, const std::string& log_file);

}  // namespace ferry
