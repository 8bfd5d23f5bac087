#include "lib/rpc/unixctl_conn.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ferry::rpc {

UnixctlConn::UnixctlConn(int fd, uint64_t serial, size_t max_request_bytes, size_t max_output_bytes,
                         int64_t now_ms)
    : last_input_ms(now_ms),
      last_output_ms(now_ms),
      fd_(fd),
      name_("unixctl#" + std::to_string(serial)),
      max_output_(max_output_bytes),
      in_(max_request_bytes) {}

UnixctlConn::~UnixctlConn() { close(); }

void UnixctlConn::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  out_.clear();
  out_pos_ = 0;
}

UnixctlConn::Io UnixctlConn::receive(char* scratch, size_t size, int64_t now_ms, int* errno_out) {
  if (fd_ < 0) return Io::kEof;
  ssize_t n = ::recv(fd_, scratch, size, MSG_DONTWAIT);
  if (n > 0) {
    in_.feed(std::string_view(scratch, static_cast<size_t>(n)));
    last_input_ms = now_ms;
    return Io::kOk;
  }
  if (n == 0) return Io::kEof;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Io::kAgain;
  *errno_out = errno;
  return Io::kError;
}

UnixctlConn::Io UnixctlConn::send(std::string_view bytes, int64_t now_ms, int* errno_out) {
  if (fd_ < 0) return Io::kEof;
  if (backlog() > 0 && backlog() + bytes.size() > max_output_) {
    *errno_out = ENOBUFS;
    return Io::kError;
  }
  if (backlog() == 0) last_output_ms = now_ms;
  out_.append(bytes);
  return flush(now_ms, errno_out);
}

UnixctlConn::Io UnixctlConn::flush(int64_t now_ms, int* errno_out) {
  while (fd_ >= 0 && backlog() > 0) {
    ssize_t n = ::send(fd_, out_.data() + out_pos_, backlog(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out_pos_ += static_cast<size_t>(n);
      last_output_ms = now_ms;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (out_pos_ >= 65536 && out_pos_ * 2 >= out_.size()) {
        out_.erase(0, out_pos_);
        out_pos_ = 0;
      }
      return Io::kAgain;
    }
    if (n < 0 && errno == EINTR) continue;
    *errno_out = n < 0 ? errno : EPIPE;
    return Io::kError;
  }
  out_.clear();
  out_pos_ = 0;
  return Io::kOk;
}

bool UnixctlConn::hung_up() const {
  if (fd_ < 0) return true;
  pollfd p{fd_, 0, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)) != 0;
}

}  // namespace ferry::rpc
