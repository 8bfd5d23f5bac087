// A client of a unixctl control socket (ferry-vswitchd's, or any Open
// vSwitch daemon's), as ovs-appctl is.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/rpc/json_stream.h"
#include "lib/util/result.h"

namespace ferry::rpc {

class UnixctlClient {
 public:
  // Error code of a transact() whose command the server answered with an
  // error (the message is the server's text). Any other code is a failure
  // to talk to the server (ETIMEDOUT, EPROTO, EPIPE ...).
  static constexpr int kServerError = EREMOTEIO;

  // Connects to the socket at path; timeout_ms <= 0 waits without limit.
  static Result<std::unique_ptr<UnixctlClient>> connect(const std::string& path,
                                                        int timeout_ms = 0);
  ~UnixctlClient();
  UnixctlClient(const UnixctlClient&) = delete;
  UnixctlClient& operator=(const UnixctlClient&) = delete;

  // Runs method(args) and waits at most timeout_ms (<= 0: no limit) for its
  // reply. Returns the result text, or an Error: kServerError with the
  // server's error text, or the reason the transaction failed. Replies to
  // other ids are skipped. After a failure other than kServerError the
  // connection is unusable.
  Result<std::string> transact(const std::string& method, const std::vector<std::string>& args,
                               int timeout_ms = 0);

 private:
  explicit UnixctlClient(int fd) : fd_(fd), in_(kMaxReplyBytes) {}
  Status send_all(const std::string& bytes, int64_t deadline);
  Result<std::string> receive_value(int64_t deadline);

  static constexpr size_t kMaxReplyBytes = size_t{1} << 30;
  int fd_;
  int64_t next_id_ = 0;
  JsonStreamSplitter in_;
  bool broken_ = false;
};

// The OVS run directory: $OVS_RUNDIR, or /var/run/openvswitch.
std::string unixctl_rundir();

// The socket of a target as ovs-appctl finds it: an absolute path is used
// as is; a NAME means <rundir>/NAME.<pid>.ctl with the pid read from
// <rundir>/NAME.pid, which must be write-locked (fcntl) by that pid as OVS
// daemons do, else it is stale (errors: "cannot read pidfile \"...\"
// (reason)"). Never call it in the process holding that lock: closing any
// fd of a file drops the process's fcntl locks on it.
Result<std::string> resolve_unixctl_target(const std::string& target);

}  // namespace ferry::rpc
