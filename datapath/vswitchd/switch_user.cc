#include "datapath/vswitchd/switch_user.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ferry {

namespace {

constexpr int kKeptCaps[] = {CAP_IPC_LOCK, CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW,
                             CAP_NET_BROADCAST};

std::string errno_text(int e) { return std::strerror(e); }

bool kept(int cap) {
  for (int c : kKeptCaps) {
    if (c == cap) return true;
  }
  return false;
}

// Permitted and effective sets to exactly kKeptCaps.
[[gnu::cold]] Status set_caps() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int c : kKeptCaps) {
    data[c / 32].permitted |= 1u << (c % 32);
    data[c / 32].effective |= 1u << (c % 32);
  }
  if (syscall(SYS_capset, &hdr, data) != 0) return make_error("capset: " + errno_text(errno));
  return {};
}

}  // namespace

[[gnu::cold]] Result<UserSpec> resolve_user(const std::string& spec_in) {
  std::string spec = spec_in.substr(std::min(spec_in.find_first_not_of(" \t\r\n"), spec_in.size()));
  size_t colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  group = group.substr(std::min(group.find_first_not_of(" \t\r\n"), group.size()));
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* pres = nullptr;
  int e = user.empty() ? getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &pres)
                       : getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pres);
  if (e != 0) return make_error("--user: cannot look up user " + user + ": " + errno_text(e));
  if (!pres) return make_error("--user: user " + user + " not found");
  UserSpec out{pw.pw_name, pw.pw_uid, pw.pw_gid};
  if (!group.empty()) {
    std::vector<char> gbuf(65536);
    struct group gr {};
    struct group* gres = nullptr;
    e = getgrnam_r(group.c_str(), &gr, gbuf.data(), gbuf.size(), &gres);
    if (e != 0) return make_error("--user: cannot look up group " + group + ": " + errno_text(e));
    if (!gres) return make_error("--user: group " + group + " not found");
    if (gr.gr_gid != out.gid) {
      bool member = false;
      for (char** m = gr.gr_mem; *m; ++m) member = member || out.user == *m;
      if (!member) {
        return make_error("--user: invalid --user option " + spec_in + " (user " + out.user +
                          " is not in group " + group + ")");
      }
      out.gid = gr.gr_gid;
    }
  }
  return out;
}

[[gnu::cold]] Status switch_user(const std::string& spec, const std::string& log_file) {
  if (geteuid() != 0 || getuid() != 0) return make_error("only root can use --user option");
  auto u = resolve_user(spec);
  if (!u) return u.error();
  if (!log_file.empty() && chown(log_file.c_str(), u->uid, u->gid) != 0) {
    return make_error("--user: cannot give " + log_file + " to " + u->user + ": " +
                      errno_text(errno));
  }
  // The bounding set first (that needs CAP_SETPCAP, which root still has).
  for (int c = 0; c <= CAP_LAST_CAP; c++) {
    if (!kept(c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
      return make_error("--user: dropping capability " + std::to_string(c) + ": " +
                        errno_text(errno));
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return make_error("--user: PR_SET_KEEPCAPS: " + errno_text(errno));
  if (setgroups(0, nullptr) != 0) return make_error("--user: setgroups: " + errno_text(errno));
  if (setresgid(u->gid, u->gid, u->gid) != 0)
    return make_error("--user: setresgid: " + errno_text(errno));
  if (setresuid(u->uid, u->uid, u->uid) != 0)
    return make_error("--user: setresuid: " + errno_text(errno));
  Status st = set_caps();
  if (!st.ok()) return make_error("--user: " + st.error().message);
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  return {};
}

}  // namespace ferry
