#include "lib/rpc/unixctl_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "lib/rpc/jsonrpc.h"
#include "lib/rpc/unix_socket.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry::rpc {

namespace {

Error errno_error(int err) {
  // EOF as OVS names it.
  return make_error(err == 0 ? "End of file" : std::strerror(err), err == 0 ? EPIPE : err);
}

// Milliseconds left until deadline (-1: none), at least 0.
int remaining_ms(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - monotonic_ms();
  return left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

}  // namespace

Result<std::unique_ptr<UnixctlClient>> UnixctlClient::connect(const std::string& path,
                                                              int timeout_ms) {
  Result<int> fd = unix_connect(path, timeout_ms);
  if (!fd) return fd.error();
  return std::unique_ptr<UnixctlClient>(new UnixctlClient(*fd));
}

UnixctlClient::~UnixctlClient() { ::close(fd_); }

Status UnixctlClient::send_all(const std::string& bytes, int64_t deadline) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return errno_error(errno);
    pollfd p{fd_, POLLOUT, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc == 0) return errno_error(ETIMEDOUT);
    if (rc < 0 && errno != EINTR) return errno_error(errno);
  }
  return {};
}

Result<std::string> UnixctlClient::receive_value(int64_t deadline) {
  for (;;) {
    std::string value;
    switch (in_.next(&value)) {
      case JsonStreamSplitter::Status::kValue:
        return value;
      case JsonStreamSplitter::Status::kError:
        return make_error("error parsing stream: " + in_.error(), EPROTO);
      case JsonStreamSplitter::Status::kTooLarge:
        return make_error("reply too large", EPROTO);
      case JsonStreamSplitter::Status::kNeedMore:
        break;
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc == 0) return errno_error(ETIMEDOUT);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno);
    }
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return errno_error(0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return errno_error(errno);
    }
    in_.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

Result<std::string> UnixctlClient::transact(const std::string& method,
                                            const std::vector<std::string>& args, int timeout_ms) {
  if (broken_) return make_error("connection unusable after an earlier failure", EPIPE);
  int64_t deadline = timeout_ms > 0 ? monotonic_ms() + timeout_ms : -1;
  Json params = Json::array();
  for (const std::string& a : args) params.push_back(Json(a));
  Json id(next_id_++);
  if (Status s = send_all(jsonrpc_request(method, params, id), deadline); !s) {
    broken_ = true;
    return s.error();
  }
  for (;;) {
    Result<std::string> text = receive_value(deadline);
    if (!text) {
      broken_ = true;
      return text.error();
    }
    Result<Json> json = parse_json(*text);
    Result<JsonRpcMessage> msg =
        json ? jsonrpc_from_json(*json) : Result<JsonRpcMessage>(json.error());
    if (!msg) {
      broken_ = true;
      return make_error("received bad JSON-RPC message: " + msg.error().message, EPROTO);
    }
    bool is_reply = msg->type == JsonRpcType::kReply || msg->type == JsonRpcType::kError;
    if (!is_reply || msg->id != id) continue;
    if (msg->type == JsonRpcType::kError) {
      if (!msg->error.is_string())
        return make_error(std::string("unexpected error type in JSON-RPC reply: ") +
                              json_type_name(msg->error.type()),
                          EPROTO);
      return make_error(msg->error.as_string(), kServerError);
    }
    if (!msg->result.is_string())
      return make_error(std::string("unexpected result type in JSON-RPC reply: ") +
                            json_type_name(msg->result.type()),
                        EPROTO);
    return msg->result.as_string();
  }
}

std::string unixctl_rundir() {
  const char* env = std::getenv("OVS_RUNDIR");
  return env && env[0] ? env : "/var/run/openvswitch";
}

Result<std::string> resolve_unixctl_target(const std::string& target) {
  if (!target.empty() && target[0] == '/') return target;
  std::string rundir = unixctl_rundir();
  std::string pidfile = rundir + "/" + target + ".pid";
  auto fail = [&](int err) {
    return make_error("cannot read pidfile \"" + pidfile + "\" (" + std::strerror(err) + ")", err);
  };
  int fd = ::open(pidfile.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  // As OVS's read_pidfile(): the daemon holds a write lock on its pidfile;
  // a pidfile nobody locks, or locked by another pid, is stale.
  struct flock lck = {};
  lck.l_type = F_WRLCK;
  lck.l_whence = SEEK_SET;
  int rc;
  do {
    rc = ::fcntl(fd, F_GETLK, &lck);
  } while (rc < 0 && errno == EINTR);
  int lock_err = rc < 0 ? errno : 0;
  char line[128];
  ssize_t n = rc < 0 ? -1 : ::read(fd, line, sizeof line - 1);
  int read_err = errno;
  ::close(fd);
  if (lock_err) return fail(lock_err);
  if (lck.l_type == F_UNLCK) return fail(ESRCH);
  if (n < 0) return fail(read_err);
  std::optional<int64_t> pid = parse_i64(trim(std::string_view(line, static_cast<size_t>(n))));
  if (!pid || *pid <= 0) return fail(EINVAL);
  if (*pid != lck.l_pid) return fail(ESRCH);
  return rundir + "/" + target + "." + std::to_string(*pid) + ".ctl";
}

}  // namespace ferry::rpc
